import type { SessionHandle } from '../../pipeline/stage.ts';
import type { UpstreamSetup } from '../../pipeline/upstream-setup.ts';
import { formatHostPort, type HostPort } from '../address/host-port.ts';
import { UpstreamConnection } from './upstream-connection.ts';
import type { UpstreamTlsOptions } from './upstream-tls.ts';

/** Reports upstream events to metrics. */
export interface UpstreamEvents {
  onConnectionOpened(): void;
  /** `failure`: why it failed (a setup that failed is authentication), undefined for a requested close. */
  onConnectionClosed(failure: 'connection_closed' | 'authentication_failed' | undefined): void;
  onReadPaused(): void;
}

/** How to reach the brokers of one cluster route. */
export interface UpstreamRoute {
  /** The cluster-targeting route path: connections of two routes are never shared. */
  readonly key: string;
  readonly tls: UpstreamTlsOptions | undefined;
  readonly events: UpstreamEvents;
}

export interface UpstreamPoolOptions {
  readonly maxFrameBytes: number;
  readonly connectTimeoutMs: number;
  /**
   * Whether a connection that fails while nothing waits on it closes the client session. True
   * for a VC that targets a cluster: the upstream connection is the client's connection to that
   * broker as far as the client knows. False behind a router, where a session spans many
   * connections and a lost one is simply opened again by the next request that needs it.
   */
  readonly idleLossClosesSession: boolean;
  /** Told how the bytes held for responses not complete yet change (overload budget). */
  readonly onBuffered?: (delta: number) => void;
}

/**
 * The upstream connections of one client session, keyed by (cluster route, broker address),
 * opened on demand and closed with the session. Each connection numbers its own requests. The
 * pool pauses every connection's reads while the client socket is congested, and tells the
 * session when any connection's writes back up.
 */
export class UpstreamPool {
  readonly #session: SessionHandle;
  readonly #options: UpstreamPoolOptions;
  readonly #connections = new Map<string, { connection: UpstreamConnection; route: UpstreamRoute }>();
  readonly #unsubscribe: () => void;
  #readsPaused = false;
  #closed = false;

  constructor(session: SessionHandle, options: UpstreamPoolOptions) {
    this.#session = session;
    this.#options = options;
    this.#unsubscribe = session.onClientWritable((congested) => {
      this.#readsPaused = congested;
      for (const { connection, route } of this.#connections.values()) {
        if (congested) {
          connection.pauseReading();
          route.events.onReadPaused();
        } else {
          connection.resumeReading();
        }
      }
    });
  }

  /**
   * The connection to `address` for `route`, opened if there is none (or the last one closed).
   * `setup` is asked for only when a connection is opened: it prepares the new connection
   * (authentication) before any request is written to it.
   */
  connection(route: UpstreamRoute, address: HostPort, setup?: () => UpstreamSetup | undefined): UpstreamConnection {
    const key = `${route.key}|${formatHostPort(address)}`;
    const known = this.#connections.get(key);
    if (known !== undefined && !known.connection.isClosed) return known.connection;
    const session = this.#session;
    const connection = new UpstreamConnection({
      address,
      tls: route.tls,
      setup: setup?.(),
      maxFrameBytes: this.#options.maxFrameBytes,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      onBuffered: this.#options.onBuffered,
      observer: {
        onWriteBackpressure: (_connection, congested) => session.upstreamCongestion(congested),
        onClosed: (closed, error) => {
          route.events.onConnectionClosed(
            error === undefined ? undefined : error.duringSetup ? 'authentication_failed' : 'connection_closed',
          );
          if (closed.congested) session.upstreamCongestion(false);
          if (this.#connections.get(key)?.connection === closed) this.#connections.delete(key);
          // Requests in flight have failed through their own handlers already. A failed setup
          // (authentication) ends the session whatever the target: nothing it sends could pass.
          if (error !== undefined && !this.#closed && (this.#options.idleLossClosesSession || error.duringSetup)) {
            session.failAfter(
              error.duringSetup ? 'authentication_failed' : 'upstream_failed',
              `upstream ${formatHostPort(address)} failed: ${error.message}`,
            );
          }
        },
      },
    });
    route.events.onConnectionOpened();
    if (this.#readsPaused) connection.pauseReading();
    this.#connections.set(key, { connection, route });
    return connection;
  }

  /** Closes every connection; requests still waiting on them fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    for (const { connection } of this.#connections.values()) connection.close('client session closed');
    this.#connections.clear();
  }
}
