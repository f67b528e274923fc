// Plugin types and configs in the configuration (R20, R21, R23, routing.md §3.9 and §4.8).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PluginKinds, registerPlugin } from '../../../src/plugins/index.ts';
import { assertHas, load, rejected, vc } from './helpers.ts';

// The fixture module is plain JavaScript; a computed specifier keeps TypeScript from wanting types.
const fixtureUrl = new URL('./fixtures/routers/test-routers.js', import.meta.url).href;
const { ClassFactory } = (await import(fixtureUrl)) as { ClassFactory: (new () => object) & { instances: number } };

registerPlugin(PluginKinds.RouterFactory, 'TopicRouter', { initialize: () => null, createRouter: () => ({}) });
registerPlugin(PluginKinds.FilterFactory, 'ProtocolLogger', { initialize: () => null, createFilter: () => ({}) });

const CLUSTER = `
clusterDefinitions:
  - { name: main, bootstrapServers: "kafka:9092" }`;

function routerConfig(type: string, config?: string): string {
  return `${CLUSTER}
routerDefinitions:
  - name: r
    type: "${type}"${config === undefined ? '' : `\n    config:\n${config}`}
    routes: [{ name: main, id: 0, target: { cluster: main } }]
virtualClusters:${vc('{ router: r }')}
`;
}

test('R20: a config that violates the configSchema is rejected, one line per violation at the offending value', async () => {
  const lines = await rejected(
    routerConfig(
      './routers/test-routers.js#ByUser',
      `      routeByUser: { alice: 7, bob: main }
      extra: true`,
    ),
  );
  assert.deepEqual(lines, [
    "test.yaml:7:5: error: Router 'r' has invalid config at '': must have required property 'defaultRoute' (at routerDefinitions[0].config)",
    "test.yaml:8:29: error: Router 'r' has invalid config at '/routeByUser/alice': must be string (at routerDefinitions[0].config.routeByUser.alice)",
    "test.yaml:9:14: error: Router 'r' has invalid config at '/extra': must NOT have additional properties (at routerDefinitions[0].config.extra)",
  ]);
});

test('R20: violations inside lists are located at the list element (routing.md §4.8 example)', async () => {
  const lines = await rejected(
    routerConfig('./routers/archive-split.js#ArchiveSplitFactory', '      archiveTopics: [ok, 42]'),
  );
  assert.deepEqual(lines, [
    "test.yaml:8:27: error: Router 'r' has invalid config at '/archiveTopics/1': must be string (at routerDefinitions[0].config.archiveTopics[1])",
  ]);
});

test('R20, R32: schema defaults are applied and the validated config is deep-frozen', async () => {
  const { model } = await load(routerConfig('./routers/test-routers.js#ByUser', '      defaultRoute: main'));
  const config = model.routers.get('r')?.config;
  assert.deepEqual(config, { defaultRoute: 'main', routeByUser: {} });
  assert.ok(Object.isFrozen(config) && Object.isFrozen((config as { routeByUser: object }).routeByUser));
});

test('R32: the config is null when absent', async () => {
  const { model } = await load(routerConfig('./routers/test-routers.js#PassThrough'));
  assert.equal(model.routers.get('r')?.config, null);
});

test('R20: an absent config is validated as null, located at the router definition', async () => {
  const lines = await rejected(routerConfig('./routers/test-routers.js#ByUser'));
  assert.deepEqual(lines, [
    "test.yaml:5:5: error: Router 'r' has invalid config at '': must be object (at routerDefinitions[0].config)",
  ]);
});

test('§4.8: an invalid configSchema is reported as a plugin bug', async () => {
  const lines = await rejected(routerConfig('./routers/test-routers.js#InvalidSchema'));
  assert.equal(lines.length, 1);
  assert.match(
    lines[0]!,
    /^test\.yaml:6:11: error: Router 'r': plugin '\.\/routers\/test-routers\.js#InvalidSchema' has an invalid configSchema: schema is invalid: .* \(at routerDefinitions\[0\]\.type\)$/,
  );
});

test('R21: a router type that names no plugin is rejected (VR2), with the known names and a suggestion', async () => {
  const lines = await rejected(routerConfig('TopicRouterr'));
  assert.deepEqual(lines, [
    "test.yaml:6:11: error: Router 'r' has type 'TopicRouterr', which is not a known router plugin (known: TopicRouter) (did you mean 'TopicRouter'?) (at routerDefinitions[0].type)",
  ]);
});

test('R21: a router type whose module cannot be loaded is rejected (VR3)', async () => {
  const missing = await rejected(routerConfig('./routers/missing.js#Factory'));
  assert.match(
    missing[0]!,
    /^test\.yaml:6:11: error: Router 'r': cannot load plugin module '\.\/routers\/missing\.js': Cannot find module .*missing\.js.* \(at routerDefinitions\[0\]\.type\)$/,
  );
  const broken = await rejected(routerConfig('./broken-module.js#Factory'));
  assert.deepEqual(broken, [
    "test.yaml:6:11: error: Router 'r': cannot load plugin module './broken-module.js': boom while loading (at routerDefinitions[0].type)",
  ]);
  const noPackage = await rejected(routerConfig('no-such-switchyard-package#Factory'));
  assert.match(noPackage[0]!, /cannot load plugin module 'no-such-switchyard-package': /);
});

test('R21: a router type naming a missing export is rejected (VR4)', async () => {
  assert.deepEqual(await rejected(routerConfig('./routers/test-routers.js#Nope')), [
    "test.yaml:6:11: error: Router 'r': module './routers/test-routers.js' has no export named 'Nope' (at routerDefinitions[0].type)",
  ]);
  // The package form resolves installed packages.
  assert.deepEqual(await rejected(routerConfig('yaml#Nope')), [
    "test.yaml:6:11: error: Router 'r': module 'yaml' has no export named 'Nope' (at routerDefinitions[0].type)",
  ]);
});

test('R21: a router type whose export is not a router factory is rejected (VR5)', async () => {
  assert.deepEqual(await rejected(routerConfig('./routers/test-routers.js#NotAFactory')), [
    "test.yaml:6:11: error: Router 'r': './routers/test-routers.js#NotAFactory' is not a router factory (it needs initialize() and createRouter()) (at routerDefinitions[0].type)",
  ]);
  assert.deepEqual(await rejected(routerConfig('yaml#LineCounter')), [
    "test.yaml:6:11: error: Router 'r': 'yaml#LineCounter' is not a router factory (it needs initialize() and createRouter()) (at routerDefinitions[0].type)",
  ]);
});

test('§3.9: a class export is instantiated once per use, its instance schema validating the config', async () => {
  const { model } = await load(routerConfig('./routers/test-routers.js#ClassFactory'));
  const definition = model.routers.get('r');
  assert.deepEqual(definition?.config, null);
  const before = ClassFactory.instances;
  const first = definition?.implementation.instantiate();
  const second = definition?.implementation.instantiate();
  assert.ok(first instanceof ClassFactory && second instanceof ClassFactory);
  assert.notEqual(first, second);
  assert.equal(ClassFactory.instances, before + 2);
  const withConfig = await load(routerConfig('./routers/test-routers.js#ClassFactory', '      {}'));
  assert.deepEqual(withConfig.model.routers.get('r')?.config, { level: 3 });
});

test('§3.9: an object export is shared by every use', async () => {
  const { model } = await load(routerConfig('./routers/test-routers.js#PassThrough'));
  const implementation = model.routers.get('r')?.implementation;
  assert.equal(implementation?.instantiate(), implementation?.instantiate());
});

function filterConfig(type: string, config?: string): string {
  return `${CLUSTER}
filterDefinitions:
  - name: f
    type: "${type}"${config === undefined ? '' : `\n    config: ${config}`}
virtualClusters:
  - name: demo
    target: { cluster: main }
    filters: [f]
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
`;
}

test('filter types and configs are validated with messages of the form of VR2–VR6', async () => {
  assert.deepEqual(await rejected(filterConfig('ProtocolLoger')), [
    "test.yaml:6:11: error: Filter 'f' has type 'ProtocolLoger', which is not a known filter plugin (known: ProtocolLogger) (did you mean 'ProtocolLogger'?) (at filterDefinitions[0].type)",
  ]);
  assert.deepEqual(await rejected(filterConfig('./filters/sasl.js#Nope')), [
    "test.yaml:6:11: error: Filter 'f': module './filters/sasl.js' has no export named 'Nope' (at filterDefinitions[0].type)",
  ]);
  assert.deepEqual(await rejected(filterConfig('./filters/sasl.js#NotAFilter')), [
    "test.yaml:6:11: error: Filter 'f': './filters/sasl.js#NotAFilter' is not a filter factory (it needs initialize() and createFilter()) (at filterDefinitions[0].type)",
  ]);
  assert.deepEqual(await rejected(filterConfig('./acme/switchyard-filters.js#TopicPrefix', '{ prefix: 1 }')), [
    "test.yaml:7:23: error: Filter 'f' has invalid config at '/prefix': must be string (at filterDefinitions[0].config.prefix)",
  ]);
});

const SASL = `${CLUSTER}
  - { name: other, bootstrapServers: "other:9092" }
filterDefinitions:
  - { name: inspect, type: "./filters/sasl.js#SaslInspector" }
  - { name: terminate, type: "./filters/sasl.js#SaslTerminator" }
  - { name: initiate, type: "./filters/sasl.js#SaslInitiator" }
  - { name: initiate2, type: "./filters/sasl.js#SaslInitiator" }
  - { name: plain, type: "./filters/sasl.js#Plain" }`;

test('R23: SASL inspection or termination on a route is rejected (VA1)', async () => {
  const lines = await rejected(`${SASL}
routerDefinitions:
  - name: r
    type: TopicRouter
    routes: [{ name: a, id: 0, filters: [plain, terminate], target: { cluster: main } }]
virtualClusters:${vc('{ router: r }')}
`);
  assertHas(
    lines,
    "test.yaml:14:49: error: Filter 'terminate' (terminate) may only be used in a virtual cluster's filter chain, not on route 'a' of router 'r' (at routerDefinitions[0].routes[0].filters[1])",
  );
});

test('R23: a VC chain with two inspecting or terminating filters is rejected (VA2), also through defaultFilters', async () => {
  const lines = await rejected(`${SASL}
defaultFilters: [inspect, plain, terminate]
virtualClusters:
  - name: own
    target: { cluster: main }
    filters: [terminate, inspect]
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]${vc('{ cluster: other }', 'inherited', 9292)}
`);
  assertHas(
    lines,
    "test.yaml:11:1: error: Virtual cluster 'inherited' has more than one SASL inspecting or terminating filter: 'inspect', 'terminate' (at defaultFilters)",
  );
  assertHas(
    lines,
    "test.yaml:15:5: error: Virtual cluster 'own' has more than one SASL inspecting or terminating filter: 'terminate', 'inspect' (at virtualClusters[0].filters)",
  );
});

test('R23: SASL initiation on a route whose target is a router is rejected (VA3)', async () => {
  const lines = await rejected(`${SASL}
routerDefinitions:
  - name: outer
    type: TopicRouter
    routes: [{ name: a, id: 0, filters: [initiate], target: { router: inner } }]
  - name: inner
    type: TopicRouter
    routes: [{ name: b, id: 0, filters: [initiate], target: { cluster: main } }]
virtualClusters:${vc('{ router: outer }')}
`);
  assert.deepEqual(
    lines.filter((l) => l.includes(': error: ')),
    [
      "test.yaml:14:42: error: Filter 'initiate' (initiate) may only be used on a route whose target is a cluster; route 'a' of router 'outer' targets a router (at routerDefinitions[0].routes[0].filters[0])",
    ],
  );
});

test('R23: SASL initiation in a virtual cluster chain is rejected (VA3: it belongs on a route to a cluster)', async () => {
  const lines = await rejected(`${SASL}
virtualClusters:
  - name: own
    target: { cluster: main }
    filters: [plain, initiate]
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
`);
  assert.deepEqual(
    lines.filter((l) => l.includes(': error: ')),
    [
      "test.yaml:14:22: error: Filter 'initiate' (initiate) may only be used on a route whose target is a cluster, not in the filter chain of virtual cluster 'own' (at virtualClusters[0].filters[1])",
    ],
  );
});

test('R23: a route with two initiating filters is rejected (VA4)', async () => {
  const lines = await rejected(`${SASL}
routerDefinitions:
  - name: r
    type: TopicRouter
    routes: [{ name: a, id: 0, filters: [initiate, initiate2], target: { cluster: main } }]
virtualClusters:${vc('{ router: r }')}
`);
  assertHas(
    lines,
    "test.yaml:14:32: error: Route 'a' in router 'r' has more than one SASL initiating filter: 'initiate', 'initiate2' (at routerDefinitions[0].routes[0].filters)",
  );
});
