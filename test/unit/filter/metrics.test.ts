// Plugin-defined filter metrics: prefixed, labelled with the virtual cluster and the filter only,
// and shared by every filter definition that asks for the same name.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterMetrics } from '../../../src/filter/metrics.ts';
import { MetricsRegistry } from '../../../src/observability/registry.ts';

test('counters and histograms are exposed as switchyard_filter_<name> per virtual cluster and filter', () => {
  const registry = new MetricsRegistry();
  filterMetrics(registry, 'vc', 'audit').counter('records_seen_total', 'Records seen.').inc(3);
  filterMetrics(registry, 'vc', 'other').counter('records_seen_total', 'Records seen.').inc();
  filterMetrics(registry, 'vc', 'audit').histogram('batch_records', 'Records per batch.', [1, 10]).observe(4);
  const text = registry.render();
  assert.match(text, /switchyard_filter_records_seen_total\{virtual_cluster="vc",filter="audit"\} 3/);
  assert.match(text, /switchyard_filter_records_seen_total\{virtual_cluster="vc",filter="other"\} 1/);
  assert.match(text, /switchyard_filter_batch_records_bucket\{virtual_cluster="vc",filter="audit",le="10"\} 1/);
});

test('names that would break the conventions are refused', () => {
  const metrics = filterMetrics(new MetricsRegistry(), 'vc', 'f');
  assert.throws(() => metrics.counter('records', 'x'), /invalid filter counter name/);
  assert.throws(() => metrics.histogram('Latency', 'x'), /invalid filter histogram name/);
  metrics.counter('hits_total', 'x');
  assert.throws(() => metrics.histogram('hits_total', 'x'), /already a counter/);
});
