import type { RouteError } from '../observability/catalogue.ts';
import type { ProxyMetrics } from '../observability/metrics.ts';
import type { BoundCounter, BoundHistogram } from '../observability/registry.ts';
import { apiKeyName } from '../protocol/index.ts';

/**
 * The routing metrics of one router level (routing.md §8.1), bound on first use per (route, api
 * key, mode) so that counting is a map lookup. Labels come from the configuration and the protocol
 * only: never a client id, topic, principal or session id.
 */
export class RoutingMetrics {
  readonly #metrics: ProxyMetrics;
  readonly #virtualCluster: string;
  readonly #router: string;
  /** Bound series per route, indexed by api key: counting on the hot path allocates nothing. */
  readonly #requests = new Map<
    string,
    { static: (BoundCounter | undefined)[]; dynamic: (BoundCounter | undefined)[] }
  >();
  readonly #durations = new Map<string, (BoundHistogram | undefined)[]>();

  constructor(metrics: ProxyMetrics, virtualCluster: string, router: string) {
    this.#metrics = metrics;
    this.#virtualCluster = virtualCluster;
    this.#router = router;
  }

  request(route: string, apiKey: number, mode: 'static' | 'dynamic'): void {
    let byMode = this.#requests.get(route);
    if (byMode === undefined) {
      byMode = { static: [], dynamic: [] };
      this.#requests.set(route, byMode);
    }
    const counters = byMode[mode];
    let counter = counters[apiKey];
    if (counter === undefined) {
      counter = this.#metrics.routeRequests.bind({
        virtual_cluster: this.#virtualCluster,
        router: this.#router,
        route,
        api_key: apiKeyName(apiKey) ?? 'unknown',
        mode,
      });
      counters[apiKey] = counter;
    }
    counter.inc();
  }

  duration(route: string, apiKey: number, seconds: number): void {
    let histograms = this.#durations.get(route);
    if (histograms === undefined) {
      histograms = [];
      this.#durations.set(route, histograms);
    }
    let histogram = histograms[apiKey];
    if (histogram === undefined) {
      histogram = this.#metrics.routeRequestDuration.bind({
        virtual_cluster: this.#virtualCluster,
        router: this.#router,
        route,
        api_key: apiKeyName(apiKey) ?? 'unknown',
      });
      histograms[apiKey] = histogram;
    }
    histogram.observe(seconds);
  }

  error(error: RouteError): void {
    this.#metrics.routeErrors.inc({ virtual_cluster: this.#virtualCluster, router: this.#router, error });
  }
}
