// The lifecycle over the real proxy core with a real filter factory, no Kafka needed (nothing
// connects): L17, L33, L46, L77 where the factory lifecycle matters.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfiguration } from '../../../src/config/index.ts';
import { ProxyNotStartedError, ProxyShutdownError } from '../../../src/proxy/lifecycle/errors.ts';
import { KafkaProxy, proxyInternals } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import { hooks } from './fixtures/hooked-filter.ts';
import { gate, http, isSettled, RecordingLogger, settle } from './fixtures.ts';

async function proxyWithHookedFilter(extra = ''): Promise<KafkaProxy> {
  const yaml = `${extra}
filterDefinitions:
  - name: hooked
    type: ./fixtures/hooked-filter.ts#HookedFilter
clusterDefinitions:
  - name: upstream
    bootstrapServers: 127.0.0.1:9
virtualClusters:
  - name: demo
    filters: [hooked]
    target:
      cluster: upstream
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:0
  - name: other
    filters: [hooked]
    target:
      cluster: upstream
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:0
`;
  const config = await parseConfiguration(yaml, {
    sourceName: 'real-runtime.yaml',
    baseDir: new URL('.', import.meta.url).pathname,
  });
  hooks.calls.length = 0;
  hooks.initialize = async () => {};
  hooks.close = async () => {};
  return new KafkaProxy(config, { logger: new RecordingLogger() });
}

test('L33: an asynchronous factory initialize() is awaited before the proxy reaches STARTED (real core)', async () => {
  const proxy = await proxyWithHookedFilter();
  const initialized = gate();
  hooks.initialize = () => initialized.promise;
  proxy.startup();
  while (!hooks.calls.includes('initialize')) await settle();
  assert.equal(proxyInternals(proxy).state(), 'starting');
  assert.equal(await isSettled(proxy.whenStarted()), false);
  initialized.resolve();
  await proxy.whenStarted();
  await proxy.shutdown();
  assert.deepEqual(hooks.calls, ['initialize', 'initialize', 'close', 'close']);
});

test('L17: shutdown() from inside a factory initialize() is a shutdown during STARTING (real core)', async () => {
  const proxy = await proxyWithHookedFilter();
  hooks.initialize = async () => {
    void proxy.shutdown();
  };
  await proxy.startup();
  await assert.rejects(proxy.whenStarted(), ProxyNotStartedError);
  assert.deepEqual(
    hooks.calls,
    ['initialize', 'initialize', 'close', 'close'],
    'the initialized factories were closed',
  );
});

test('L77: startup() from inside a factory initialize() returns the same promise and initializes once (real core)', async () => {
  const proxy = await proxyWithHookedFilter();
  let inner: Promise<void> | undefined;
  hooks.initialize = async () => {
    inner = proxy.startup();
  };
  const lifetime = proxy.startup();
  await proxy.whenStarted();
  assert.equal(inner, lifetime);
  await proxy.shutdown();
  assert.deepEqual(hooks.calls, ['initialize', 'initialize', 'close', 'close']);
});

test('L46: a factory close() that does not settle within 10 s is abandoned as a shutdown error (real core)', async (t) => {
  const proxy = await proxyWithHookedFilter();
  proxy.startup();
  await proxy.whenStarted();
  t.mock.timers.enable({ apis: ['setTimeout'] });
  hooks.close = () => new Promise(() => {});
  const stopped = proxy.shutdown();
  while (!hooks.calls.includes('close')) await settle();
  t.mock.timers.tick(9_999);
  assert.equal(await isSettled(stopped), false);
  t.mock.timers.tick(1);
  await assert.rejects(stopped, (error: unknown) => {
    assert.ok(error instanceof ProxyShutdownError);
    assert.match(
      error.message,
      /filter factory 'hooked' of virtual cluster 'demo' did not finish close\(\) within 10s/,
    );
    return true;
  });
  assert.equal(proxyInternals(proxy).state(), 'stopped');
});

test('L36/L50: under serveOthers a VC whose factory fails is failed with its reason; the others serve; /readyz is 503', async () => {
  const proxy = await proxyWithHookedFilter(`
management:
  bindAddress: 127.0.0.1
  port: 0
network:
  onVirtualClusterFailure: serveOthers
`);
  hooks.initialize = async (virtualCluster) => {
    if (virtualCluster === 'demo') throw new Error('key service unreachable');
  };
  proxy.startup();
  await proxy.whenStarted();
  const port = proxyInternals(proxy).managementAddress()?.port ?? 0;
  const status = JSON.parse((await http(port, '/status')).body);
  assert.deepEqual(
    status.virtualClusters.map((vc: { name: string; state: string }) => [vc.name, vc.state]),
    [
      ['demo', 'failed'],
      ['other', 'serving'],
    ],
  );
  assert.match(status.virtualClusters[0].failureReason, /key service unreachable/);
  assert.equal((await http(port, '/readyz')).status, 503);
  await proxy.shutdown();
});
