// Routes that reach one cluster (VS1 candidates) and the validate-only warnings about them (R30).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfiguration, sharedClusterTargets, validationWarnings } from '../../../src/config/index.ts';
import { PluginKinds, registerPlugin } from '../../../src/plugins/index.ts';
import { FIXTURES, load } from './helpers.ts';

registerPlugin(PluginKinds.RouterFactory, 'Pass', { initialize: () => null, createRouter: () => ({}) });

const CONFIG = `
clusterDefinitions:
  - { name: main, bootstrapServers: "kafka:9092" }
  - { name: twin, bootstrapServers: "kafka:9092" }
  - { name: archive, bootstrapServers: "archive:9092" }
routerDefinitions:
  - name: direct
    type: Pass
    routes:
      - { name: legacy, id: 0, target: { cluster: main } }
      - { name: current, id: 1, target: { cluster: main } }
      - { name: copy, id: 2, target: { cluster: twin } }
  - name: transitive
    type: Pass
    routes:
      - { name: a, id: 0, target: { cluster: archive } }
      - { name: b, id: 1, target: { router: inner } }
  - name: inner
    type: Pass
    routes:
      - { name: x, id: 0, target: { cluster: archive } }
virtualClusters:
  - name: one
    target: { router: direct }
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
  - name: two
    target: { router: transitive }
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9292" } }]
`;

test('two routes of one router reaching one cluster directly are found; equal bootstrap servers do not make clusters equal', async () => {
  const { model } = await load(CONFIG);
  assert.deepEqual(sharedClusterTargets(model, 'direct'), [
    { router: 'direct', routeA: 'legacy', routeB: 'current', cluster: 'main' },
  ]);
});

test('two routes reaching one cluster through a nested router are found, naming the nested router', async () => {
  const { model } = await load(CONFIG);
  assert.deepEqual(sharedClusterTargets(model, 'transitive'), [
    { router: 'transitive', routeA: 'a', routeB: 'b', cluster: 'archive', via: { route: 'b', router: 'inner' } },
  ]);
  assert.deepEqual(sharedClusterTargets(model, 'inner'), []);
});

test('R30: validation reports would-be VS1 overlaps as warnings without running plugin code', async () => {
  const config = await parseConfiguration(CONFIG, { sourceName: 'test.yaml', baseDir: FIXTURES });
  assert.deepEqual(config.warnings, [], 'loading for startup does not warn: the factory may allow sharing');
  assert.deepEqual(validationWarnings(config).map(String), [
    "test.yaml:10:9: warning: Routes 'legacy' and 'current' of router 'direct' both reach cluster 'main'; startup will fail unless the router factory calls allowSharedClusterTargets() (at routerDefinitions[0].routes[0])",
    "test.yaml:16:9: warning: Routes 'a' and 'b' of router 'transitive' both reach cluster 'archive'; startup will fail unless the router factory calls allowSharedClusterTargets() (at routerDefinitions[1].routes[0])",
  ]);
});
