// Pass-through SASL on a route with several upstream connections (routing.md §6.13): the client's
// own exchange reaches one connection; further connections of the same session and route (other
// brokers, the proxy's own address discovery) are authenticated by replaying it. PLAIN and
// OAUTHBEARER carry everything in one client message and replay as they are; SCRAM binds its proof
// to a nonce of the connection it ran on, so it cannot, and the session fails naming the remedy.

import type { Logger } from '../../observability/logger.ts';
import { RequestMessage } from '../../pipeline/request-message.ts';
import { ResponseMessage } from '../../pipeline/response-message.ts';
import type { ApiMessage, RequestHeader } from '../../pipeline/types.ts';
import type { UpstreamSetup } from '../../pipeline/upstream-setup.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import type { SaslAuthenticateRequest } from '../../protocol/generated/messages/sasl-authenticate-request.ts';
import type { SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate-response.ts';
import type { SaslHandshakeRequest } from '../../protocol/generated/messages/sasl-handshake-request.ts';
import type { SaslHandshakeResponse } from '../../protocol/generated/messages/sasl-handshake-response.ts';
import {
  authenticate,
  handshake,
  refused,
  renewalDelay,
  type SaslTransport,
} from '../../security/sasl-client/exchange.ts';

export const SASL_HANDSHAKE = 17;
export const SASL_AUTHENTICATE = 36;

/** Mechanisms whose whole exchange is one client message that any connection accepts. */
const REPLAYABLE = new Set(['PLAIN', 'OAUTHBEARER']);

/** A completed exchange, kept in memory only and never logged. */
interface Recorded {
  readonly mechanism: string;
  readonly handshakeVersion: number;
  readonly authBytes: Buffer;
  readonly authenticateVersion: number;
}

/**
 * What one session's client exchanged on one cluster route, and the setup that replays it. Fed
 * only SASL_HANDSHAKE and SASL_AUTHENTICATE requests and responses (the leaf checks the key), so
 * other frames cost nothing.
 */
export class SaslPassThrough {
  readonly #route: string;
  readonly #cluster: string;
  /** The mechanism of the exchange in progress (after the handshake request), and its version. */
  #mechanism: string | undefined;
  #handshakeVersion = 0;
  /** The bytes of the client's first authenticate request of the exchange in progress. */
  #firstAuth: { bytes: Buffer; version: number } | undefined;
  #rounds = 0;
  #recorded: Recorded | undefined;
  /** A mechanism that authenticated the client and cannot be replayed. */
  #unreplayable: string | undefined;

  constructor(route: string, cluster: string) {
    this.#route = route;
    this.#cluster = cluster;
  }

  /** Whether the client has authenticated through this route (further connections need a setup). */
  get authenticated(): boolean {
    return this.#recorded !== undefined || this.#unreplayable !== undefined;
  }

  /** A SASL request of the client, on its way to the broker. */
  request(message: RequestMessage): void {
    if (message.apiKey === SASL_HANDSHAKE) {
      this.#mechanism = (message.body() as SaslHandshakeRequest).mechanism;
      this.#handshakeVersion = message.apiVersion;
      this.#firstAuth = undefined;
      this.#rounds = 0;
      return;
    }
    if (this.#rounds++ === 0) {
      // A copy: the client's frame is lent to the upstream connection and may be reused.
      const bytes = Buffer.from((message.body() as SaslAuthenticateRequest).authBytes);
      this.#firstAuth = { bytes, version: message.apiVersion };
    }
  }

  /** The broker's answer to a SASL request of the client (the frame, before it goes on). */
  response(apiKey: number, apiVersion: number, frame: Buffer): void {
    const body = ResponseMessage.fromFrame(apiKey, apiVersion, frame).body();
    const mechanism = this.#mechanism;
    if (mechanism === undefined) return;
    if (apiKey === SASL_HANDSHAKE) {
      if ((body as SaslHandshakeResponse).errorCode !== ErrorCode.NONE) this.#mechanism = undefined;
      return;
    }
    const response = body as SaslAuthenticateResponse;
    if (response.errorCode !== ErrorCode.NONE) {
      this.#mechanism = undefined;
      return;
    }
    if (!REPLAYABLE.has(mechanism)) {
      this.#unreplayable = mechanism;
      this.#recorded = undefined;
      return;
    }
    // PLAIN and OAUTHBEARER succeed on their first round (a refused OAUTHBEARER token is answered
    // with an error challenge, then fails: never recorded).
    if (this.#rounds !== 1 || this.#firstAuth === undefined || response.authBytes.length > 0) return;
    this.#recorded = {
      mechanism,
      handshakeVersion: this.#handshakeVersion,
      authBytes: this.#firstAuth.bytes,
      authenticateVersion: this.#firstAuth.version,
    };
    this.#unreplayable = undefined;
  }

  /** The setup of a further upstream connection of this session and route. */
  setup(logger: Logger, sessionId: string): UpstreamSetup {
    return {
      run: async (channel, renewal) => {
        const unreplayable = this.#unreplayable;
        if (unreplayable !== undefined) {
          throw new Error(
            `the client authenticated with ${unreplayable} on another upstream connection of route '${this.#route}' (cluster '${this.#cluster}'), and a ${unreplayable} exchange is bound to the connection it ran on, so it cannot be replayed here; to reach several brokers or clusters from one session, authenticate clients at the proxy (SaslTermination on the virtual cluster's chain) and the proxy to each cluster (SaslInitiation on each route)`,
          );
        }
        // The latest exchange: a client that re-authenticated (a refreshed token) is replayed anew.
        const recorded = this.#recorded!;
        logger.debug("replaying the client's SASL exchange on a further upstream connection", {
          sessionId,
          broker: channel.broker,
          mechanism: recorded.mechanism,
          renewal,
        });
        const transport: SaslTransport = {
          sendRequest: async <T>(header: RequestHeader, request: ApiMessage) =>
            (await channel.request(RequestMessage.fromBody(header, request, { outOfBand: true }))).body() as T,
        };
        await handshake(transport, recorded.mechanism, recorded.handshakeVersion);
        const result = await authenticate(transport, recorded.authBytes, recorded.authenticateVersion);
        if (result.errorCode !== ErrorCode.NONE || result.authBytes.length > 0) {
          throw refused(`replayed ${recorded.mechanism}`, result);
        }
        return renewalDelay(result.sessionLifetimeMs);
      },
    };
  }
}
