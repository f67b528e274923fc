// L32–L54, L61, L62, L76, L77: the startup and shutdown sequences, the failure policy, the
// virtual-cluster lifecycle and the lifecycle metrics, driven through a fake proxy core.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProxyStartupError } from '../../../src/proxy/lifecycle/errors.ts';
import type { KafkaProxy } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import { proxyInternals } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import { GatewayBindError } from '../../../src/proxy/lifecycle/virtual-cluster-runtime.ts';
import { gate, harness, http, isSettled, sample, seriesOf, settle } from './fixtures.ts';

function managementPort(proxy: KafkaProxy): number {
  const address = proxyInternals(proxy).managementAddress();
  assert.ok(address, 'the management endpoint listens');
  return address.port;
}

const vcState = (vc: string, state: string) =>
  `switchyard_virtual_cluster_state{virtual_cluster="${vc}",state="${state}"}`;

test('L32: the management endpoint answers /livez 200 and /readyz 503 while the proxy is STARTING', async () => {
  const initialized = gate();
  const h = harness({ management: true }, (vc) => {
    vc.initializeStep = () => initialized.promise;
  });
  h.proxy.startup();
  while (!h.runtime.log.includes('demo.initialize')) await settle();
  const port = managementPort(h.proxy);
  assert.equal((await http(port, '/livez')).status, 200);
  const ready = await http(port, '/readyz');
  assert.equal(ready.status, 503);
  assert.ok(JSON.parse(ready.body).reasons.includes('proxy state is starting'));
  initialized.resolve();
  await h.proxy.whenStarted();
  await h.proxy.shutdown();
});

test('L33: asynchronous initialize() calls are awaited before the proxy reaches STARTED', async () => {
  const initialized = gate();
  const h = harness({}, (vc) => {
    vc.initializeStep = () => initialized.promise;
  });
  h.proxy.startup();
  await settle();
  assert.equal(h.state(), 'starting');
  assert.ok(!h.runtime.log.includes('demo.bind'));
  initialized.resolve();
  await h.proxy.whenStarted();
  assert.deepEqual(h.runtime.log, ['demo.initialize', 'demo.bind']);
  await h.proxy.shutdown();
});

test('L34: a gateway address in use fails startup under failProxy, naming address, gateway and VC, leaving no port bound', async () => {
  const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:9192'), {
    code: 'EADDRINUSE',
  });
  const h = harness({ virtualClusters: ['orders', 'analytics'] }, (vc) => {
    if (vc.name === 'orders')
      vc.bindStep = async () => Promise.reject(new GatewayBindError('orders', 'ports', '127.0.0.1:9192', inUse));
  });
  await assert.rejects(h.proxy.startup(), (error: unknown) => {
    assert.ok(error instanceof ProxyStartupError);
    assert.equal(error.step, "bind virtual cluster 'orders' gateway 'ports'");
    assert.match(
      error.message,
      /cannot bind gateway 'ports' of virtual cluster 'orders' to 127\.0\.0\.1:9192: listen EADDRINUSE/,
    );
    return true;
  });
  assert.equal(h.runtime.vc('analytics').bound, false, "the other VC's listeners were closed");
});

test('L35: an initialize() failure moves its VC to failed with the reason and fails startup under failProxy', async () => {
  const h = harness({ virtualClusters: ['orders', 'analytics'] }, (vc) => {
    if (vc.name === 'analytics') {
      vc.initializeStep = async () =>
        Promise.reject(new Error("router 'by-topic' failed to initialize: connect ECONNREFUSED"));
    }
  });
  await assert.rejects(
    h.proxy.startup(),
    /Switchyard failed to start: initialize virtual cluster 'analytics': router 'by-topic'/,
  );
  const failed = h.logger.at('error').filter((r) => r.message.startsWith("virtual cluster 'analytics' failed:"));
  assert.equal(failed.length, 1);
  assert.equal(
    failed[0]?.message,
    "virtual cluster 'analytics' failed: router 'by-topic' failed to initialize: connect ECONNREFUSED",
  );
  const text = await h.proxy.metricsText();
  assert.equal(
    sample(
      text,
      'switchyard_virtual_cluster_transitions_total{virtual_cluster="analytics",from="initializing",to="failed"}',
    ),
    1,
  );
  assert.ok(!h.runtime.log.includes('orders.bind'), 'no gateway was bound');
});

test('L36: under serveOthers a failed VC leaves the others serving; STARTED, /status shows the reason, /readyz is 503', async () => {
  const h = harness({ virtualClusters: ['orders', 'analytics'], policy: 'serveOthers', management: true }, (vc) => {
    if (vc.name === 'analytics')
      vc.initializeStep = async () => Promise.reject(new Error("router 'by-topic' failed to initialize"));
  });
  h.proxy.startup();
  await h.proxy.whenStarted();
  const port = managementPort(h.proxy);
  const status = JSON.parse((await http(port, '/status')).body);
  assert.equal(status.state, 'started');
  assert.deepEqual(
    status.virtualClusters.map((vc: { name: string; state: string; failureReason: string | null }) => [
      vc.name,
      vc.state,
      vc.failureReason,
    ]),
    [
      ['orders', 'serving', null],
      ['analytics', 'failed', "router 'by-topic' failed to initialize"],
    ],
  );
  const ready = await http(port, '/readyz');
  assert.equal(ready.status, 503);
  assert.deepEqual(JSON.parse(ready.body).reasons, [
    "virtual cluster 'analytics' is failed: router 'by-topic' failed to initialize",
  ]);
  await h.proxy.shutdown();
});

test('L37: under serveOthers startup fails when every VC failed', async () => {
  const h = harness({ virtualClusters: ['a', 'b'], policy: 'serveOthers' }, (vc) => {
    vc.initializeStep = async () => Promise.reject(new Error(`${vc.name} broke`));
  });
  await assert.rejects(h.proxy.startup(), (error: unknown) => {
    assert.ok(error instanceof ProxyStartupError);
    assert.equal(error.step, 'initialize virtual clusters');
    assert.equal(
      error.message,
      'Switchyard failed to start: initialize virtual clusters: no virtual cluster could be started',
    );
    return true;
  });
});

test('L37: under serveOthers startup fails when every remaining VC failed to bind', async () => {
  const h = harness({ virtualClusters: ['a', 'b'], policy: 'serveOthers' }, (vc) => {
    if (vc.name === 'a') vc.initializeStep = async () => Promise.reject(new Error('a broke'));
    if (vc.name === 'b') vc.bindStep = async () => Promise.reject(new Error('b cannot bind'));
  });
  await assert.rejects(h.proxy.startup(), /no virtual cluster could be started/);
});

test('L38: a VC serves as soon as it is bound, while the proxy is still STARTING', async () => {
  const slowBind = gate();
  const h = harness({ virtualClusters: ['fast', 'slow'] }, (vc) => {
    if (vc.name === 'slow') vc.bindStep = () => slowBind.promise;
  });
  h.proxy.startup();
  while (!h.runtime.log.includes('slow.bind')) await settle();
  await settle();
  const text = await h.proxy.metricsText();
  assert.equal(h.state(), 'starting');
  assert.equal(sample(text, vcState('fast', 'serving')), 1);
  assert.equal(sample(text, vcState('slow', 'initializing')), 1);
  slowBind.resolve();
  await h.proxy.whenStarted();
  await h.proxy.shutdown();
});

test('L39: shutdown closes every gateway listener of every VC before draining', async () => {
  const h = harness({ virtualClusters: ['a', 'b'] });
  h.proxy.startup();
  await h.proxy.whenStarted();
  await h.proxy.shutdown();
  const log = h.runtime.log;
  const lastStop = Math.max(log.indexOf('a.stopAccepting'), log.indexOf('b.stopAccepting'));
  const firstDrain = Math.min(log.indexOf('a.drain'), log.indexOf('b.drain'));
  assert.ok(lastStop >= 0 && lastStop < firstDrain, log.join(' '));
});

test('L43: after drainTimeout the drain deadline aborts, and the abandoned requests are counted', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const h = harness({ virtualClusters: [{ name: 'demo', drainTimeoutMs: 2_000 }] }, (vc) => {
    vc.drainStep = (deadline) =>
      new Promise((resolve) =>
        deadline.addEventListener('abort', () => resolve({ abandonedRequests: 3 }), { once: true }),
      );
  });
  h.proxy.startup();
  await h.proxy.whenStarted();
  const stopped = h.proxy.shutdown();
  await settle();
  const signal = h.runtime.vc('demo').drainSignal;
  assert.ok(signal);
  t.mock.timers.tick(1_999);
  assert.equal(signal.aborted, false);
  t.mock.timers.tick(1);
  assert.equal(signal.aborted, true);
  await stopped;
  assert.equal(
    sample(await h.proxy.metricsText(), 'switchyard_drain_abandoned_requests_total{virtual_cluster="demo"}'),
    3,
  );
  assert.ok(h.logger.at('warn').some((r) => r.message.includes('abandoned 3 in-flight requests')));
});

test('L43: a drainTimeout of 0s closes connections at once', async () => {
  const h = harness({ virtualClusters: [{ name: 'demo', drainTimeoutMs: 0 }] });
  h.proxy.startup();
  await h.proxy.whenStarted();
  await h.proxy.shutdown();
  assert.ok(h.runtime.log.includes('demo.drain(immediate)'));
});

test('L44: virtual clusters drain in parallel, each bounded by its own drainTimeout', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const untilDeadline = (deadline: AbortSignal) =>
    new Promise<{ abandonedRequests: number }>((resolve) =>
      deadline.addEventListener('abort', () => resolve({ abandonedRequests: 0 }), { once: true }),
    );
  const h = harness(
    {
      virtualClusters: [
        { name: 'short', drainTimeoutMs: 2_000 },
        { name: 'long', drainTimeoutMs: 15_000 },
      ],
    },
    (vc) => {
      vc.drainStep = untilDeadline;
    },
  );
  h.proxy.startup();
  await h.proxy.whenStarted();
  const stopped = h.proxy.shutdown();
  await settle();
  assert.ok(h.runtime.log.includes('short.drain') && h.runtime.log.includes('long.drain'), 'both drains started');
  t.mock.timers.tick(2_000);
  assert.equal(h.runtime.vc('short').drainSignal?.aborted, true);
  assert.equal(h.runtime.vc('long').drainSignal?.aborted, false);
  t.mock.timers.tick(13_000);
  await stopped;
  assert.equal(h.state(), 'stopped', 'total drain time is the largest drainTimeout, not the sum');
});

test('L45: factories are closed after their VC has drained, and their errors make the shutdown fail', async () => {
  const h = harness({}, (vc) => {
    vc.closePluginsStep = async () => Promise.reject(new AggregateError([new Error("router factory 'union' failed")]));
  });
  h.proxy.startup();
  await h.proxy.whenStarted();
  await assert.rejects(
    h.proxy.shutdown(),
    /Switchyard shutdown failed: close the plugins of virtual cluster 'demo': router factory 'union' failed/,
  );
  const log = h.runtime.log;
  assert.ok(log.indexOf('demo.drain') < log.indexOf('demo.closePlugins'));
});

test('L48: the management endpoint is closed last: it answers (/readyz 503) until the plugins are closed', async () => {
  const closed = gate();
  const h = harness({ management: true }, (vc) => {
    vc.closePluginsStep = () => closed.promise;
  });
  h.proxy.startup();
  await h.proxy.whenStarted();
  const port = managementPort(h.proxy);
  const stopped = h.proxy.shutdown();
  while (!h.runtime.log.includes('demo.closePlugins')) await settle();
  assert.equal((await http(port, '/livez')).status, 200);
  const ready = await http(port, '/readyz');
  assert.equal(ready.status, 503);
  assert.ok(JSON.parse(ready.body).reasons.includes('proxy state is stopping'));
  closed.resolve();
  await stopped;
  await assert.rejects(http(port, '/livez'), /ECONNREFUSED/);
});

test('L49: a VC goes initializing → serving on a successful start', async () => {
  const h = harness();
  h.proxy.startup();
  await h.proxy.whenStarted();
  const text = await h.proxy.metricsText();
  assert.equal(sample(text, vcState('demo', 'serving')), 1);
  assert.equal(
    sample(
      text,
      'switchyard_virtual_cluster_transitions_total{virtual_cluster="demo",from="initializing",to="serving"}',
    ),
    1,
  );
  await h.proxy.shutdown();
});

test('L50: a VC whose initialization fails goes initializing → failed with a one-line reason logged once', async () => {
  const h = harness({ virtualClusters: ['good', 'bad'], policy: 'serveOthers' }, (vc) => {
    if (vc.name === 'bad')
      vc.initializeStep = async () => Promise.reject(new Error("filter 'audit' failed to initialize: no key"));
  });
  h.proxy.startup();
  await h.proxy.whenStarted();
  assert.equal(sample(await h.proxy.metricsText(), vcState('bad', 'failed')), 1);
  assert.equal(h.logger.at('error').filter((r) => r.message.includes("'bad' failed")).length, 1);
  assert.ok(!h.runtime.log.includes('bad.bind'));
  await h.proxy.shutdown();
  assert.ok(
    !h.runtime.log.includes('bad.closePlugins'),
    'a VC whose initialize() rejected released what it held itself',
  );
});

test('L50: a VC whose bind fails under serveOthers goes to failed and its factories are closed at once', async () => {
  const h = harness({ virtualClusters: ['good', 'bad'], policy: 'serveOthers' }, (vc) => {
    if (vc.name === 'bad')
      vc.bindStep = async () =>
        Promise.reject(new GatewayBindError('bad', 'ports', '127.0.0.1:1', new Error('EACCES')));
  });
  h.proxy.startup();
  await h.proxy.whenStarted();
  assert.ok(h.runtime.log.includes('bad.closePlugins'));
  assert.equal(sample(await h.proxy.metricsText(), vcState('bad', 'failed')), 1);
  await h.proxy.shutdown();
  assert.equal(h.runtime.log.filter((c) => c === 'bad.closePlugins').length, 1);
});

test('L51: on shutdown serving VCs go draining → stopped and failed VCs go straight to stopped', async () => {
  const h = harness({ virtualClusters: ['good', 'bad'], policy: 'serveOthers' }, (vc) => {
    if (vc.name === 'bad') vc.initializeStep = async () => Promise.reject(new Error('broken'));
  });
  h.proxy.startup();
  await h.proxy.whenStarted();
  await h.proxy.shutdown();
  const text = await h.proxy.metricsText();
  const transition = (vc: string, from: string, to: string) =>
    sample(text, `switchyard_virtual_cluster_transitions_total{virtual_cluster="${vc}",from="${from}",to="${to}"}`);
  assert.equal(transition('good', 'serving', 'draining'), 1);
  assert.equal(transition('good', 'draining', 'stopped'), 1);
  assert.equal(transition('bad', 'failed', 'stopped'), 1);
  assert.equal(transition('bad', 'failed', 'draining'), undefined);
});

test('L52: a VC still initializing when shutdown is requested stops after its initialization settles, releasing it', async () => {
  const initialized = gate();
  const h = harness({}, (vc) => {
    vc.initializeStep = () => initialized.promise;
  });
  const lifetime = h.proxy.startup();
  await settle();
  h.proxy.shutdown();
  await settle();
  assert.equal(
    sample(await h.proxy.metricsText(), vcState('demo', 'initializing')),
    1,
    'in-flight initialization is awaited',
  );
  initialized.resolve();
  await lifetime;
  assert.equal(sample(await h.proxy.metricsText(), vcState('demo', 'stopped')), 1);
  assert.ok(h.runtime.log.includes('demo.closePlugins'));
  assert.ok(!h.runtime.log.includes('demo.drain'));
});

test('L54: VC state gauge, transitions counter and state durations follow every VC transition', async () => {
  const h = harness();
  h.proxy.startup();
  await h.proxy.whenStarted();
  await h.proxy.shutdown();
  const text = await h.proxy.metricsText();
  assert.deepEqual(seriesOf(text, 'switchyard_virtual_cluster_state'), [
    `${vcState('demo', 'initializing')} 0`,
    `${vcState('demo', 'serving')} 0`,
    `${vcState('demo', 'draining')} 0`,
    `${vcState('demo', 'failed')} 0`,
    `${vcState('demo', 'stopped')} 1`,
  ]);
  for (const state of ['initializing', 'serving', 'draining']) {
    assert.equal(
      sample(text, `switchyard_virtual_cluster_state_duration_seconds_count{virtual_cluster="demo",state="${state}"}`),
      1,
      state,
    );
  }
  assert.equal(seriesOf(text, 'switchyard_virtual_cluster_transitions_total').length, 3);
});

test('L61: switchyard_proxy_state has exactly one series at 1 at every moment, following every transition', async () => {
  const seen: string[] = [];
  const drain = gate<{ abandonedRequests: number }>();
  const h = harness({}, (vc) => {
    vc.drainStep = () => drain.promise;
  });
  const snapshot = async () => {
    const series = seriesOf(await h.proxy.metricsText(), 'switchyard_proxy_state');
    assert.equal(series.length, 5);
    const current = series.filter((s) => s.endsWith(' 1'));
    assert.equal(current.length, 1, series.join('\n'));
    assert.ok(series.filter((s) => !s.endsWith(' 1')).every((s) => s.endsWith(' 0')));
    seen.push(/state="(\w+)"/.exec(current[0] ?? '')?.[1] ?? '?');
  };
  await snapshot();
  h.proxy.startup();
  await snapshot();
  await h.proxy.whenStarted();
  await snapshot();
  h.proxy.shutdown();
  await snapshot();
  drain.resolve({ abandonedRequests: 0 });
  await h.proxy.shutdown();
  await snapshot();
  assert.deepEqual(seen, ['new', 'starting', 'started', 'stopping', 'stopped']);
});

test('L62: startup duration is observed once with outcome success', async () => {
  const h = harness();
  h.proxy.startup();
  await h.proxy.whenStarted();
  await h.proxy.shutdown();
  const text = await h.proxy.metricsText();
  assert.equal(sample(text, 'switchyard_proxy_startup_duration_seconds_count{outcome="success"}'), 1);
  assert.deepEqual(seriesOf(text, 'switchyard_proxy_startup_duration_seconds_count'), [
    'switchyard_proxy_startup_duration_seconds_count{outcome="success"} 1',
  ]);
});

test('L62: startup duration is observed once with outcome failure', async () => {
  const h = harness({}, (vc) => {
    vc.bindStep = async () => Promise.reject(new Error('nope'));
  });
  await h.proxy.startup().catch(() => {});
  assert.deepEqual(seriesOf(await h.proxy.metricsText(), 'switchyard_proxy_startup_duration_seconds_count'), [
    'switchyard_proxy_startup_duration_seconds_count{outcome="failure"} 1',
  ]);
});

test('L62: startup duration is observed once with outcome aborted', async () => {
  const h = harness();
  const lifetime = h.proxy.startup();
  h.proxy.shutdown();
  h.proxy.shutdown();
  await lifetime;
  assert.deepEqual(seriesOf(await h.proxy.metricsText(), 'switchyard_proxy_startup_duration_seconds_count'), [
    'switchyard_proxy_startup_duration_seconds_count{outcome="aborted"} 1',
  ]);
});

test('L76: lifecycle calls made from plugin code never call back into the core synchronously', async () => {
  let proxy: KafkaProxy | undefined;
  let logLengthAtReturn = -1;
  const h = harness({}, (vc) => {
    vc.initializeStep = async () => {
      const before = vc.log.length;
      const stopped = proxy?.shutdown();
      logLengthAtReturn = vc.log.length - before;
      assert.equal(await isSettled(stopped as Promise<void>), false, 'the returned promise has not settled on return');
    };
  });
  proxy = h.proxy;
  await h.proxy.startup();
  assert.equal(logLengthAtReturn, 0);
});

test('L77: startup() from inside a factory initialize() returns the same lifetime promise and starts nothing new', async () => {
  let proxy: KafkaProxy | undefined;
  let inner: Promise<void> | undefined;
  const h = harness({}, (vc) => {
    vc.initializeStep = async () => {
      inner = proxy?.startup();
    };
  });
  proxy = h.proxy;
  const lifetime = h.proxy.startup();
  await h.proxy.whenStarted();
  assert.equal(inner, lifetime);
  assert.equal(h.runtime.created(), 1);
  assert.equal(h.runtime.log.filter((c) => c === 'demo.initialize').length, 1);
  await h.proxy.shutdown();
});
