// PrincipalRouter's configuration is checked when its virtual cluster starts, each problem located
// at its line in the file; nothing connects to a broker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfiguration } from '../../../src/config/index.ts';
import '../../../src/routers/index.ts';
import { KafkaProxy } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import { PrincipalRouter } from '../../../src/routers/principal-router.ts';
import type { RouterFactoryContext } from '../../../src/routing/index.ts';
import { RecordingLogger } from '../lifecycle/fixtures.ts';

/** Starts a proxy whose one virtual cluster targets a PrincipalRouter with `config`; returns its failure. */
async function failureOf(config: string): Promise<string> {
  const yaml = `
clusterDefinitions:
  - name: a
    bootstrapServers: 127.0.0.1:9
  - name: b
    bootstrapServers: 127.0.0.1:9
routerDefinitions:
  - name: by-user
    type: PrincipalRouter
    config:
${config}
    routes:
      - { name: a, id: 0, target: { cluster: a } }
      - { name: b, id: 1, target: { cluster: b } }
virtualClusters:
  - name: vc
    target: { router: by-user }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:0
`;
  const proxy = new KafkaProxy(await parseConfiguration(yaml, { sourceName: 'routing.yaml' }), {
    logger: new RecordingLogger(),
  });
  proxy.startup().catch(() => {});
  const outcome = await proxy.whenStarted().then(
    () => 'started',
    (error: Error) => error.message,
  );
  await proxy.shutdown().catch(() => {});
  return outcome;
}

test('a rule naming an unknown route is reported at that route, with the routes there are', async () => {
  assert.match(
    await failureOf('      rules: [{ user: alice, route: a }, { group: ops, route: c }]'),
    /routing\.yaml:\d+:\d+: Router 'by-user' in virtual cluster 'vc' rejected its configuration at '\/rules\/1\/route': unknown route 'c'; routes are: a, b/,
  );
});

test('a rule with two kinds of match, or none, is reported at the rule', async () => {
  assert.match(
    await failureOf('      rules: [{ user: alice, userPrefix: al, route: a }]'),
    /at '\/rules\/0': a rule needs exactly one of user, userPrefix, userRegex, group/,
  );
  assert.match(await failureOf('      rules: [{ route: a }]'), /at '\/rules\/0': a rule needs exactly one of/);
});

test('an invalid regular expression is reported at the rule', async () => {
  assert.match(
    await failureOf('      rules: [{ userRegex: "(", route: a }]'),
    /at '\/rules\/0\/userRegex': invalid regular expression/,
  );
});

test('an unknown default route is reported at defaultRoute; a valid configuration starts', async () => {
  assert.match(await failureOf('      rules: []\n      defaultRoute: z'), /at '\/defaultRoute': unknown route 'z'/);
  assert.equal(await failureOf('      rules: [{ userRegex: "^svc-", route: b }]\n      defaultRoute: a'), 'started');
});

const silent = new RecordingLogger();
const subject = (...principals: [string, string][]) => ({
  principals: principals.map(([type, name]) => ({ type, name })),
  isAnonymous: principals.length === 0,
});

test('rules match users exactly, by prefix, by regular expression, or a Group principal; the first match wins', async () => {
  const choice = await PrincipalRouter.initialize(
    {
      virtualClusterName: 'vc',
      routerName: 'by-user',
      routerPath: 'by-user',
      routeNames: new Set(['a', 'b', 'c']),
      logger: silent,
    } as unknown as RouterFactoryContext,
    {
      rules: [
        { user: 'alice', route: 'a' },
        { group: 'analytics', route: 'b' },
        { userPrefix: 'svc-', route: 'c' },
        { userRegex: '^team-(x|y)$', route: 'b' },
      ],
      defaultRoute: 'a',
    },
  );
  assert.equal(choice.routeFor(subject(['User', 'alice'], ['Group', 'analytics'])), 'a', 'first match wins');
  assert.equal(choice.routeFor(subject(['User', 'carol'], ['Group', 'analytics'])), 'b');
  assert.equal(choice.routeFor(subject(['User', 'svc-orders'])), 'c');
  assert.equal(choice.routeFor(subject(['User', 'team-y'])), 'b');
  assert.equal(choice.routeFor(subject(['User', 'team-z'])), 'a', 'the default route');
  assert.equal(choice.routeFor(subject()), 'a', 'anonymous clients take the default route too');
  assert.equal(choice.routeFor(subject(['Group', 'alice'])), 'a', 'a group named like a user is not that user');
});

test('without a default route, a subject no rule matches has no route', async () => {
  const choice = await PrincipalRouter.initialize(
    { routeNames: new Set(['a']), logger: silent } as unknown as RouterFactoryContext,
    { rules: [{ user: 'alice', route: 'a' }] },
  );
  assert.equal(choice.routeFor(subject(['User', 'bob'])), undefined);
  assert.equal(choice.routeFor(subject()), undefined);
});
