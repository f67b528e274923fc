// The configuration examples of routing.md §4.5 and lifecycle.md §4 load, with the model they mean.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PluginKinds, registerPlugin } from '../../../src/plugins/index.ts';
import { assertHas, load, tlsFiles } from './helpers.ts';

// First-party names used by the examples, registered as stubs (the tests never initialize them).
registerPlugin(PluginKinds.FilterFactory, 'ProtocolLogger', {
  initialize: () => null,
  createFilter: () => ({}),
});
registerPlugin(PluginKinds.FilterFactory, 'StripPrefix', {
  configSchema: { type: 'object', properties: { prefix: { type: 'string' } } },
  initialize: () => null,
  createFilter: () => ({}),
});

test('routing.md §4.5 A: the simplest virtual cluster loads with defaults', async () => {
  const { model, warnings } = await load(`
clusterDefinitions:
  - name: upstream
    bootstrapServers: kafka-1:9092,kafka-2:9092,kafka-3:9092
virtualClusters:
  - name: demo
    target:
      cluster: upstream
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: localhost:9192
`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(model.clusters.get('upstream'), {
    name: 'upstream',
    bootstrapServers: [
      { host: 'kafka-1', port: 9092 },
      { host: 'kafka-2', port: 9092 },
      { host: 'kafka-3', port: 9092 },
    ],
    selection: 'round-robin',
    inline: false,
  });
  assert.deepEqual(model.virtualClusters, [
    {
      name: 'demo',
      target: { kind: 'cluster', cluster: 'upstream' },
      filters: [],
      gateways: [
        {
          kind: 'portIdentifiesNode',
          name: 'ports',
          bootstrapAddress: { host: 'localhost', port: 9192 },
          advertisedHostPattern: 'localhost',
          nodeStartPort: 9193,
        },
      ],
      drainTimeoutMs: 10_000,
    },
  ]);
  assert.equal(model.management, undefined);
  assert.deepEqual(model.network, {
    onVirtualClusterFailure: 'failProxy',
    session: {
      maxFrameBytes: 104_857_600,
      maxInFlightRequests: 1000,
      unauthenticatedIdleTimeoutMs: 30_000,
      authenticatedIdleTimeoutMs: 600_000,
      filterTimeoutMs: 20_000,
      maxResponseFrameBytes: 1_073_741_824,
      requestReadTimeoutMs: 30_000,
    },
    overload: {
      maxConnectionsPerGateway: 10_000,
      maxConnectionsPerClientAddress: 1_000,
      maxBufferedBytes: 1_073_741_824,
      bufferedBytesGracePeriodMs: 5_000,
    },
  });
});

test('R4, routing.md §4.5 B: a VC with only targetCluster loads like the clusterDefinitions + target form, with warning VC9', async () => {
  const inline = await load(`
virtualClusters:
  - name: demo
    targetCluster:
      bootstrapServers: kafka:9092
    filters: [audit]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: localhost:9192
filterDefinitions:
  - name: audit
    type: ProtocolLogger
`);
  const explicit = await load(`
clusterDefinitions:
  - name: main
    bootstrapServers: kafka:9092
filterDefinitions:
  - name: audit
    type: ProtocolLogger
virtualClusters:
  - name: demo
    target:
      cluster: main
    filters: [audit]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: localhost:9192
`);
  assert.deepEqual(inline.warnings, [
    "test.yaml:4:5: warning: Virtual cluster 'demo' uses the deprecated 'targetCluster'; define the cluster in 'clusterDefinitions' and use 'target: {cluster: <name>}' instead (at virtualClusters[0].targetCluster)",
  ]);
  assert.deepEqual(explicit.warnings, []);
  const [inlineVc] = inline.model.virtualClusters;
  const [explicitVc] = explicit.model.virtualClusters;
  assert.equal(inlineVc?.target.kind, 'cluster');
  const inlineCluster = inline.model.clusters.get(inlineVc!.target.kind === 'cluster' ? inlineVc!.target.cluster : '');
  const explicitCluster = explicit.model.clusters.get('main');
  assert.deepEqual(
    { ...inlineCluster, name: 'main', inline: false },
    explicitCluster,
    'the synthesized cluster equals the explicit one but for its name',
  );
  assert.equal(inlineCluster?.inline, true);
  assert.deepEqual({ ...inlineVc, target: undefined }, { ...explicitVc, target: undefined });
});

const EXAMPLE_C = `
management:
  port: 9190

clusterDefinitions:
  - name: cluster-a
    bootstrapServers: kafka-a-0:9093,kafka-a-1:9093
    tls: {}                                   # TLS with platform trust
  - name: cluster-b
    bootstrapServers: kafka-b-0:9092,kafka-b-1:9092
  - name: cluster-c
    bootstrapServers: kafka-c-0:9092,kafka-c-1:9092

filterDefinitions:
  - name: audit
    type: ProtocolLogger
  - name: prefix-a
    type: "./acme/switchyard-filters.js#TopicPrefix"
    config: { prefix: "a." }
  - name: upstream-auth-a
    type: "./acme/switchyard-filters.js#SaslInitiator"
    config: { mechanism: SCRAM-SHA-512, username: proxy-a, passwordFile: secrets/proxy-a }

routerDefinitions:
  - name: union
    type: "./acme/switchyard-routers.js#TopicUnionRouter"
    config:
      ownerByPrefix: { "a.": a, "b.": b }
    routes:
      - name: a
        id: 0
        filters: [prefix-a, upstream-auth-a]  # SASL initiation sits on a route to a cluster
        target:
          cluster: cluster-a
      - name: b
        id: 1
        target:
          router: b-split                     # nested router
  - name: b-split
    type: "./routers/archive-split.js#ArchiveSplitFactory"
    config: { archiveTopics: ["b.audit-log"] }
    routes:
      - name: main
        id: 0
        target:
          cluster: cluster-b
      - name: archive
        id: 1
        target:
          cluster: cluster-c

virtualClusters:
  - name: union
    target:
      router: union
    filters: [audit]                          # runs before the router
    drainTimeout: 15s
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 0.0.0.0:9192
          advertisedBrokerAddressPattern: union.proxy.example.com
`;

test('R1, routing.md §4.5 C: a union of three clusters with a nested router, route filters and a VC filter loads', async () => {
  // The example's "@acme/…" packages are stood in for by fixture modules of the same shape.
  const { model, warnings } = await load(EXAMPLE_C);
  assert.deepEqual(warnings, []);
  assert.deepEqual(model.management, { bindAddress: '0.0.0.0', port: 9190, reload: false, ui: { enabled: false } });
  assert.deepEqual([...model.clusters.keys()], ['cluster-a', 'cluster-b', 'cluster-c']);
  assert.deepEqual(model.clusters.get('cluster-a')?.tls, {});
  assert.deepEqual([...model.filters.keys()], ['audit', 'prefix-a', 'upstream-auth-a']);
  assert.deepEqual(model.filters.get('prefix-a')?.config, { prefix: 'a.' });
  assert.equal(model.filters.get('upstream-auth-a')?.saslRole, 'initiate');
  assert.equal(model.filters.get('audit')?.config, null);
  const union = model.routers.get('union');
  assert.deepEqual(union?.routes, [
    { name: 'a', id: 0, filters: ['prefix-a', 'upstream-auth-a'], target: { kind: 'cluster', cluster: 'cluster-a' } },
    { name: 'b', id: 1, filters: [], target: { kind: 'router', router: 'b-split' } },
  ]);
  assert.deepEqual(union?.config, { ownerByPrefix: { 'a.': 'a', 'b.': 'b' } });
  assert.deepEqual(model.routers.get('b-split')?.config, { archiveTopics: ['b.audit-log'], copy: false });
  const [vc] = model.virtualClusters;
  assert.deepEqual(vc?.target, { kind: 'router', router: 'union' });
  assert.deepEqual(vc?.filters, ['audit']);
  assert.equal(vc?.drainTimeoutMs, 15_000);
  assert.deepEqual(vc?.gateways[0], {
    kind: 'portIdentifiesNode',
    name: 'ports',
    bootstrapAddress: { host: '0.0.0.0', port: 9192 },
    advertisedHostPattern: 'union.proxy.example.com',
    nodeStartPort: 9193,
  });
});

test('routing.md §4.5 D: a static API-key split with an SNI gateway loads', async () => {
  const { model } = await load(`
clusterDefinitions:
  - name: control-plane
    bootstrapServers: kafka-ctl:9092
  - name: data-plane
    bootstrapServers: kafka-data-0:9092,kafka-data-1:9092
routerDefinitions:
  - name: split
    type: "./routers/api-key-split.js#ApiKeySplitFactory"
    config:
      data: [PRODUCE, FETCH, LIST_OFFSETS, OFFSET_FOR_LEADER_EPOCH]
    routes:
      - { name: control, id: 0, target: { cluster: control-plane } }
      - { name: data, id: 1, target: { cluster: data-plane } }
virtualClusters:
  - name: split
    target: { router: split }
    gateways:
      - name: sni
        sniHostIdentifiesNode:
          bootstrapAddress: split.proxy.example.com:9092
          advertisedBrokerAddressPattern: broker-$(nodeId).split.proxy.example.com
        tls:
          key: { certificateFile: ${tlsFiles()}/certs/proxy.pem, privateKeyFile: ${tlsFiles()}/certs/proxy-key.pem }
`);
  assert.deepEqual(model.virtualClusters[0]?.gateways[0], {
    kind: 'sniHostIdentifiesNode',
    name: 'sni',
    bootstrapAddress: { host: 'split.proxy.example.com', port: 9092 },
    bindAddress: '0.0.0.0',
    advertisedHostPattern: 'broker-$(nodeId).split.proxy.example.com',
    advertisedPort: 9092,
    tls: {
      key: {
        certificateFile: `${tlsFiles()}/certs/proxy.pem`,
        privateKeyFile: `${tlsFiles()}/certs/proxy-key.pem`,
      },
    },
  });
});

test('routing.md §4.5 E: two routes to one cluster load (the overlap is checked at startup, VS1)', async () => {
  const { model, warnings } = await load(`
clusterDefinitions:
  - name: main
    bootstrapServers: kafka:9092
filterDefinitions:
  - name: strip-old-prefix
    type: StripPrefix
    config: { prefix: "old." }
routerDefinitions:
  - name: rename
    type: "./routers/rename.js#RenameFactory"
    config: { legacyPrefix: "old.", currentPrefix: "" }
    routes:
      - { name: legacy, id: 0, filters: [strip-old-prefix], target: { cluster: main } }
      - { name: current, id: 1, target: { cluster: main } }
virtualClusters:
${`  - name: rename
    target: { router: rename }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: localhost:9192`}
`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    model.routers.get('rename')?.routes.map((r) => r.target),
    [
      { kind: 'cluster', cluster: 'main' },
      { kind: 'cluster', cluster: 'main' },
    ],
  );
});

test('lifecycle.md §4: the complete configuration with two virtual clusters, management and serveOthers loads', async () => {
  const { model, warnings } = await load(`
management:
  bindAddress: 0.0.0.0
  port: 9190

network:
  onVirtualClusterFailure: serveOthers
  proxy:
    workerThreadCount: 4

clusterDefinitions:
  - name: main
    bootstrapServers: kafka-1:9092,kafka-2:9092,kafka-3:9092
  - name: analytics
    bootstrapServers: analytics-kafka:9092

virtualClusters:
  - name: orders
    drainTimeout: 15s
    target:
      cluster: main
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 0.0.0.0:9192
  - name: analytics
    drainTimeout: 2s                 # short-lived clients; drain quickly
    target:
      cluster: analytics
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 0.0.0.0:9292
`);
  assert.deepEqual(warnings, []);
  assert.deepEqual(model.management, { bindAddress: '0.0.0.0', port: 9190, reload: false, ui: { enabled: false } });
  assert.equal(model.network.onVirtualClusterFailure, 'serveOthers');
  assert.equal(model.network.workerThreadCount, 4);
  assert.deepEqual(
    model.virtualClusters.map((v) => [v.name, v.drainTimeoutMs]),
    [
      ['orders', 15_000],
      ['analytics', 2_000],
    ],
  );
});

test('lifecycle.md §4: a configuration ported from the reference design loads with warnings VL6 and VL7', async () => {
  const { model, warnings } = await load(`
management:
  port: 9190
  endpoints:
    prometheus: {}
network:
  proxy:
    shutdownQuietPeriod: 2s
    shutdownTimeout: 15s
clusterDefinitions:
  - name: upstream
    bootstrapServers: localhost:9092
virtualClusters:
  - name: demo
    target:
      cluster: upstream
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:9192
`);
  assert.deepEqual(warnings, [
    'test.yaml:5:5: warning: management.endpoints.prometheus is accepted for compatibility; /metrics is always served (at management.endpoints.prometheus)',
    "test.yaml:8:5: warning: network.proxy.shutdownQuietPeriod is accepted for compatibility and ignored: shutdown is bounded by each virtual cluster's drainTimeout (at network.proxy.shutdownQuietPeriod)",
    "test.yaml:9:5: warning: network.proxy.shutdownTimeout is accepted for compatibility and ignored: shutdown is bounded by each virtual cluster's drainTimeout (at network.proxy.shutdownTimeout)",
  ]);
  assert.deepEqual(model.management, { bindAddress: '0.0.0.0', port: 9190, reload: false, ui: { enabled: false } });
});

test('R16: a filter, a router and a cluster may share one name', async () => {
  const { model, warnings } = await load(`
clusterDefinitions:
  - name: orders
    bootstrapServers: kafka:9092
filterDefinitions:
  - name: orders
    type: ProtocolLogger
routerDefinitions:
  - name: orders
    type: "./routers/test-routers.js#PassThrough"
    routes:
      - { name: orders, id: 0, filters: [orders], target: { cluster: orders } }
virtualClusters:
  - name: orders
    target: { router: orders }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: localhost:9192
`);
  assert.deepEqual(warnings, []);
  assert.ok(model.clusters.has('orders') && model.filters.has('orders') && model.routers.has('orders'));
});

test('R10: the same route name in two different routers is accepted', async () => {
  const { model } = await load(`
clusterDefinitions:
  - { name: a, bootstrapServers: "a:9092" }
  - { name: b, bootstrapServers: "b:9092" }
routerDefinitions:
  - name: outer
    type: "./routers/test-routers.js#PassThrough"
    routes:
      - { name: main, id: 0, target: { cluster: a } }
      - { name: inner, id: 1, target: { router: inner } }
  - name: inner
    type: "./routers/test-routers.js#PassThrough"
    routes:
      - { name: main, id: 0, target: { cluster: b } }
virtualClusters:
  - name: demo
    target: { router: outer }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: localhost:9192
`);
  assert.equal(model.routers.get('outer')?.routes[0]?.name, 'main');
  assert.equal(model.routers.get('inner')?.routes[0]?.name, 'main');
});

test('defaultFilters form the VC chain of every VC without a filters key; an empty filters key replaces them', async () => {
  const { model } = await load(`
clusterDefinitions:
  - { name: main, bootstrapServers: "kafka:9092" }
filterDefinitions:
  - { name: audit, type: ProtocolLogger }
defaultFilters: [audit]
virtualClusters:
  - name: inherits
    target: { cluster: main }
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
  - name: replaces
    target: { cluster: main }
    filters: []
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9292" } }]
`);
  assert.deepEqual(
    model.virtualClusters.map((v) => v.filters),
    [['audit'], []],
  );
});

test('the model is immutable and source.locate() points into the file', async () => {
  const { model } = await load(EXAMPLE_C);
  assert.ok(Object.isFrozen(model.virtualClusters[0]));
  assert.ok(Object.isFrozen(model.routers.get('b-split')?.config));
  assert.throws(() => (model.clusters as Map<string, unknown>).set('x', {}), TypeError);
  const path = model.routers.get('b-split')?.path;
  assert.equal(path, 'routerDefinitions[1]');
  assert.equal(model.filters.get('prefix-a')?.path, 'filterDefinitions[1]');
  assert.deepEqual(model.source.locate(`${path}.config`), { line: 41, column: 5 });
  assert.deepEqual(model.source.locate(`${path}.config`, '/archiveTopics/0'), { line: 41, column: 31 });
  assertHas([model.source.file], 'test.yaml');
});
