// A reload on a proxy with fake virtual clusters: the calls made, the state edges taken, the outcome.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyInternals } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import { harness, makeConfig, sample } from './fixtures.ts';

test('a reload drains and restarts the changed VC through draining → initializing, starts new ones and stops removed ones', async () => {
  const h = harness({ virtualClusters: ['keep', 'change', 'gone'] });
  void h.proxy.startup();
  await h.proxy.whenStarted();
  h.runtime.log.length = 0;
  const next = makeConfig({ virtualClusters: ['keep', { name: 'change', drainTimeoutMs: 5_000 }, 'new'] });
  const prepared = await proxyInternals(h.proxy).prepareReload(next, 'test');
  assert.deepEqual(h.runtime.log.sort(), ['change.initialize', 'new.initialize'], 'prepare only initializes');
  const outcome = await prepared.commit();
  assert.deepEqual(
    [outcome.ok, outcome.generation, outcome.restarted, outcome.started, outcome.stopped],
    [true, 2, ['change'], ['new'], ['gone']],
  );
  assert.ok(!h.runtime.log.some((call) => call.startsWith('keep.')), 'the unchanged VC is not touched');
  const status = proxyInternals(h.proxy).status();
  assert.deepEqual(
    status.virtualClusters.map((vc) => [vc.name, vc.state]),
    [
      ['keep', 'serving'],
      ['change', 'serving'],
      ['new', 'serving'],
    ],
  );
  const text = await h.proxy.metricsText();
  // initializing → serving: once at startup, once after the restart.
  for (const [from, to, count] of [
    ['serving', 'draining', 1],
    ['draining', 'initializing', 1],
    ['initializing', 'serving', 2],
  ] as const) {
    assert.equal(
      sample(text, `switchyard_virtual_cluster_transitions_total{virtual_cluster="change",from="${from}",to="${to}"}`),
      count,
    );
  }
  assert.equal(sample(text, 'switchyard_config_generation'), 2);
  await h.proxy.shutdown();
});

test('a plugin that fails to initialize during prepare changes nothing: the prepared plugins are closed', async () => {
  const h = harness({ virtualClusters: ['a'] }, (vc) => {
    if (vc.name === 'b') {
      vc.initializeStep = async () => {
        throw new Error('router says no');
      };
    }
  });
  void h.proxy.startup();
  await h.proxy.whenStarted();
  await assert.rejects(
    proxyInternals(h.proxy).prepareReload(makeConfig({ virtualClusters: ['a', 'b'] }), 'test'),
    /virtual cluster 'b': router says no/,
  );
  assert.deepEqual(
    proxyInternals(h.proxy)
      .status()
      .virtualClusters.map((vc) => [vc.name, vc.state]),
    [['a', 'serving']],
  );
  assert.equal(proxyInternals(h.proxy).generation(), 1);
  await h.proxy.shutdown();
});
