import { API_VERSIONS, supportedVersionRange, unsupportedApiVersionsResponse } from '../response/codec.ts';
import type { ClientRequest } from '../session/client-request.ts';
import type { ClientSession, SessionTarget } from '../session/client-session.ts';
import type { Reply } from '../session/reply.ts';

/**
 * The proxy core's check before routing: a request must be of an API key and version Switchyard
 * can handle, because every response may have to be decoded on its way back. API_VERSIONS newer
 * than Switchyard knows gets the KIP-511 answer (UNSUPPORTED_VERSION with Switchyard's own range),
 * so the client retries with a version both understand; anything else unsupported closes the
 * connection, as a broker does.
 */
export class VersionGate implements SessionTarget {
  readonly #next: SessionTarget;

  constructor(next: SessionTarget) {
    this.#next = next;
  }

  dispatch(session: ClientSession, request: ClientRequest, reply: Reply): void {
    const range = supportedVersionRange(request.apiKey);
    if (range !== undefined && request.apiVersion >= range.min && request.apiVersion <= range.max) {
      this.#next.dispatch(session, request, reply);
      return;
    }
    if (request.apiKey === API_VERSIONS && request.apiVersion > (range?.max ?? 0)) {
      reply.respond(unsupportedApiVersionsResponse(request.correlationId));
      return;
    }
    reply.fail(
      'unsupported_request',
      range === undefined
        ? `client sent unknown api key ${request.apiKey}; closing the connection`
        : `client sent api key ${request.apiKey} version ${request.apiVersion}, outside the supported ${range.min}-${range.max}; closing the connection`,
    );
  }

  sessionClosed(session: ClientSession): void {
    this.#next.sessionClosed(session);
  }
}
