// Metrics that filter plugins define. Their names cannot live in the catalogue, so they are kept
// apart by construction: prefixed `switchyard_filter_`, labelled only with the virtual cluster and
// the filter definition (both bounded by the configuration), registered once per proxy.

import type { MetricsRegistry } from '../observability/registry.ts';
import type { FilterMetrics } from './api.ts';

const COUNTER_NAME = /^[a-z][a-z0-9_]*_total$/;
const HISTOGRAM_NAME = /^[a-z][a-z0-9_]*$/;
const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = { virtual_cluster: string; filter: string };
interface Registered {
  readonly type: 'counter' | 'histogram';
  readonly metric: { bind(labels: Labels): unknown };
}

const byRegistry = new WeakMap<MetricsRegistry, Map<string, Registered>>();

function register(
  registry: MetricsRegistry,
  type: 'counter' | 'histogram',
  name: string,
  help: string,
  buckets: readonly number[] | undefined,
): Registered {
  let metrics = byRegistry.get(registry);
  if (metrics === undefined) {
    metrics = new Map();
    byRegistry.set(registry, metrics);
  }
  const fullName = `switchyard_filter_${name}`;
  const existing = metrics.get(fullName);
  if (existing !== undefined) {
    if (existing.type !== type) throw new Error(`filter metric ${fullName} is already a ${existing.type}`);
    return existing;
  }
  const definition = { name: fullName, type, help, labels: ['virtual_cluster', 'filter'] as const };
  const registered: Registered =
    type === 'counter'
      ? { type, metric: registry.counter(definition) }
      : { type, metric: registry.histogram({ ...definition, buckets: buckets ?? DEFAULT_BUCKETS }) };
  metrics.set(fullName, registered);
  return registered;
}

/** The metrics facility of one filter definition in one virtual cluster. */
export function filterMetrics(registry: MetricsRegistry, virtualCluster: string, filter: string): FilterMetrics {
  const labels = { virtual_cluster: virtualCluster, filter };
  return {
    counter(name, help) {
      if (!COUNTER_NAME.test(name)) throw new TypeError(`invalid filter counter name '${name}': use ${COUNTER_NAME}`);
      return register(registry, 'counter', name, help, undefined).metric.bind(labels) as { inc(amount?: number): void };
    },
    histogram(name, help, buckets) {
      if (!HISTOGRAM_NAME.test(name)) {
        throw new TypeError(`invalid filter histogram name '${name}': use ${HISTOGRAM_NAME}`);
      }
      return register(registry, 'histogram', name, help, buckets).metric.bind(labels) as {
        observe(value: number): void;
      };
    },
  };
}
