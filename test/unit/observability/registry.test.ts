import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { METRICS } from '../../../src/observability/catalogue.ts';
import { mergeExpositions } from '../../../src/observability/merge.ts';
import { ProxyMetrics } from '../../../src/observability/metrics.ts';
import { MetricsRegistry } from '../../../src/observability/registry.ts';

test('a counter renders HELP, TYPE and one line per label set; bound children add to the same series', () => {
  const registry = new MetricsRegistry();
  const counter = registry.counter({ name: 'x_total', type: 'counter', help: 'Things.', labels: ['vc', 'api_key'] });
  counter.inc({ vc: 'a', api_key: 'PRODUCE' });
  const bound = counter.bind({ vc: 'a', api_key: 'PRODUCE' });
  bound.inc(2);
  counter.inc({ vc: 'b', api_key: 'FETCH' }, 5);
  assert.equal(
    registry.render(),
    '# HELP x_total Things.\n# TYPE x_total counter\nx_total{vc="a",api_key="PRODUCE"} 3\nx_total{vc="b",api_key="FETCH"} 5\n',
  );
});

test('a gauge sets, increments and decrements; a metric without labels renders without braces', () => {
  const registry = new MetricsRegistry();
  const gauge = registry.gauge({ name: 'g', type: 'gauge', help: 'G.', labels: [] });
  gauge.set({}, 4);
  gauge.inc({});
  gauge.dec({}, 2);
  assert.match(registry.render(), /^g 3$/m);
});

test('a histogram renders cumulative buckets, +Inf, sum and count', () => {
  const registry = new MetricsRegistry();
  const histogram = registry.histogram({ name: 'h', type: 'histogram', help: 'H.', labels: ['o'], buckets: [0.1, 1] });
  histogram.observe({ o: 'x' }, 0.05);
  histogram.observe({ o: 'x' }, 0.1);
  histogram.observe({ o: 'x' }, 0.5);
  histogram.bind({ o: 'x' }).observe(7);
  assert.equal(
    registry.render(),
    [
      '# HELP h H.',
      '# TYPE h histogram',
      'h_bucket{o="x",le="0.1"} 2',
      'h_bucket{o="x",le="1"} 3',
      'h_bucket{o="x",le="+Inf"} 4',
      'h_sum{o="x"} 7.65',
      'h_count{o="x"} 4',
      '',
    ].join('\n'),
  );
});

test('label values and help text are escaped', () => {
  const registry = new MetricsRegistry();
  registry.counter({ name: 'c', type: 'counter', help: 'a\\b\nc', labels: ['l'] }).inc({ l: 'q"\\\n' });
  assert.equal(registry.render(), '# HELP c a\\\\b\\nc\n# TYPE c counter\nc{l="q\\"\\\\\\n"} 1\n');
});

test('a series with an unknown label, a missing label or a value outside a closed set is refused', () => {
  const metrics = new ProxyMetrics();
  assert.throws(() => metrics.proxyState.set({ state: 'exploded' }, 1), /not an allowed value of label 'state'/);
  assert.throws(
    () => metrics.drainAbandonedRequests.inc({ virtual_cluster: 'a', client_id: 'x' } as never),
    /has no label 'client_id'/,
  );
  assert.throws(
    () => metrics.drainAbandonedRequests.inc({} as never),
    /needs a string value for label 'virtual_cluster'/,
  );
});

test('a name is registered once per registry, with its declared type', () => {
  const registry = new MetricsRegistry();
  registry.counter(METRICS.workerRestarts);
  assert.throws(() => registry.counter(METRICS.workerRestarts), /already registered/);
  assert.throws(() => registry.gauge(METRICS.drainAbandonedRequests), /is a counter, not a gauge/);
});

test('the catalogue uses switchyard_ names (or standard process/nodejs names) and no unbounded labels', () => {
  const forbidden = ['client_id', 'topic', 'group', 'principal', 'session', 'session_id', 'user'];
  const names = new Set<string>();
  for (const definition of Object.values(METRICS)) {
    assert.match(definition.name, /^(switchyard|process|nodejs)_[a-z0-9_]+$/);
    assert.ok(!names.has(definition.name), `duplicate ${definition.name}`);
    names.add(definition.name);
    assert.ok(definition.help.length > 0);
    for (const label of definition.labels as readonly string[])
      assert.ok(!forbidden.includes(label), `${definition.name}: ${label}`);
    if (definition.type === 'counter') assert.match(definition.name, /_total$/);
  }
});

test('process metrics are read at scrape time without any timer', () => {
  const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const metrics = new ProxyMetrics();
  const text = metrics.render();
  assert.match(text, /^process_resident_memory_bytes \d+$/m);
  assert.match(text, /^process_cpu_user_seconds_total [\d.e-]+$/m);
  assert.match(text, /^nodejs_heap_used_bytes \d+$/m);
  assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, timersBefore);
});

test('merging expositions sums series with identical names and labels, including histogram parts', () => {
  const worker = (started: number, bucket: number) =>
    [
      '# HELP switchyard_proxy_state State.',
      '# TYPE switchyard_proxy_state gauge',
      `switchyard_proxy_state{state="started"} ${started}`,
      `switchyard_proxy_state{state="starting"} ${1 - started}`,
      '# HELP h H.',
      '# TYPE h histogram',
      `h_bucket{le="1"} ${bucket}`,
      `h_bucket{le="+Inf"} ${bucket}`,
      `h_sum 0.5`,
      `h_count ${bucket}`,
      '',
    ].join('\n');
  assert.equal(
    mergeExpositions([worker(1, 2), worker(0, 3), worker(1, 1)]),
    [
      '# HELP switchyard_proxy_state State.',
      '# TYPE switchyard_proxy_state gauge',
      'switchyard_proxy_state{state="started"} 2',
      'switchyard_proxy_state{state="starting"} 1',
      '# HELP h H.',
      '# TYPE h histogram',
      'h_bucket{le="1"} 6',
      'h_bucket{le="+Inf"} 6',
      'h_sum 1.5',
      'h_count 6',
      '',
    ].join('\n'),
  );
});

test('docs/metrics.md documents every metric of the catalogue', () => {
  const doc = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
  for (const { name, type } of Object.values(METRICS)) {
    assert.match(doc, new RegExp(`^\\| \`${name}\` +\\| ${type} +\\|`, 'm'), `${name} is documented as a ${type}`);
  }
});
