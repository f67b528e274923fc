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
  readonly #requests = new Map<string, BoundCounter>();
  readonly #durations = new Map<string, BoundHistogram>();

  constructor(metrics: ProxyMetrics, virtualCluster: string, router: string) {
    this.#metrics = metrics;
    this.#virtualCluster = virtualCluster;
    this.#router = router;
  }

  request(route: string, apiKey: number, mode: 'static' | 'dynamic'): void {
    const key = `${route}\u0000${apiKey}\u0000${mode}`;
    let counter = this.#requests.get(key);
    if (counter === undefined) {
      counter = this.#metrics.routeRequests.bind({
        virtual_cluster: this.#virtualCluster,
        router: this.#router,
        route,
        api_key: apiKeyName(apiKey) ?? 'unknown',
        mode,
      });
      this.#requests.set(key, counter);
    }
    counter.inc();
  }

  duration(route: string, apiKey: number, seconds: number): void {
    const key = `${route}\u0000${apiKey}`;
    let histogram = this.#durations.get(key);
    if (histogram === undefined) {
      histogram = this.#metrics.routeRequestDuration.bind({
        virtual_cluster: this.#virtualCluster,
        router: this.#router,
        route,
        api_key: apiKeyName(apiKey) ?? 'unknown',
      });
      this.#durations.set(key, histogram);
    }
    histogram.observe(seconds);
  }

  error(error: RouteError): void {
    this.#metrics.routeErrors.inc({ virtual_cluster: this.#virtualCluster, router: this.#router, error });
  }
}
