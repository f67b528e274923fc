// The TopicRouter's configuration is checked with file and line: by its schema when the file
// loads, and by initialize() (routes, one kind per rule, regular expressions) when the virtual
// cluster starts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ConfigurationError, parseConfiguration } from '../../../src/config/index.ts';
import { KafkaProxy } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import '../../../src/routers/index.ts';
import { RecordingLogger } from '../lifecycle/fixtures.ts';

const yaml = (config: string): string => `
clusterDefinitions:
  - { name: a, bootstrapServers: "127.0.0.1:9" }
  - { name: b, bootstrapServers: "127.0.0.1:9" }
routerDefinitions:
  - name: union
    type: TopicRouter
    config:
${config}
    routes:
      - { name: main, id: 0, target: { cluster: a } }
      - { name: payments, id: 1, target: { cluster: b } }
virtualClusters:
  - name: vc
    target: { router: union }
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: "127.0.0.1:0" }
`;

/** The error that fails the virtual cluster at startup. */
async function startupError(config: string): Promise<string> {
  const parsed = await parseConfiguration(yaml(config), { sourceName: 'union.yaml' });
  const proxy = new KafkaProxy(parsed, { logger: new RecordingLogger() });
  proxy.startup().catch(() => {});
  const outcome = await proxy.whenStarted().then(
    () => 'started',
    (error: Error) => error.message,
  );
  await proxy.shutdown().catch(() => {});
  return outcome;
}

test('a discovery mode other than rules or rulesThenExisting is refused at its line', async () => {
  await assert.rejects(
    parseConfiguration(yaml('      defaultRoute: main\n      discovery: sometimes'), { sourceName: 'union.yaml' }),
    (error: ConfigurationError) => {
      assert.match(error.message, /union\.yaml:10:18: error: Router 'union' has invalid config at '\/discovery'/);
      return true;
    },
  );
});

test('a rule naming an unknown route is refused at that rule, listing the routes', async () => {
  const message = await startupError('      defaultRoute: main\n      topics: [{ prefix: "p.", route: pay }]');
  assert.match(message, /union\.yaml:\d+:\d+: .*'\/topics\/0\/route': unknown route 'pay'; routes are: main, payments/);
});

test('a rule with two kinds of match, or an invalid regular expression, is refused at that rule', async () => {
  const twoKinds = await startupError(
    '      defaultRoute: main\n      groups: [{ prefix: "b-", exact: "b-1", route: payments }]',
  );
  assert.match(twoKinds, /'\/groups\/0': a rule needs exactly one of exact, prefix or regex/);
  const badRegex = await startupError(
    '      defaultRoute: main\n      transactionalIds: [{ regex: "(", route: main }]',
  );
  assert.match(badRegex, /'\/transactionalIds\/0\/regex': invalid regular expression/);
});

test('the default route must be one of the routes', async () => {
  assert.match(await startupError('      defaultRoute: elsewhere'), /'\/defaultRoute': unknown route 'elsewhere'/);
});

test('clusterAdmin naming an unknown route is refused at that family; an unknown family at its line', async () => {
  const message = await startupError('      defaultRoute: main\n      clusterAdmin: { acls: payments, quotas: pay }');
  assert.match(
    message,
    /union\.yaml:\d+:\d+: .*'\/clusterAdmin\/quotas': unknown route 'pay'; routes are: main, payments/,
  );
  await assert.rejects(
    parseConfiguration(yaml('      defaultRoute: main\n      clusterAdmin: { tokens: main }'), {
      sourceName: 'union.yaml',
    }),
    (error: ConfigurationError) => {
      assert.match(
        error.message,
        /union\.yaml:10:\d+: error: Router 'union' has invalid config at '\/clusterAdmin\/tokens'/,
      );
      return true;
    },
  );
});
