// The configurations the benchmark runs Switchyard with are valid configurations, and the routed
// workload's TopicRouter sends each cluster's topics and groups to that cluster.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  oneVirtualClusterConfig,
  proxyPortCount,
  routedConfig,
  unionConfig,
  vcPerClusterConfig,
} from '../../../bench/configs.ts';
import { clusterIndexes, clusterNames, clusterPrefix } from '../../../bench/two-clusters.ts';
import { configurationModel, parseConfiguration } from '../../../src/config/index.ts';
import { compileOwners } from '../../../src/routers/topic-router/config.ts';
import type { TopicRouterConfig } from '../../../src/routers/topic-router/index.ts';
import type { RouterFactoryContext } from '../../../src/routing/index.ts';

const upstreams = ['127.0.0.1:9001', '127.0.0.1:9002'] as const;

describe('benchmark configurations', () => {
  for (const [name, yaml] of [
    ['one virtual cluster', oneVirtualClusterConfig(upstreams[0], 10_000)],
    ['static router', routedConfig('static', upstreams[0], 10_000)],
    ['dynamic router', routedConfig('dynamic', upstreams[0], 10_000)],
    ['a virtual cluster per cluster', vcPerClusterConfig(upstreams, 10_000)],
    ['union', unionConfig(upstreams, 10_000)],
  ] as const) {
    it(`${name}: the configuration loads without errors or warnings`, async () => {
      const parsed = await parseConfiguration(yaml, { sourceName: `${name}.yaml` });
      assert.deepEqual(parsed.warnings, []);
    });
  }

  it('a virtual cluster per cluster: cluster i is reached at bootstrap + i * proxyPortCount', async () => {
    const parsed = configurationModel(await parseConfiguration(vcPerClusterConfig(upstreams, 10_000)));
    for (const index of clusterIndexes) {
      const vc = parsed.virtualClusters[index];
      assert.deepEqual(vc?.target, { kind: 'cluster', cluster: clusterNames[index] });
      const gateway = vc?.gateways[0];
      assert.equal(gateway?.kind, 'portIdentifiesNode');
      assert.equal(gateway?.bootstrapAddress.port, 10_000 + index * proxyPortCount);
      assert.deepEqual(parsed.clusters.get(clusterNames[index])?.bootstrapServers, [
        { host: '127.0.0.1', port: Number(upstreams[index].split(':')[1]) },
      ]);
    }
  });

  it("union: each cluster's topics and groups are owned by that cluster's route; others by the first", async () => {
    const parsed = configurationModel(await parseConfiguration(unionConfig(upstreams, 10_000)));
    const router = parsed.routers.get('union');
    assert.deepEqual(
      router?.routes.map((route) => [route.name, route.target]),
      clusterNames.map((name) => [name, { kind: 'cluster', cluster: name }]),
    );
    const context = { routeNames: new Set(clusterNames) } as unknown as RouterFactoryContext;
    const owners = compileOwners(context, router?.config as TopicRouterConfig);
    for (const index of clusterIndexes) {
      assert.equal(owners.topic(`${clusterPrefix(index)}routed-produce-0-union-1`), clusterNames[index]);
      assert.equal(owners.group(`${clusterPrefix(index)}routed-0-union-1`), clusterNames[index]);
    }
    assert.equal(owners.topic('bench-warmup-union'), clusterNames[0]);
  });
});
