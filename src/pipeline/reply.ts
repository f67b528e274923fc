import type { DisconnectCause } from '../observability/catalogue.ts';
import type { FrameRestSink } from './request-message.ts';
import type { ResponseMessage } from './response-message.ts';

/** Why a session ends: the counted disconnect causes, or the client's own close. */
export type SessionCloseCause = DisconnectCause | 'client_closed';

/**
 * How the answer to one request travels back. Whatever handles a request answers through its
 * Reply; a stage that must see the response wraps the Reply it was given, so every stage uses the
 * same path back, whether the request came from the client (its response slot) or from a plugin
 * (a promise).
 */
export interface Reply {
  /** False for requests that get no response (PRODUCE with acks=0). */
  readonly expectsResponse: boolean;
  /**
   * Delivers the response; `undefined` says "no response" (a router's respondWithoutReply()).
   * With `closeWith`, the connection closes once this response and every earlier one have been
   * written.
   */
  respond(response: ResponseMessage | undefined, closeWith?: SessionCloseCause): void;
  /**
   * The request failed on its path. For a client request: the connection closes after the
   * responses to earlier requests have been written. For a plugin's request: its promise rejects
   * with `error` (or an Error carrying `message`).
   */
  fail(cause: SessionCloseCause, message: string, error?: Error): void;
  /**
   * Optional fast path: delivers an upstream response frame, unchanged and still carrying the
   * upstream's correlation id, without a ResponseMessage. The cluster leaf uses it only for a
   * response that names no broker (checked on the bytes). A client's response slot writes it as it
   * is; a reply that looks only at broker addresses passes it on.
   */
  respondFrame?(frame: Buffer): void;
  /**
   * Optional: offered the head of a large upstream response (upstream correlation id) of
   * `frameLength` bytes that nothing on the way back looks at. Returns where the rest goes when the
   * response can be written to the client as it arrives, or undefined to get it whole.
   */
  streamResponse?(head: Buffer, frameLength: number): FrameRestSink | undefined;
  /**
   * Optional: delivers a large upstream response, whole, as the pieces it arrived in (views of
   * the reads, never copied together; the upstream's correlation id in the first), which names no
   * broker address. A client's response slot writes the pieces on (streamed when its turn has
   * come, joined otherwise); a reply that looks at responses may skim the pieces and pass them on.
   */
  respondPieces?(pieces: readonly Buffer[], frameLength: number): void;
}
