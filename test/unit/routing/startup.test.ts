// Router factories at virtual-cluster startup and stop (routing.md §6.1, VS1–VS3), over the real
// proxy core; nothing connects to a broker.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { parseConfiguration } from '../../../src/config/index.ts';
import { KafkaProxy } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import { RecordingLogger } from '../lifecycle/fixtures.ts';
import { recorded } from './fixtures/recording-routers.ts';

beforeEach(() => {
  recorded.calls.length = 0;
  recorded.allowShared.clear();
  recorded.outsideInitialize.length = 0;
});

const ROUTER = './fixtures/recording-routers.ts#Recording';

async function start(routers: string, targets: { vc: string; router: string }[]) {
  const yaml = `
clusterDefinitions:
  - name: a
    bootstrapServers: 127.0.0.1:9
  - name: b
    bootstrapServers: 127.0.0.1:9
routerDefinitions:${routers}
virtualClusters:${targets
    .map(
      ({ vc, router }) => `
  - name: ${vc}
    target: { router: ${router} }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:0`,
    )
    .join('')}
`;
  const config = await parseConfiguration(yaml, {
    sourceName: 'routing.yaml',
    baseDir: new URL('.', import.meta.url).pathname,
  });
  const logger = new RecordingLogger();
  const proxy = new KafkaProxy(config, { logger });
  const lifetime = proxy.startup();
  lifetime.catch(() => {});
  const outcome = await proxy.whenStarted().then(
    () => 'started',
    (error: Error) => error,
  );
  return { proxy, logger, outcome };
}

const nested = `
  - name: top
    type: ${ROUTER}
    routes:
      - { name: a, id: 0, target: { cluster: a } }
      - { name: n, id: 1, target: { router: inner } }
  - name: inner
    type: ${ROUTER}
    routes:
      - { name: b, id: 0, target: { cluster: b } }`;

test('R31, R36, R37, R41: levels initialize once per VC in pre-order, awaited, and close in reverse order after the VC stops', async () => {
  const { proxy } = await start(nested, [
    { vc: 'one', router: 'top' },
    { vc: 'two', router: 'top' },
  ]);
  await proxy.shutdown();
  assert.deepEqual(
    recorded.calls.filter((c) => c.startsWith('initialize one')),
    ['initialize one top', 'initialize one top/n/inner'],
  );
  assert.deepEqual(
    recorded.calls.filter((c) => c.startsWith('initialize two')),
    ['initialize two top', 'initialize two top/n/inner'],
  );
  for (const vc of ['one', 'two']) {
    assert.deepEqual(
      recorded.calls.filter((c) => c.startsWith(`close ${vc}`)),
      [`close ${vc} top/n/inner`, `close ${vc} top`],
    );
  }
});

const shared = `
  - name: twice
    type: ${ROUTER}
    routes:
      - { name: x, id: 0, target: { cluster: a } }
      - { name: y, id: 1, target: { cluster: a } }`;

test('R24, R28: two routes to one cluster fail the VC with VS1, after every level initialized', async () => {
  const { outcome, proxy } = await start(shared, [{ vc: 'dup', router: 'twice' }]);
  await proxy.shutdown().catch(() => {});
  assert.ok(outcome instanceof Error);
  assert.match(
    outcome.message,
    /Router 'twice' in virtual cluster 'dup' has routes 'x' and 'y' that both reach cluster 'a'; the router factory must call allowSharedClusterTargets\(\) in initialize\(\) to allow this/,
  );
  assert.deepEqual(
    recorded.calls,
    ['initialize dup twice', 'close dup twice'],
    'initialized first, then closed after the check failed',
  );
});

test('R25: routes reaching one cluster through a nested router fail with VS1 naming the nested router', async () => {
  const { outcome, proxy } = await start(
    `
  - name: top
    type: ${ROUTER}
    routes:
      - { name: a, id: 0, target: { cluster: a } }
      - { name: n, id: 1, target: { router: inner } }
  - name: inner
    type: ${ROUTER}
    routes:
      - { name: again, id: 0, target: { cluster: a } }`,
    [{ vc: 'deep', router: 'top' }],
  );
  await proxy.shutdown().catch(() => {});
  assert.match(
    String((outcome as Error).message),
    /routes 'a' and 'n' that both reach cluster 'a' \(route 'n' via router 'inner'\)/,
  );
});

test('R26, R27: allowSharedClusterTargets() in initialize() lets the VC start; called later it throws', async () => {
  recorded.allowShared.add('twice');
  const { proxy } = await start(shared, [{ vc: 'dup', router: 'twice' }]);
  await new Promise((resolve) => setImmediate(resolve));
  await proxy.shutdown();
  assert.ok(recorded.outsideInitialize.length >= 1);
  for (const error of recorded.outsideInitialize) {
    assert.match(String(error), /may only be called from RouterFactory.initialize\(\)/);
  }
});

test('R29: a PluginConfigurationError from initialize() fails the VC with VS2 located at the config value', async () => {
  const { outcome, proxy } = await start(
    `
  - name: picky
    type: ${ROUTER}
    config: { fail: config }
    routes:
      - { name: x, id: 0, target: { cluster: a } }`,
    [{ vc: 'vc', router: 'picky' }],
  );
  await proxy.shutdown().catch(() => {});
  assert.match(
    String((outcome as Error).message),
    /routing\.yaml:\d+:\d+: Router 'picky' in virtual cluster 'vc' rejected its configuration at '\/fail': needs a better value/,
  );
});

test('VS3: any other initialize() failure fails the VC naming the router', async () => {
  const { outcome, proxy } = await start(
    `
  - name: unlucky
    type: ${ROUTER}
    config: { fail: other }
    routes:
      - { name: x, id: 0, target: { cluster: a } }`,
    [{ vc: 'vc', router: 'unlucky' }],
  );
  await proxy.shutdown().catch(() => {});
  assert.match(
    String((outcome as Error).message),
    /Router 'unlucky' in virtual cluster 'vc' failed to initialize: out of luck/,
  );
});
