// The route graph the admin page draws is the configuration unfolded as the data path runs it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PluginKinds, registerPlugin } from '../../../src/plugins/index.ts';
import { describeRouteGraph } from '../../../src/routing/graph-view.ts';
import { load } from '../config/helpers.ts';

registerPlugin(PluginKinds.RouterFactory, 'ViewPass', { initialize: () => null, createRouter: () => ({}) });
registerPlugin(PluginKinds.FilterFactory, 'ViewFilter', { initialize: () => null, createFilter: () => ({}) });

test('a routed VC is described with its filter chain, nested routers at their paths, route filters and clusters', async () => {
  const { model } = await load(`
clusterDefinitions:
  - { name: a, bootstrapServers: "kafka-a:9092, kafka-a2:9092" }
  - { name: b, bootstrapServers: "[::1]:9093" }
filterDefinitions:
  - { name: audit, type: ViewFilter }
  - { name: names, type: ViewFilter }
routerDefinitions:
  - name: outer
    type: ViewPass
    routes:
      - { name: direct, id: 1, target: { cluster: a } }
      - { name: deeper, id: 0, filters: [names], target: { router: inner } }
  - name: inner
    type: ViewPass
    routes:
      - { name: only, id: 0, target: { cluster: b } }
virtualClusters:
  - name: routed
    target: { router: outer }
    filters: [audit]
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
`);
  assert.deepEqual(describeRouteGraph(model.virtualClusters[0]!, model), {
    filters: ['audit'],
    target: {
      kind: 'router',
      router: 'outer',
      type: 'ViewPass',
      path: 'outer',
      routes: [
        {
          name: 'deeper',
          id: 0,
          filters: ['names'],
          target: {
            kind: 'router',
            router: 'inner',
            type: 'ViewPass',
            path: 'outer/deeper/inner',
            routes: [
              {
                name: 'only',
                id: 0,
                filters: [],
                target: { kind: 'cluster', cluster: 'b', bootstrapServers: ['[::1]:9093'] },
              },
            ],
          },
        },
        {
          name: 'direct',
          id: 1,
          filters: [],
          target: { kind: 'cluster', cluster: 'a', bootstrapServers: ['kafka-a:9092', 'kafka-a2:9092'] },
        },
      ],
    },
  });
});

test('a VC that targets a cluster is described as that cluster alone', async () => {
  const { model } = await load(`
clusterDefinitions:
  - { name: a, bootstrapServers: "kafka-a:9092, kafka-a2:9092" }
virtualClusters:
  - name: plain
    target: { cluster: a }
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
`);
  assert.deepEqual(describeRouteGraph(model.virtualClusters[0]!, model), {
    filters: [],
    target: { kind: 'cluster', cluster: 'a', bootstrapServers: ['kafka-a:9092', 'kafka-a2:9092'] },
  });
});
