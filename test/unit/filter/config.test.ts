// First-party filter configuration: schema violations are reported by the loader with file, line
// and pointer; semantic problems found by initialize() fail the virtual cluster with a one-line,
// located reason; a definition used twice in a chain is initialized once; factories close in
// reverse order, also after a failed initialization.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigurationError, parseConfiguration } from '../../../src/config/index.ts';
import { configurationModel } from '../../../src/config/model.ts';
import type { FilterFactory } from '../../../src/filter/api.ts';
import { FilterFactories } from '../../../src/filter/factories.ts';
import '../../../src/filters/index.ts';
import { StructuredLogger } from '../../../src/observability/logger.ts';
import { MetricsRegistry } from '../../../src/observability/registry.ts';
import { PluginKinds, registerPlugin } from '../../../src/plugins/index.ts';

const yaml = (config: string) => `
clusterDefinitions:
  - name: main
    bootstrapServers: 127.0.0.1:9092
filterDefinitions:
  - name: policy
    type: TopicPolicy
    config:
${config}
virtualClusters:
  - name: vc
    target: { cluster: main }
    filters: [policy]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:9192
`;

const logger = new StructuredLogger({ sink: { write: () => true } });

test('a TopicPolicy config that breaks its schema is reported at the offending value', async () => {
  await assert.rejects(parseConfiguration(yaml('      denyCreate: [7]'), { sourceName: 'proxy.yaml' }), (error) => {
    assert.ok(error instanceof ConfigurationError);
    assert.match(
      error.message,
      /proxy\.yaml:9:20: error: Filter 'policy' has invalid config at '\/denyCreate\/0': must be string/,
    );
    return true;
  });
});

test('an invalid pattern fails the virtual cluster with a located one-line reason', async () => {
  const config = await parseConfiguration(yaml("      denyProduce: ['ok', '(unclosed']"), { sourceName: 'proxy.yaml' });
  await assert.rejects(
    FilterFactories.initialize({
      virtualCluster: 'vc',
      chain: ['policy'],
      config: configurationModel(config),
      registry: new MetricsRegistry(),
      logger,
    }),
    (error: Error) => {
      assert.match(
        error.message,
        /^proxy\.yaml:9:\d+: Filter 'policy' in virtual cluster 'vc' rejected its configuration at '\/denyProduce\/1': invalid pattern: .*$/,
      );
      assert.ok(!error.message.includes('\n'));
      return true;
    },
  );
});

test('a filter used twice in one chain is initialized once and shares its initialization data', async () => {
  const config = await parseConfiguration(
    `
clusterDefinitions:
  - name: main
    bootstrapServers: 127.0.0.1:9092
filterDefinitions:
  - name: log
    type: ProtocolLogger
  - name: policy
    type: TopicPolicy
    config: {}
virtualClusters:
  - name: vc
    target: { cluster: main }
    filters: [log, policy, log]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:9192
`,
    { sourceName: 'proxy.yaml' },
  );
  const factories = await FilterFactories.initialize({
    virtualCluster: 'vc',
    chain: ['log', 'policy', 'log'],
    config: configurationModel(config),
    registry: new MetricsRegistry(),
    logger,
  });
  assert.deepEqual(
    factories.members.map((m) => m.name),
    ['log', 'policy', 'log'],
  );
  assert.equal(factories.members[0]!.initData, factories.members[2]!.initData);
  await factories.close();
});

test('factories close in reverse order, and a failed initialize() closes those already initialized', async () => {
  const events: string[] = [];
  const tracked = (name: string, fail = false): FilterFactory<null, string> => ({
    initialize: async () => {
      if (fail) throw new Error(`${name} cannot start`);
      events.push(`init ${name}`);
      return name;
    },
    createFilter: () => ({}),
    close: (initData) => {
      events.push(`close ${initData}`);
    },
  });
  registerPlugin(PluginKinds.FilterFactory, 'TrackedA', tracked('a') as FilterFactory);
  registerPlugin(PluginKinds.FilterFactory, 'TrackedB', tracked('b') as FilterFactory);
  registerPlugin(PluginKinds.FilterFactory, 'Failing', tracked('c', true) as FilterFactory);
  const chainConfig = async (types: string[]) =>
    configurationModel(
      await parseConfiguration(
        `
clusterDefinitions:
  - name: main
    bootstrapServers: 127.0.0.1:9092
filterDefinitions:
${types.map((type, i) => `  - name: f${i}\n    type: ${type}`).join('\n')}
virtualClusters:
  - name: vc
    target: { cluster: main }
    filters: [${types.map((_, i) => `f${i}`).join(', ')}]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:9192
`,
        { sourceName: 'proxy.yaml' },
      ),
    );
  const options = { virtualCluster: 'vc', registry: new MetricsRegistry(), logger };
  const factories = await FilterFactories.initialize({
    ...options,
    chain: ['f0', 'f1'],
    config: await chainConfig(['TrackedA', 'TrackedB']),
  });
  await factories.close();
  assert.deepEqual(events, ['init a', 'init b', 'close b', 'close a']);

  events.length = 0;
  await assert.rejects(
    FilterFactories.initialize({
      ...options,
      chain: ['f0', 'f1', 'f2'],
      config: await chainConfig(['TrackedA', 'TrackedB', 'Failing']),
    }),
    /^Error: proxy\.yaml:\d+:\d+: Filter 'f2' in virtual cluster 'vc' failed to initialize: c cannot start$/,
  );
  assert.deepEqual(events, ['init a', 'init b', 'close b', 'close a']);
});
