import type { ProxyMetrics } from '../observability/metrics.ts';
import type { BoundCounter } from '../observability/registry.ts';
import type { RequestMessage } from '../pipeline/request-message.ts';
import { apiKeyName } from '../protocol/index.ts';
import type { ClientSession, SessionCloseCause } from './session/client-session.ts';
import type { UpstreamEvents } from './upstream/upstream-pool.ts';

interface PerApiKey {
  readonly requests: BoundCounter;
  readonly requestBytes: BoundCounter;
  readonly responseBytes: BoundCounter;
}

/**
 * The data-path counters of one virtual cluster, bound once per api key so that counting a request
 * on the hot path is an array lookup and an addition.
 */
export class VirtualClusterMetrics {
  readonly #metrics: ProxyMetrics;
  readonly #virtualCluster: string;
  readonly #perApiKey: (PerApiKey | undefined)[] = [];
  /** Every API key Switchyard does not know shares one series: clients choose the key. */
  #unknownApiKey: PerApiKey | undefined;
  readonly #readPauses: BoundCounter;

  constructor(metrics: ProxyMetrics, virtualCluster: string) {
    this.#metrics = metrics;
    this.#virtualCluster = virtualCluster;
    this.#readPauses = metrics.clientReadPauses.bind({ virtual_cluster: virtualCluster });
  }

  onConnectionAccepted(gateway: string): void {
    const labels = { virtual_cluster: this.#virtualCluster, gateway };
    this.#metrics.clientConnections.inc(labels);
    this.#metrics.clientConnectionsActive.inc(labels);
  }

  onConnectionClosed(gateway: string): void {
    this.#metrics.clientConnectionsActive.dec({ virtual_cluster: this.#virtualCluster, gateway });
  }

  onRequest(request: RequestMessage, bytes: number): void {
    const counters = this.#forApiKey(request.apiKey);
    counters.requests.inc();
    counters.requestBytes.inc(bytes);
  }

  onResponse(apiKey: number, bytes: number): void {
    this.#forApiKey(apiKey).responseBytes.inc(bytes);
  }

  onReadPaused(): void {
    this.#readPauses.inc();
  }

  onClosed(_session: ClientSession, cause: SessionCloseCause): void {
    if (cause !== 'client_closed') {
      this.#metrics.clientDisconnects.inc({ virtual_cluster: this.#virtualCluster, cause });
    }
  }

  upstreamEvents(cluster: string): UpstreamEvents {
    const labels = { virtual_cluster: this.#virtualCluster, cluster };
    const metrics = this.#metrics;
    const readPauses = metrics.upstreamReadPauses.bind(labels);
    return {
      onConnectionOpened: () => {
        metrics.upstreamConnections.inc(labels);
        metrics.upstreamConnectionsActive.inc(labels);
      },
      onConnectionClosed: (failure) => {
        metrics.upstreamConnectionsActive.dec(labels);
        if (failure !== undefined) metrics.upstreamErrors.inc({ ...labels, error: failure });
      },
      onReadPaused: () => readPauses.inc(),
    };
  }

  #forApiKey(apiKey: number): PerApiKey {
    const counters = this.#perApiKey[apiKey];
    if (counters !== undefined) return counters;
    const name = apiKeyName(apiKey);
    if (name === undefined) {
      this.#unknownApiKey ??= this.#bind('unknown');
      return this.#unknownApiKey;
    }
    const bound = this.#bind(name);
    this.#perApiKey[apiKey] = bound;
    return bound;
  }

  #bind(apiKey: string): PerApiKey {
    const labels = { virtual_cluster: this.#virtualCluster, api_key: apiKey };
    return {
      requests: this.#metrics.clientRequests.bind(labels),
      requestBytes: this.#metrics.clientRequestBytes.bind(labels),
      responseBytes: this.#metrics.clientResponseBytes.bind(labels),
    };
  }
}
