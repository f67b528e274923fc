// One structured line per client connection opened and closed (docs/operations.md): who connected
// through which gateway, as whom, for how long, how many bytes, and why it ended. Under a flood
// of connections the lines are rate-limited by one token bucket per proxy; what was left out is
// counted and reported by the next line written, so a flood is visible without drowning the log.

import type { Socket } from 'node:net';
import type { Logger } from '../observability/logger.ts';
import { TokenBucket } from '../observability/token-bucket.ts';
import type { Subject } from '../pipeline/types.ts';
import type { SessionCloseCause } from './session/client-session.ts';

/** Sustained connection lines per second and the burst allowed above it (per proxy process). */
export const CONNECTION_LOG_RATE = { perSecond: 50, burst: 500 } as const;

export interface ConnectionOpened {
  readonly gateway: string;
  readonly socket: Socket;
  readonly subject: Subject;
  /** The TLS server name the client asked for, if it used TLS with SNI. */
  readonly serverName: string | undefined;
}

export class ConnectionLog {
  /** For the proxy-wide count of lines left out. */
  readonly #logger: Logger;
  readonly #bucket: TokenBucket;
  #suppressed = 0;

  constructor(logger: Logger, bucket: TokenBucket = new TokenBucket(CONNECTION_LOG_RATE)) {
    this.#logger = logger;
    this.#bucket = bucket;
  }

  /**
   * Logs the opening through `logger` (the session's: it names the virtual cluster and session),
   * and returns what logs the close of the same connection.
   */
  opened(logger: Logger, connection: ConnectionOpened): (subject: Subject, cause: SessionCloseCause) => void {
    const began = performance.now();
    const { socket } = connection;
    const fields = {
      gateway: connection.gateway,
      client: clientAddress(socket),
      ...(connection.serverName === undefined ? {} : { serverName: connection.serverName }),
    };
    this.#write(logger, 'connection opened', { ...fields, principal: principalOf(connection.subject) });
    return (subject, cause) => {
      this.#write(logger, 'connection closed', {
        ...fields,
        principal: principalOf(subject),
        durationMs: Math.round(performance.now() - began),
        bytesIn: socket.bytesRead,
        bytesOut: socket.bytesWritten,
        reason: cause,
      });
    };
  }

  #write(logger: Logger, message: string, fields: Record<string, unknown>): void {
    if (!logger.isLevelEnabled('info')) return;
    if (!this.#bucket.take()) {
      this.#suppressed++;
      return;
    }
    if (this.#suppressed > 0) {
      this.#logger.warn('connection log lines left out by the rate limit', {
        suppressed: this.#suppressed,
        limitPerSecond: CONNECTION_LOG_RATE.perSecond,
      });
      this.#suppressed = 0;
    }
    logger.info(message, fields);
  }
}

function clientAddress(socket: Socket): string {
  const host = socket.remoteAddress ?? 'unknown';
  return host.includes(':') ? `[${host}]:${socket.remotePort}` : `${host}:${socket.remotePort}`;
}

/** As Kafka writes principals: `User:alice`; `User:ANONYMOUS` before any authentication. */
function principalOf(subject: Subject): string {
  if (subject.isAnonymous || subject.principals.length === 0) return 'User:ANONYMOUS';
  return subject.principals.map((p) => `${p.type}:${p.name}`).join(',');
}
