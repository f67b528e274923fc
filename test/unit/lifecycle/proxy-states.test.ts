// L1–L31: proxy states and the lifetime promise, driven through a fake proxy core.

import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { mock, test } from 'node:test';
import {
  ProxyNotRestartableError,
  ProxyNotStartedError,
  ProxyShutdownError,
  ProxyStartupError,
} from '../../../src/proxy/lifecycle/errors.ts';
import { KafkaProxy } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import { GatewayBindError } from '../../../src/proxy/lifecycle/virtual-cluster-runtime.ts';
import { gate, harness, isSettled, makeConfig, sample, settle } from './fixtures.ts';

test('L1: a new proxy is NEW and has acquired nothing', async () => {
  const { proxy, runtime } = harness();
  const text = await proxy.metricsText();
  assert.equal(sample(text, 'switchyard_proxy_state{state="new"}'), 1);
  for (const state of ['starting', 'started', 'stopping', 'stopped']) {
    assert.equal(sample(text, `switchyard_proxy_state{state="${state}"}`), 0);
  }
  assert.equal(runtime.created(), 0, 'the proxy core was not even created');
  assert.deepEqual(runtime.log, []);
});

test('L2: the first startup() moves to STARTING before returning, then to STARTED once serving', async () => {
  const h = harness();
  const lifetime = h.proxy.startup();
  assert.equal(h.state(), 'starting');
  assert.equal(h.runtime.created(), 0, 'the startup sequence begins after startup() returned');
  assert.equal(sample(await h.proxy.metricsText(), 'switchyard_proxy_state{state="starting"}'), 1);
  await h.proxy.whenStarted();
  assert.equal(h.state(), 'started');
  assert.equal(sample(await h.proxy.metricsText(), 'switchyard_proxy_state{state="started"}'), 1);
  await h.proxy.shutdown();
  await lifetime;
});

test('L3: startup() returns the identical promise in STARTING and STARTED, also for concurrent calls', async () => {
  const { proxy } = harness();
  const first = proxy.startup();
  // Wrapped, because an async function returning the lifetime promise would wait for it.
  const concurrent = await Promise.all([1, 2, 3].map(async () => ({ lifetime: proxy.startup() })));
  for (const { lifetime } of concurrent) assert.equal(lifetime, first);
  assert.equal(proxy.startup(), first);
  await proxy.whenStarted();
  assert.equal(proxy.startup(), first);
  await proxy.shutdown();
});

test('L4: concurrent startup() calls run one startup: the core is created and each VC initialized once', async () => {
  const h = harness({ virtualClusters: ['a', 'b'] });
  await Promise.all([h.proxy.startup(), h.proxy.startup(), h.proxy.whenStarted().then(() => h.proxy.shutdown())]);
  assert.equal(h.runtime.created(), 1);
  assert.equal(h.runtime.log.filter((c) => c === 'a.initialize').length, 1);
  assert.equal(h.runtime.log.filter((c) => c === 'b.initialize').length, 1);
});

test('L5: the lifetime promise is still pending in STARTED', async () => {
  const { proxy } = harness();
  const lifetime = proxy.startup();
  await proxy.whenStarted();
  assert.equal(await isSettled(lifetime), false);
  await proxy.shutdown();
});

test('L6: a clean shutdown() passes through STOPPING to STOPPED and fulfils the lifetime promise', async () => {
  const h = harness();
  const lifetime = h.proxy.startup();
  await h.proxy.whenStarted();
  const shutdown = h.proxy.shutdown();
  assert.equal(h.state(), 'stopping');
  assert.equal(await shutdown, undefined);
  assert.equal(await lifetime, undefined);
  assert.deepEqual(h.states, ['new', 'starting', 'started', 'stopping', 'stopped']);
});

test('L7: a startup failure releases listeners, connections, factories and the management endpoint before rejecting', async () => {
  const bindError = new GatewayBindError('b', 'ports', '127.0.0.1:9192', new Error('address already in use'));
  const h = harness({ virtualClusters: ['a', 'b'], management: true }, (vc) => {
    if (vc.name === 'b') vc.bindStep = async () => Promise.reject(bindError);
  });
  const lifetime = h.proxy.startup();
  await assert.rejects(lifetime, (error: unknown) => {
    assert.ok(error instanceof ProxyStartupError);
    assert.equal(error.code, 'ERR_PROXY_STARTUP');
    assert.equal(error.step, "bind virtual cluster 'b' gateway 'ports'");
    assert.equal(error.cause, bindError);
    assert.equal(
      error.message,
      "Switchyard failed to start: bind virtual cluster 'b' gateway 'ports': cannot bind gateway 'ports' of virtual cluster 'b' to 127.0.0.1:9192: address already in use",
    );
    return true;
  });
  const log = h.runtime.log;
  // a was bound: its listeners are closed and its connections closed at once (no drain).
  assert.ok(log.includes('a.stopAccepting'));
  assert.ok(log.includes('a.drain(immediate)'));
  // Both VCs had initialized factories: both are closed (b right after its bind failed).
  assert.ok(log.includes('a.closePlugins'));
  assert.ok(log.includes('b.closePlugins'));
  assert.ok(log.includes('runtime.release'));
  assert.ok(log.indexOf('a.stopAccepting') < log.indexOf('a.drain(immediate)'));
  assert.ok(log.indexOf('a.drain(immediate)') < log.indexOf('a.closePlugins'));
  assert.equal(h.runtime.vc('a').bound, false);
  // The management endpoint is closed too: no listener remains.
  assert.equal(h.state(), 'stopped');
});

test('L8: while a failed startup releases, the state stays STARTING; STOPPING is never reported', async () => {
  const release = gate();
  const h = harness({ virtualClusters: ['a', 'b'] }, (vc) => {
    if (vc.name === 'a') vc.initializeStep = async () => Promise.reject(new Error('boom'));
    if (vc.name === 'b') vc.closePluginsStep = () => release.promise;
  });
  const lifetime = h.proxy.startup();
  await settle();
  assert.ok(h.runtime.log.includes('b.closePlugins'), 'releasing');
  assert.equal(h.state(), 'starting');
  assert.equal(sample(await h.proxy.metricsText(), 'switchyard_proxy_state{state="starting"}'), 1);
  // A shutdown request during the release changes nothing.
  const shutdown = h.proxy.shutdown();
  assert.equal(shutdown, lifetime);
  assert.equal(h.state(), 'starting');
  release.resolve();
  await assert.rejects(lifetime, ProxyStartupError);
  assert.deepEqual(h.states, ['new', 'starting', 'stopped']);
});

test('L9: errors met while releasing after a startup failure go to additionalErrors, not the cause', async () => {
  const initError = new Error("router 'union' failed to initialize: connect ECONNREFUSED");
  const closeError = new Error('factory close failed');
  const releaseError = new Error('release failed');
  const h = harness({ virtualClusters: ['a', 'b'] }, (vc) => {
    if (vc.name === 'a') vc.initializeStep = async () => Promise.reject(initError);
    if (vc.name === 'b') vc.closePluginsStep = async () => Promise.reject(new AggregateError([closeError]));
  });
  h.runtime.releaseStep = async () => Promise.reject(releaseError);
  await assert.rejects(h.proxy.startup(), (error: unknown) => {
    assert.ok(error instanceof ProxyStartupError);
    assert.equal(error.step, "initialize virtual cluster 'a'");
    assert.equal(error.cause, initError);
    assert.deepEqual(error.additionalErrors, [closeError, releaseError]);
    return true;
  });
});

test('L10: a failure during shutdown still runs the remaining steps, reaches STOPPED and rejects with ProxyShutdownError', async () => {
  const listenerError = new Error('listener close failed');
  const pluginError1 = new Error('router factory close failed');
  const pluginError2 = new Error('filter factory close failed');
  const h = harness({ virtualClusters: ['a', 'b'] }, (vc) => {
    if (vc.name === 'a') vc.stopAcceptingStep = async () => Promise.reject(listenerError);
    if (vc.name === 'b')
      vc.closePluginsStep = async () => Promise.reject(new AggregateError([pluginError1, pluginError2]));
  });
  const lifetime = h.proxy.startup();
  await h.proxy.whenStarted();
  await assert.rejects(h.proxy.shutdown(), (error: unknown) => {
    assert.ok(error instanceof ProxyShutdownError);
    assert.equal(error.code, 'ERR_PROXY_SHUTDOWN');
    assert.equal(error.step, "close the listeners of virtual cluster 'a'");
    assert.equal(error.cause, listenerError);
    assert.deepEqual(error.additionalErrors, [pluginError1, pluginError2]);
    assert.equal(
      error.message,
      "Switchyard shutdown failed: close the listeners of virtual cluster 'a': listener close failed (and 2 more errors)",
    );
    return true;
  });
  await assert.rejects(lifetime, ProxyShutdownError);
  for (const step of ['a.drain', 'b.drain', 'a.closePlugins', 'b.closePlugins', 'runtime.release']) {
    assert.ok(h.runtime.log.includes(step), `${step} ran`);
  }
  assert.equal(h.state(), 'stopped');
});

test('L11: startup() in STOPPING throws ProxyNotRestartableError with a "not restartable" message', async () => {
  const drain = gate<{ abandonedRequests: number }>();
  const h = harness({}, (vc) => {
    vc.drainStep = () => drain.promise;
  });
  h.proxy.startup();
  await h.proxy.whenStarted();
  const stopped = h.proxy.shutdown();
  assert.throws(
    () => h.proxy.startup(),
    (error: unknown) => {
      assert.ok(error instanceof ProxyNotRestartableError);
      assert.equal(error.code, 'ERR_PROXY_NOT_RESTARTABLE');
      assert.equal(
        error.message,
        'KafkaProxy is not restartable: startup() was called in state STOPPING; create a new KafkaProxy to start again',
      );
      return true;
    },
  );
  drain.resolve({ abandonedRequests: 0 });
  await stopped;
});

test('L12: startup() in STOPPED throws ProxyNotRestartableError', async () => {
  const { proxy } = harness();
  proxy.startup();
  await proxy.whenStarted();
  await proxy.shutdown();
  assert.throws(() => proxy.startup(), ProxyNotRestartableError);
  assert.throws(() => proxy.startup(), /startup\(\) was called in state STOPPED/);
});

test('L13: repeated and concurrent shutdown() calls run the shutdown sequence once and return the lifetime promise', async () => {
  const h = harness();
  const lifetime = h.proxy.startup();
  await h.proxy.whenStarted();
  const concurrent = await Promise.all([1, 2].map(async () => ({ stopped: h.proxy.shutdown() })));
  const calls = [h.proxy.shutdown(), h.proxy.shutdown(), ...concurrent.map((c) => c.stopped)];
  for (const p of calls) assert.equal(p, lifetime);
  await lifetime;
  assert.equal(h.proxy.shutdown(), lifetime);
  assert.deepEqual(
    h.runtime.log.filter((c) => c.startsWith('demo.') && c !== 'demo.initialize' && c !== 'demo.bind'),
    ['demo.stopAccepting', 'demo.drain', 'demo.closePlugins'],
  );
});

test('L14: shutdown() on a NEW proxy is a no-op returning a fulfilled promise; the proxy can still be started', async () => {
  const h = harness();
  const result = h.proxy.shutdown();
  assert.equal(await isSettled(result), true);
  assert.equal(await result, undefined);
  assert.equal(h.state(), 'new');
  h.proxy.startup();
  await h.proxy.whenStarted();
  await h.proxy.shutdown();
});

test('L15: [Symbol.asyncDispose]() is shutdown(), and `await using` shuts the proxy down at scope exit', async () => {
  const first = harness();
  const lifetime = first.proxy.startup();
  await first.proxy.whenStarted();
  assert.equal(first.proxy[Symbol.asyncDispose](), lifetime);
  await lifetime;

  const second = harness();
  {
    await using proxy = second.proxy;
    proxy.startup();
    await proxy.whenStarted();
  }
  assert.equal(second.state(), 'stopped');
});

test('L16: shutdown() during STARTING stops, never reaches STARTED, releases everything and fulfils', async () => {
  const initialized = gate();
  const h = harness({ management: true }, (vc) => {
    vc.initializeStep = () => initialized.promise;
  });
  const lifetime = h.proxy.startup();
  const started = h.proxy.whenStarted();
  await settle();
  assert.equal(h.proxy.shutdown(), lifetime);
  assert.equal(h.state(), 'stopping');
  initialized.resolve();
  await lifetime;
  await assert.rejects(started, (error: unknown) => {
    assert.ok(error instanceof ProxyNotStartedError);
    assert.equal(error.code, 'ERR_PROXY_NOT_STARTED');
    assert.equal(error.message, 'the proxy stopped before it finished starting');
    return true;
  });
  assert.ok(!h.states.includes('started'));
  assert.ok(!h.runtime.log.includes('demo.bind'), 'startup stopped at the next step boundary');
  assert.ok(h.runtime.log.includes('demo.closePlugins'), 'the initialized factories were closed');
});

test('L17: shutdown() from inside a factory initialize() behaves as a shutdown during STARTING', async () => {
  let proxy: KafkaProxy | undefined;
  const h = harness({}, (vc) => {
    vc.initializeStep = async () => {
      void proxy?.shutdown();
    };
  });
  proxy = h.proxy;
  await h.proxy.startup();
  await assert.rejects(h.proxy.whenStarted(), ProxyNotStartedError);
  assert.deepEqual(h.states, ['new', 'starting', 'stopping', 'stopped']);
  assert.ok(!h.runtime.log.includes('demo.bind'));
});

test('L18: errors of startup work in flight when a shutdown interrupted startup are logged and do not change the outcome', async () => {
  const initialized = gate();
  const h = harness({}, (vc) => {
    vc.initializeStep = () => initialized.promise;
  });
  const lifetime = h.proxy.startup();
  await settle();
  h.proxy.shutdown();
  initialized.reject(new Error('initialize failed late'));
  await lifetime;
  const warning = h.logger.at('warn').find((r) => r.message.includes('failed to initialize during shutdown'));
  assert.ok(warning);
  assert.equal((warning.fields.error as Error).message, 'initialize failed late');
});

test('L19: aborting the signal passed to startup() in STARTED starts a graceful shutdown', async () => {
  const h = harness();
  const controller = new AbortController();
  const lifetime = h.proxy.startup({ signal: controller.signal });
  await h.proxy.whenStarted();
  controller.abort();
  assert.equal(h.state(), 'stopping');
  await lifetime;
  assert.ok(h.runtime.log.includes('demo.drain'), 'graceful: the VC was drained');
  assert.ok(
    h.logger
      .at('info')
      .some((r) => r.message === 'Switchyard stopping' && /signal aborted/.test(String(r.fields.reason))),
  );
});

test('L20: aborting the signal in STARTING behaves as a shutdown during STARTING', async () => {
  const initialized = gate();
  const h = harness({}, (vc) => {
    vc.initializeStep = () => initialized.promise;
  });
  const controller = new AbortController();
  const lifetime = h.proxy.startup({ signal: controller.signal });
  await settle();
  controller.abort();
  assert.equal(h.state(), 'stopping');
  initialized.resolve();
  await lifetime;
  await assert.rejects(h.proxy.whenStarted(), ProxyNotStartedError);
  assert.ok(!h.states.includes('started'));
});

test('L21: a signal already aborted at the first startup() leads to STOPPED with nothing bound and a fulfilled promise', async () => {
  const h = harness({ management: true });
  await h.proxy.startup({ signal: AbortSignal.abort() });
  assert.equal(h.state(), 'stopped');
  assert.deepEqual(h.runtime.log, [], 'nothing was initialized or bound');
  assert.equal(h.runtime.created(), 0);
});

test('L22: a signal passed to a later startup() call is honoured; abort listeners are removed at STOPPED', async () => {
  const h = harness();
  const first = new AbortController();
  const second = new AbortController();
  const lifetime = h.proxy.startup({ signal: first.signal });
  await h.proxy.whenStarted();
  assert.equal(h.proxy.startup({ signal: second.signal }), lifetime);
  assert.equal(getEventListeners(first.signal, 'abort').length, 1);
  second.abort();
  assert.equal(h.state(), 'stopping');
  await lifetime;
  assert.equal(getEventListeners(first.signal, 'abort').length, 0);
  assert.equal(getEventListeners(second.signal, 'abort').length, 0);
});

test('L23: awaiting the lifetime promise while shutdown is in progress resolves when shutdown finishes', async () => {
  const drain = gate<{ abandonedRequests: number }>();
  const h = harness({}, (vc) => {
    vc.drainStep = () => drain.promise;
  });
  const lifetime = h.proxy.startup();
  await h.proxy.whenStarted();
  h.proxy.shutdown();
  await settle();
  assert.equal(await isSettled(lifetime), false, 'still draining');
  drain.resolve({ abandonedRequests: 0 });
  await lifetime;
  assert.equal(h.state(), 'stopped');
});

test('L24: shutdown() from another context than startup() (a timer callback) works', async () => {
  const h = harness();
  const lifetime = h.proxy.startup();
  await h.proxy.whenStarted();
  const fromTimer = await new Promise<{ stopped: Promise<void> }>((resolve) =>
    setTimeout(() => resolve({ stopped: h.proxy.shutdown() }), 1),
  );
  assert.equal(fromTimer.stopped, lifetime);
  await lifetime;
  assert.equal(h.state(), 'stopped');
});

test('L25: whenStarted() fulfils at STARTED, at once afterwards (also after stopping), and rejects with the startup error', async () => {
  const ok = harness();
  const early = ok.proxy.whenStarted();
  ok.proxy.startup();
  await early;
  assert.equal(await isSettled(ok.proxy.whenStarted()), true);
  await ok.proxy.shutdown();
  await ok.proxy.whenStarted();

  const failing = harness({}, (vc) => {
    vc.initializeStep = async () => Promise.reject(new Error('nope'));
  });
  const lifetime = failing.proxy.startup();
  const startupError = await lifetime.catch((error: unknown) => error);
  assert.ok(startupError instanceof ProxyStartupError);
  await assert.rejects(failing.proxy.whenStarted(), (error: unknown) => error === startupError);
});

test('L26: a rejected lifetime promise that nobody awaits produces no unhandled-rejection event', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const h = harness({}, (vc) => {
      vc.initializeStep = async () => Promise.reject(new Error('nope'));
    });
    h.proxy.startup();
    while (h.state() !== 'stopped') await settle();
    await settle();
    assert.deepEqual(unhandled, []);
    assert.ok(
      h.logger.at('error').some((r) => r.message.startsWith('Switchyard failed to start')),
      'failure logged',
    );
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('L27: KafkaProxy has no block(), never calls process.exit or sets exitCode, installs no process handlers', async () => {
  assert.equal('block' in KafkaProxy.prototype, false);
  const events = ['SIGINT', 'SIGTERM', 'uncaughtException', 'unhandledRejection', 'exit', 'beforeExit'] as const;
  const before = events.map((e) => process.listenerCount(e));
  const exit = mock.method(process, 'exit', () => {});
  const exitCodeBefore = process.exitCode;
  try {
    const ok = harness({ management: true });
    ok.proxy.startup();
    await ok.proxy.whenStarted();
    await ok.proxy.shutdown();
    const failing = harness({}, (vc) => {
      vc.bindStep = async () => Promise.reject(new Error('nope'));
    });
    await failing.proxy.startup().catch(() => {});
    assert.equal(exit.mock.callCount(), 0);
    assert.equal(process.exitCode, exitCodeBefore);
    assert.deepEqual(
      events.map((e) => process.listenerCount(e)),
      before,
    );
  } finally {
    exit.mock.restore();
  }
});

test('L28: the state type is not exported from the package', () => {
  const entry = readFileSync(new URL('../../../src/index.ts', import.meta.url), 'utf8');
  assert.doesNotMatch(entry, /proxy-state|ProxyState\b|VirtualClusterState\b/);
});

test('L29: after the lifetime promise settles the proxy leaves no open handle', async () => {
  const handles = () =>
    process
      .getActiveResourcesInfo()
      .filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap')
      .sort();
  await settle();
  const before = handles();
  const h = harness({ management: true, virtualClusters: [{ name: 'demo', drainTimeoutMs: 60_000 }] });
  h.proxy.startup();
  await h.proxy.whenStarted();
  assert.ok(handles().includes('TCPServerWrap'), 'the management endpoint listens');
  await h.proxy.shutdown();
  await settle();
  assert.deepEqual(handles(), before, 'no server, socket or drain timer left');
});

test('L30: two proxies in one process have separate metrics registries', async () => {
  const one = harness();
  const two = harness();
  one.proxy.startup();
  await one.proxy.whenStarted();
  assert.equal(sample(await one.proxy.metricsText(), 'switchyard_proxy_state{state="started"}'), 1);
  assert.equal(sample(await two.proxy.metricsText(), 'switchyard_proxy_state{state="new"}'), 1);
  assert.equal(
    sample(await two.proxy.metricsText(), 'switchyard_virtual_cluster_state{virtual_cluster="demo",state="serving"}'),
    undefined,
  );
  assert.notEqual(one.runtime.dependencies?.metrics, undefined);
  await one.proxy.shutdown();
});

test('L31: bootstrapAddress() returns the bound address in STARTED and throws in other states or for unknown names', async () => {
  const { proxy } = harness();
  assert.throws(() => proxy.bootstrapAddress('demo', 'ports'), /STARTED/);
  proxy.startup();
  assert.throws(() => proxy.bootstrapAddress('demo', 'ports'), /STARTING/);
  await proxy.whenStarted();
  assert.equal(proxy.bootstrapAddress('demo', 'ports'), '127.0.0.1:19092');
  assert.throws(() => proxy.bootstrapAddress('nope', 'ports'), /no virtual cluster 'nope'/);
  assert.throws(() => proxy.bootstrapAddress('demo', 'sni'), /no gateway 'sni'/);
  await proxy.shutdown();
  assert.throws(() => proxy.bootstrapAddress('demo', 'ports'), /STOPPED/);
});

test('the constructor throws TypeError for a configuration the loader did not produce, and acquires nothing', () => {
  assert.throws(() => new KafkaProxy({ warnings: [] }), TypeError);
  assert.doesNotThrow(() => new KafkaProxy(makeConfig()));
});
