// Rejections of routing.md §4.7 (R2–R19, R22, R23): the exact message, located at the offending item.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PluginKinds, registerPlugin } from '../../../src/plugins/index.ts';
import { assertHas, load, rejected, vc } from './helpers.ts';

registerPlugin(PluginKinds.RouterFactory, 'Pass', { initialize: () => null, createRouter: () => ({}) });
registerPlugin(PluginKinds.FilterFactory, 'Pass', { initialize: () => null, createFilter: () => ({}) });

const CLUSTERS = `
clusterDefinitions:
  - { name: main, bootstrapServers: "kafka:9092" }
  - { name: other, bootstrapServers: "other:9092" }`;

test('R2: a VC with both target and targetCluster is rejected (VC3)', async () => {
  const lines = await rejected(`${CLUSTERS}
virtualClusters:
  - name: demo
    target: { cluster: main }
    targetCluster: { bootstrapServers: "kafka:9092" }
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
`);
  assertHas(
    lines,
    "test.yaml:6:5: error: Virtual cluster 'demo' must specify exactly one of 'targetCluster' or 'target' (at virtualClusters[0])",
  );
});

test('R3: a VC with neither target nor targetCluster is rejected (VC3)', async () => {
  const lines = await rejected(`${CLUSTERS}
virtualClusters:
  - name: demo
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
`);
  assertHas(
    lines,
    "test.yaml:6:5: error: Virtual cluster 'demo' must specify exactly one of 'targetCluster' or 'target' (at virtualClusters[0])",
  );
});

test('R5: a route or VC target with both cluster and router, or neither, is rejected (VR12, VC4)', async () => {
  const lines = await rejected(`${CLUSTERS}
routerDefinitions:
  - name: r
    type: Pass
    routes:
      - name: both
        id: 0
        target: { cluster: main, router: r }
      - name: neither
        id: 1
        target: {}
virtualClusters:
  - name: both
    target: { cluster: main, router: r }
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
  - name: neither
    target: {}
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9292" } }]
`);
  assertHas(
    lines,
    "test.yaml:11:9: error: Target of route 'both' in router 'r' must specify exactly one of 'cluster' or 'router', but both were provided (at routerDefinitions[0].routes[0].target)",
  );
  assertHas(
    lines,
    "test.yaml:14:9: error: Target of route 'neither' in router 'r' must specify exactly one of 'cluster' or 'router', but neither was provided (at routerDefinitions[0].routes[1].target)",
  );
  assertHas(
    lines,
    "test.yaml:17:5: error: Target of virtual cluster 'both' must specify exactly one of 'cluster' or 'router', but both were provided (at virtualClusters[0].target)",
  );
  assertHas(
    lines,
    "test.yaml:20:5: error: Target of virtual cluster 'neither' must specify exactly one of 'cluster' or 'router', but neither was provided (at virtualClusters[1].target)",
  );
});

test('R6: a route or VC naming an undefined cluster is rejected with a "did you mean" suggestion (VR13, VC5)', async () => {
  const lines = await rejected(`${CLUSTERS}
routerDefinitions:
  - name: r
    type: Pass
    routes:
      - { name: a, id: 0, target: { cluster: mian } }
virtualClusters:${vc('{ cluster: othr }')}${vc('{ router: r }', 'routed', 9292)}
  - name: far
    target: { cluster: elsewhere }
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9392" } }]
`);
  assertHas(
    lines,
    "test.yaml:9:46: error: Route 'a' in router 'r' references unknown cluster 'mian' (did you mean 'main'?) (at routerDefinitions[0].routes[0].target.cluster)",
  );
  assertHas(
    lines,
    "test.yaml:12:24: error: Virtual cluster 'demo' references unknown cluster 'othr' (did you mean 'other'?) (at virtualClusters[0].target.cluster)",
  );
  assertHas(
    lines,
    "test.yaml:24:24: error: Virtual cluster 'far' references unknown cluster 'elsewhere' (at virtualClusters[2].target.cluster)",
  );
});

test('R7: a route or VC naming an undefined router is rejected (VR14, VC6)', async () => {
  const lines = await rejected(`${CLUSTERS}
routerDefinitions:
  - name: outer
    type: Pass
    routes:
      - { name: a, id: 0, target: { cluster: main } }
      - { name: b, id: 1, target: { router: iner } }
virtualClusters:${vc('{ router: outr }')}
`);
  assertHas(
    lines,
    "test.yaml:10:45: error: Route 'b' in router 'outer' references unknown router 'iner' (at routerDefinitions[0].routes[1].target.router)",
  );
  assertHas(
    lines,
    "test.yaml:13:23: error: Virtual cluster 'demo' references unknown router 'outr' (did you mean 'outer'?) (at virtualClusters[0].target.router)",
  );
});

test('R8: a cyclic router graph is rejected, for a self-loop and for a longer cycle a -> b -> a (VR15)', async () => {
  const lines = await rejected(`${CLUSTERS}
routerDefinitions:
  - name: self
    type: Pass
    routes:
      - { name: x, id: 0, target: { router: self } }
  - name: a
    type: Pass
    routes:
      - { name: x, id: 0, target: { router: b } }
  - name: b
    type: Pass
    routes:
      - { name: x, id: 0, target: { cluster: main } }
      - { name: y, id: 1, target: { router: a } }
virtualClusters:${vc('{ router: self }')}${vc('{ router: a }', 'other', 9292)}
`);
  assertHas(lines, 'test.yaml:6:5: error: Router definitions contain a cycle: self -> self (at routerDefinitions[0])');
  assertHas(lines, 'test.yaml:10:5: error: Router definitions contain a cycle: a -> b -> a (at routerDefinitions[1])');
  assert.equal(lines.filter((l) => l.includes('cycle')).length, 2, 'one message per cycle');
});

test('R9: duplicate route names within one router are rejected (VR8)', async () => {
  const lines = await rejected(`${CLUSTERS}
routerDefinitions:
  - name: r
    type: Pass
    routes:
      - { name: a, id: 0, target: { cluster: main } }
      - { name: a, id: 1, target: { cluster: other } }
virtualClusters:${vc('{ router: r }')}
`);
  assertHas(
    lines,
    "test.yaml:9:17: error: Router 'r' has duplicate route names: 'a' (at routerDefinitions[0].routes[0].name)",
  );
});

test('R11: duplicate route ids within one router are rejected (VR9)', async () => {
  const lines = await rejected(`${CLUSTERS}
routerDefinitions:
  - name: r
    type: Pass
    routes:
      - { name: a, id: 0, target: { cluster: main } }
      - { name: b, id: 0, target: { cluster: other } }
virtualClusters:${vc('{ router: r }')}
`);
  assertHas(
    lines,
    "test.yaml:9:24: error: Router 'r' has duplicate route ids: 0 (at routerDefinitions[0].routes[0].id)",
  );
});

test('R12: a route id outside [0, S), negative or too large, is rejected (VR10)', async () => {
  const lines = await rejected(`${CLUSTERS}
routerDefinitions:
  - name: r
    type: Pass
    routes:
      - { name: a, id: -1, target: { cluster: main } }
      - { name: b, id: 2, target: { cluster: other } }
virtualClusters:${vc('{ router: r }')}
`);
  assertHas(
    lines,
    "test.yaml:9:24: error: Route 'a' in router 'r' has id -1, which is outside the valid range [0, 2) (at routerDefinitions[0].routes[0].id)",
  );
  assertHas(
    lines,
    "test.yaml:10:24: error: Route 'b' in router 'r' has id 2, which is outside the valid range [0, 2) (at routerDefinitions[0].routes[1].id)",
  );
});

function manyRoutes(name: string, count: number, target: (i: number) => string): string {
  const routes = Array.from({ length: count }, (_, i) => `      - { name: r${i}, id: ${i}, target: ${target(i)} }`);
  return `  - name: ${name}\n    type: Pass\n    routes:\n${routes.join('\n')}`;
}

test('R13: a router with 21475 routes is rejected (VR11)', async () => {
  const lines = await rejected(`${CLUSTERS}
routerDefinitions:
${manyRoutes('big', 21475, () => '{ cluster: main }')}
virtualClusters:${vc('{ router: big }')}
`);
  assertHas(
    lines,
    "test.yaml:8:5: error: Router 'big' has 21475 routes, which risks integer overflow in virtual node ids for broker ids up to 100000 (at most 21474 routes are allowed) (at routerDefinitions[0].routes)",
  );
});

test('R13: a router with 21474 routes is accepted', async () => {
  const { model } = await load(`${CLUSTERS}
routerDefinitions:
${manyRoutes('big', 21474, (i) => (i % 2 === 0 ? '{ cluster: main }' : '{ cluster: other }'))}
virtualClusters:${vc('{ router: big }')}
`);
  assert.equal(model.routers.get('big')?.routes.length, 21474);
});

test('R14: a path whose route counts multiply beyond 21474 is rejected (VR16); exactly 21474 is accepted', async () => {
  const config = (innerRoutes: number): string => `${CLUSTERS}
routerDefinitions:
  - name: outer
    type: Pass
    routes:
      - { name: a, id: 0, target: { cluster: main } }
      - { name: b, id: 1, target: { router: inner } }
${manyRoutes('inner', innerRoutes, () => '{ cluster: other }')}
virtualClusters:${vc('{ router: outer }')}
`;
  const lines = await rejected(config(10_738));
  assertHas(
    lines,
    `test.yaml:${10_738 + 16}:5: error: Virtual cluster 'demo' reaches cluster 'other' through outer/b/inner whose route counts multiply to 21476, which risks integer overflow in virtual node ids for broker ids up to 100000 (the product must be at most 21474) (at virtualClusters[0].target)`,
  );
  await load(config(10_737));
});

test('VR17: a VC that unfolds into more than 256 router levels is rejected', async () => {
  // Each level targets the next one twice: 1 + 2 + 4 + … + 256 = 511 levels.
  const levels = Array.from({ length: 9 }, (_, i) =>
    i < 8
      ? `  - { name: l${i}, type: Pass, routes: [{ name: x, id: 0, target: { router: l${i + 1} } }, { name: y, id: 1, target: { router: l${i + 1} } }] }`
      : `  - { name: l${i}, type: Pass, routes: [{ name: x, id: 0, target: { cluster: main } }, { name: y, id: 1, target: { cluster: other } }] }`,
  );
  const lines = await rejected(`${CLUSTERS}
routerDefinitions:
${levels.join('\n')}
virtualClusters:${vc('{ router: l0 }')}
`);
  assertHas(
    lines,
    "test.yaml:17:5: error: Virtual cluster 'demo' unfolds into 511 router levels; at most 256 are allowed (at virtualClusters[0].target)",
  );
});

test('R15: a router definition with no routes is rejected (VR7)', async () => {
  const lines = await rejected(`${CLUSTERS}
routerDefinitions:
  - name: empty
    type: Pass
    routes: []
  - name: absent
    type: Pass
virtualClusters:${vc('{ router: empty }')}${vc('{ router: absent }', 'other', 9292)}
`);
  assertHas(
    lines,
    "test.yaml:8:5: error: Router 'empty' must have at least one route (at routerDefinitions[0].routes)",
  );
  assertHas(lines, "test.yaml:9:5: error: Router 'absent' must have at least one route (at routerDefinitions[1])");
});

test('R17: a route filter, VC filter or default filter naming an undefined filter is rejected (VF2–VF4)', async () => {
  const lines = await rejected(`${CLUSTERS}
filterDefinitions:
  - { name: audit, type: Pass }
defaultFilters: [audti]
routerDefinitions:
  - name: r
    type: Pass
    routes:
      - { name: a, id: 0, filters: [nope], target: { cluster: main } }
virtualClusters:
  - name: demo
    target: { router: r }
    filters: [audit, missing]
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
`);
  assertHas(
    lines,
    "test.yaml:7:18: error: defaultFilters references unknown filter 'audti' (did you mean 'audit'?) (at defaultFilters[0])",
  );
  assertHas(
    lines,
    "test.yaml:12:37: error: Route 'a' in router 'r' references unknown filter 'nope' (at routerDefinitions[0].routes[0].filters[0])",
  );
  assertHas(
    lines,
    "test.yaml:16:22: error: Virtual cluster 'demo' references unknown filter 'missing' (at virtualClusters[0].filters[1])",
  );
});

test('R18: unused filter, cluster and router definitions produce warnings, not errors (VF5, VC10, VR18)', async () => {
  const { warnings } = await load(`${CLUSTERS}
filterDefinitions:
  - { name: spare, type: Pass }
routerDefinitions:
  - name: idle
    type: Pass
    routes: [{ name: a, id: 0, target: { cluster: main } }]
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.deepEqual(warnings, [
    "test.yaml:4:13: warning: Cluster definition 'other' is not used by any virtual cluster or route (at clusterDefinitions[1].name)",
    "test.yaml:6:13: warning: Filter definition 'spare' is not used by defaultFilters, any virtual cluster or any route (at filterDefinitions[0].name)",
    "test.yaml:8:11: warning: Router definition 'idle' is not used by any virtual cluster or route (at routerDefinitions[0].name)",
  ]);
});

test('R19: duplicate cluster, filter, router and virtual cluster names are rejected (VK1, VF1, VR1, VC2), virtual clusters ignoring case', async () => {
  const lines = await rejected(`
clusterDefinitions:
  - { name: main, bootstrapServers: "kafka:9092" }
  - { name: main, bootstrapServers: "kafka:9093" }
filterDefinitions:
  - { name: audit, type: Pass }
  - { name: audit, type: Pass }
routerDefinitions:
  - { name: r, type: Pass, routes: [{ name: a, id: 0, filters: [audit], target: { cluster: main } }] }
  - { name: r, type: Pass, routes: [{ name: a, id: 0, target: { cluster: main } }] }
virtualClusters:${vc('{ router: r }', 'Orders')}${vc('{ cluster: main }', 'orders', 9292)}
`);
  assert.deepEqual(
    lines.filter((l) => l.includes(': error: ')),
    [
      "test.yaml:4:13: error: Duplicate cluster definition name 'main' (first defined at line 3) (at clusterDefinitions[1].name)",
      "test.yaml:7:13: error: Duplicate filter definition name 'audit' (first defined at line 6) (at filterDefinitions[1].name)",
      "test.yaml:10:13: error: Duplicate router definition name 'r' (first defined at line 9) (at routerDefinitions[1].name)",
      "test.yaml:18:11: error: Duplicate virtual cluster name 'orders' (names are compared ignoring case; first defined at line 12) (at virtualClusters[1].name)",
    ],
  );
});

test('VC1: an invalid virtual cluster name is rejected', async () => {
  const lines = await rejected(`${CLUSTERS}
virtualClusters:${vc('{ cluster: main }', '-bad_name')}
`);
  assertHas(
    lines,
    "test.yaml:6:11: error: Virtual cluster name '-bad_name' is invalid: use 1 to 63 letters, digits or '-', starting and ending with a letter or digit (at virtualClusters[0].name)",
  );
});

test('VC7: a virtual cluster without gateways is rejected', async () => {
  const lines = await rejected(`${CLUSTERS}
virtualClusters:
  - name: demo
    target: { cluster: main }
    gateways: []
`);
  assertHas(
    lines,
    "test.yaml:8:5: error: Virtual cluster 'demo' must have at least one gateway (at virtualClusters[0].gateways)",
  );
});

test('VC8: a targetCluster obeys VK2 and VK3 with owner "virtual cluster \'{vc}\' targetCluster"', async () => {
  const lines = await rejected(`
virtualClusters:
  - name: demo
    targetCluster: { bootstrapServers: "kafka:0" }
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
  - name: empty
    targetCluster: { bootstrapServers: " , " }
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9292" } }]
`);
  assertHas(
    lines,
    "test.yaml:4:40: error: Virtual cluster 'demo' targetCluster has an invalid bootstrap server 'kafka:0': expected host:port with a port from 1 to 65535 (at virtualClusters[0].targetCluster.bootstrapServers)",
  );
  assertHas(
    lines,
    "test.yaml:7:40: error: Virtual cluster 'empty' targetCluster has an empty 'bootstrapServers' (at virtualClusters[1].targetCluster.bootstrapServers)",
  );
});

test('VK2, VK3: bootstrap servers are host:port lists, IPv6 bracketed, whitespace ignored', async () => {
  const { model } = await load(`
clusterDefinitions:
  - { name: main, bootstrapServers: " [::1]:9092 , kafka-1.example.com:9093,10.0.0.1:1" }
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.deepEqual(model.clusters.get('main')?.bootstrapServers, [
    { host: '::1', port: 9092 },
    { host: 'kafka-1.example.com', port: 9093 },
    { host: '10.0.0.1', port: 1 },
  ]);
  const lines = await rejected(`
clusterDefinitions:
  - { name: main, bootstrapServers: "::1:9092,kafka:65536,kafka" }
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.deepEqual(
    lines.filter((l) => l.includes('invalid bootstrap server')).map((l) => l.split("'")[3]),
    ['::1:9092', 'kafka:65536', 'kafka'],
  );
});

test('R22: every error in a file is reported, not only the first, in file order', async () => {
  const lines = await rejected(`
clusterDefinitions:
  - { name: main, bootstrapServers: "kafka:9092", colour: blue }
routerDefinitions:
  - name: r
    type: Pass
    routes:
      - { name: a, id: 5, target: { cluster: nope } }
virtualClusters:
  - name: demo
    target: { router: q }
    drainTimeout: 10
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
`);
  assert.deepEqual(
    lines.filter((l) => l.includes(': error: ')),
    [
      "test.yaml:3:51: error: Unknown property 'colour' in cluster definition 'main' (at clusterDefinitions[0].colour)",
      "test.yaml:8:24: error: Route 'a' in router 'r' has id 5, which is outside the valid range [0, 1) (at routerDefinitions[0].routes[0].id)",
      "test.yaml:8:46: error: Route 'a' in router 'r' references unknown cluster 'nope' (at routerDefinitions[0].routes[0].target.cluster)",
      "test.yaml:11:23: error: Virtual cluster 'demo' references unknown router 'q' (did you mean 'r'?) (at virtualClusters[0].target.router)",
      "test.yaml:12:19: error: Virtual cluster 'demo' has an invalid drainTimeout '10': expected a duration such as 500ms, 10s or 1m30s (at virtualClusters[0].drainTimeout)",
    ],
  );
});
