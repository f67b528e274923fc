import type { Reply } from '../../pipeline/reply.ts';
import type { NodeRef, RequestMessage } from '../../pipeline/request-message.ts';
import { ResponseMessage } from '../../pipeline/response-message.ts';
import type { SessionHandle, SessionStage, Stage } from '../../pipeline/stage.ts';
import { API_VERSIONS, supportedVersionRange, unsupportedApiVersionsBody } from '../response/codec.ts';

/**
 * The proxy core's check before anything else sees a request: it must be of an API key and version
 * Switchyard can handle, because every response may have to be decoded on its way back.
 * API_VERSIONS newer than Switchyard knows gets the KIP-511 answer (UNSUPPORTED_VERSION with
 * Switchyard's own range, at v0), so the client retries with a version both understand; anything
 * else unsupported closes the connection, as a broker does.
 */
export class VersionGate implements Stage {
  readonly #next: Stage;

  constructor(next: Stage) {
    this.#next = next;
  }

  open(session: SessionHandle): SessionStage {
    const next = this.#next.open(session);
    return {
      dispatch(message: RequestMessage, reply: Reply): void {
        const range = supportedVersionRange(message.apiKey);
        if (range !== undefined && message.apiVersion >= range.min && message.apiVersion <= range.max) {
          next.dispatch(message, reply);
          return;
        }
        if (message.apiKey === API_VERSIONS && message.apiVersion > (range?.max ?? 0)) {
          reply.respond(ResponseMessage.fromBody(API_VERSIONS, 0, unsupportedApiVersionsBody()));
          return;
        }
        reply.fail(
          'unsupported_request',
          range === undefined
            ? `client sent unknown api key ${message.apiKey}; closing the connection`
            : `client sent api key ${message.apiKey} version ${message.apiVersion}, outside the supported ${range.min}-${range.max}; closing the connection`,
        );
      },
      streams(message: RequestMessage, node: NodeRef): boolean {
        const range = supportedVersionRange(message.apiKey);
        return (
          range !== undefined &&
          message.apiVersion >= range.min &&
          message.apiVersion <= range.max &&
          next.streams?.(message, node) === true
        );
      },
      close: () => next.close(),
    };
  }
}
