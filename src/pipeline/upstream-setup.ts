// The contract between the stages that know how an upstream connection must be prepared (a route's
// filter chain, the cluster leaf replaying a client's SASL exchange) and the upstream connection
// that runs it: the "before-ready" phase of every connection, and its renewal (KIP-368).

import type { RequestMessage } from './request-message.ts';
import type { ResponseMessage } from './response-message.ts';

/** A freshly established upstream connection, offered to its setup before any client request. */
export interface SetupChannel {
  /** The broker, "host:port" (for log lines). */
  readonly broker: string;
  /**
   * Sends a request of the setup on this connection, ahead of every client request waiting for
   * the setup to finish; resolves with its response. Rejects when the connection fails.
   */
  request(message: RequestMessage): Promise<ResponseMessage>;
}

/**
 * Prepares each upstream connection of one session on one route before any client request is
 * written to it (authentication), and again when it asked to be renewed.
 */
export interface UpstreamSetup {
  /**
   * Runs on `channel` once it is connected (`renewal` false), and again (`renewal` true) once the
   * milliseconds it last resolved with have passed; client requests sent meanwhile wait and follow
   * in order. Resolves with the delay before the next renewal, or undefined for none. A rejection
   * fails the connection with the rejection's message, which must not carry a secret.
   */
  run(channel: SetupChannel, renewal: boolean): Promise<number | undefined>;
}
