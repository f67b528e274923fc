import type { Socket } from 'node:net';
import type { OverloadLimits, SessionLimits } from '../../config/model.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ProxyMetrics } from '../../observability/metrics.ts';
import { RateLimiter } from '../../observability/rate-limit.ts';
import type { BoundCounter } from '../../observability/registry.ts';
import { BufferBudget } from './buffer-budget.ts';
import { ConnectionLimits, clientAddressKey } from './connection-limits.ts';
import { type GuardOwner, SessionGuard } from './session-guard.ts';

/** Warnings clients can cause at will: the first few pass, then one per second. */
const WARNINGS = { burst: 10, perSecond: 1 } as const;

/**
 * The overload limits of one proxy process (network.overload and the request read timeout): it
 * admits or refuses each new client connection, gives each admitted session its SessionGuard, runs
 * the buffer budget, and watches requests that are being read against their deadline. Holds no
 * timer while nothing needs one.
 */
export class OverloadManager implements GuardOwner {
  readonly budget: BufferBudget;
  readonly requestReadTimeoutMs: number;
  readonly unauthenticatedWarnings: RateLimiter;
  readonly #connections: ConnectionLimits;
  readonly #limits: OverloadLimits;
  readonly #metrics: ProxyMetrics;
  readonly #logger: Logger;
  readonly #overloadWarnings: RateLimiter;
  readonly #pauses = new Map<string, BoundCounter>();
  /** Sessions in the middle of reading a request, checked against the read timeout. */
  readonly #reading = new Set<SessionGuard>();
  readonly #sweepIntervalMs: number;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: { overload: OverloadLimits; session: SessionLimits; metrics: ProxyMetrics; logger: Logger }) {
    const { overload, metrics, logger } = options;
    this.#limits = overload;
    this.#metrics = metrics;
    this.#logger = logger;
    this.#connections = new ConnectionLimits(overload);
    this.requestReadTimeoutMs = options.session.requestReadTimeoutMs;
    // Deadlines are checked a few times per timeout, at most once a second: a request that
    // overstays is closed within a quarter of the timeout (or a second) after its deadline.
    this.#sweepIntervalMs = Math.max(50, Math.min(1_000, Math.floor(this.requestReadTimeoutMs / 4)));
    const suppressed = metrics.warningsSuppressed.bind({});
    this.unauthenticatedWarnings = new RateLimiter({ ...WARNINGS, onSuppressed: () => suppressed.inc() });
    this.#overloadWarnings = new RateLimiter(WARNINGS);
    this.budget = new BufferBudget({
      limit: overload.maxBufferedBytes,
      gracePeriodMs: overload.bufferedBytesGracePeriodMs,
      events: {
        onPaused: (accounts, total) =>
          this.#overloadWarnings.warn(logger, 'buffer budget exceeded; paused the client sessions holding the most', {
            bufferedBytes: total,
            maxBufferedBytes: overload.maxBufferedBytes,
            pausedSessions: accounts.length,
            largestSessionBytes: accounts[0]?.held ?? 0,
          }),
        onClosed: (accounts, total) =>
          this.#overloadWarnings.warn(
            logger,
            'buffer budget exceeded past its grace period or twice over; closed the client sessions holding the most',
            {
              closedSessions: accounts.length,
              bufferedBytes: total,
              maxBufferedBytes: overload.maxBufferedBytes,
              gracePeriodMs: overload.bufferedBytesGracePeriodMs,
            },
          ),
      },
    });
    const buffered = metrics.bufferedBytes.bind({});
    const paused = metrics.bufferBudgetPausedSessions.bind({});
    metrics.registry.addCollector(() => {
      buffered.set(this.budget.total);
      paused.set(this.budget.pausedSessions);
    });
  }

  /**
   * Admits a connection accepted by `gateway` of `virtualCluster` and returns its guard, or refuses
   * it (counted, logged at a limited rate) and returns undefined: the caller then destroys it.
   */
  admit(socket: Socket, virtualCluster: string, gateway: { readonly name: string }): SessionGuard | undefined {
    const address = clientAddressKey(socket.remoteAddress);
    const refusal = this.#connections.admit(gateway, address);
    if (refusal === undefined) return new SessionGuard(this, virtualCluster, gateway, address);
    this.#metrics.clientConnectionsRefused.inc({
      virtual_cluster: virtualCluster,
      gateway: gateway.name,
      reason: refusal,
    });
    this.unauthenticatedWarnings.warn(this.#logger, 'client connection refused: connection limit reached', {
      virtualCluster,
      gateway: gateway.name,
      clientAddress: address,
      limit:
        refusal === 'gateway_limit'
          ? `maxConnectionsPerGateway ${this.#limits.maxConnectionsPerGateway}`
          : `maxConnectionsPerClientAddress ${this.#limits.maxConnectionsPerClientAddress}`,
    });
    return undefined;
  }

  watchPartial(guard: SessionGuard, partial: boolean): void {
    if (partial) {
      this.#reading.add(guard);
      this.#sweeper ??= setInterval(this.#sweep, this.#sweepIntervalMs).unref();
    } else {
      this.#reading.delete(guard);
      if (this.#reading.size === 0) this.#stopSweeper();
    }
  }

  onPaused(guard: SessionGuard): void {
    let counter = this.#pauses.get(guard.virtualCluster);
    if (counter === undefined) {
      counter = this.#metrics.bufferBudgetPauses.bind({ virtual_cluster: guard.virtualCluster });
      this.#pauses.set(guard.virtualCluster, counter);
    }
    counter.inc();
  }

  onReleased(guard: SessionGuard): void {
    this.#connections.release(guard.gateway, guard.clientAddress);
  }

  /** Stops every timer (the proxy released its runtime). */
  dispose(): void {
    this.#stopSweeper();
    this.budget.dispose();
  }

  readonly #sweep = (): void => {
    const expired = performance.now() - this.requestReadTimeoutMs;
    for (const guard of this.#reading) {
      if (guard.partialSince !== 0 && guard.partialSince <= expired) guard.readTimedOut();
    }
  };

  #stopSweeper(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }
}
