// First-party filter configuration: schema violations are reported by the loader with file, line
// and pointer; semantic problems found by initialize() fail the virtual cluster with a one-line,
// located reason; and a definition used twice in a chain is initialized once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigurationError, parseConfiguration } from '../../../src/config/index.ts';
import { configurationModel } from '../../../src/config/model.ts';
import { FilterFactories } from '../../../src/filter/factories.ts';
import '../../../src/filters/index.ts';
import { StructuredLogger } from '../../../src/observability/logger.ts';
import { MetricsRegistry } from '../../../src/observability/registry.ts';

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
