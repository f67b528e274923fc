import type { Reply, SessionCloseCause } from '../../pipeline/reply.ts';
import type { FrameRestSink } from '../../pipeline/request-message.ts';
import type { ResponseMessage } from '../../pipeline/response-message.ts';
import type { ResponseSlot } from './response-slots.ts';

/** What the replies of a session need from it. */
export interface SlotOwner {
  readonly id: string;
  readonly logger: { warn(message: string, fields?: Readonly<Record<string, unknown>>): void };
  fill(slot: ResponseSlot | undefined, frame: Buffer | null, closeWith?: SessionCloseCause): void;
  failAfter(cause: SessionCloseCause, message: string, slot?: ResponseSlot): void;
  /** Starts writing `slot`'s response before it has fully arrived, when the slot's turn has come. */
  streamResponse(slot: ResponseSlot, head: Buffer, frameLength: number): FrameRestSink | undefined;
}

/**
 * The reply of a client request that expects a response, and the response slot it fills: one
 * object per request, since both live exactly as long as the request.
 */
export class SlotReply implements Reply, ResponseSlot {
  readonly expectsResponse = true;
  readonly correlationId: number;
  readonly apiKey: number;
  readonly apiVersion: number;
  frame: Buffer | null | undefined = undefined;
  closeAfter = false;
  readonly #session: SlotOwner;

  constructor(session: SlotOwner, correlationId: number, apiKey: number, apiVersion: number) {
    this.#session = session;
    this.correlationId = correlationId;
    this.apiKey = apiKey;
    this.apiVersion = apiVersion;
  }

  respond(response: ResponseMessage | undefined, closeWith?: SessionCloseCause): void {
    if (response === undefined) {
      // The client waits for an answer that will never come: later responses would queue behind it.
      this.#session.failAfter(
        closeWith ?? 'router_failed',
        'no response was produced for a request that expects one; closing the connection',
        this,
      );
      return;
    }
    let frame: Buffer;
    try {
      frame = response.frameFor(this.correlationId);
    } catch (error) {
      this.#session.failAfter('internal_error', `cannot encode the response: ${(error as Error).message}`, this);
      return;
    }
    this.#session.fill(this, frame, closeWith);
  }

  respondFrame(frame: Buffer): void {
    frame.writeInt32BE(this.correlationId, 4);
    this.#session.fill(this, frame);
  }

  streamResponse(head: Buffer, frameLength: number): FrameRestSink | undefined {
    return this.#session.streamResponse(this, head, frameLength);
  }

  respondPieces(pieces: readonly Buffer[], frameLength: number): void {
    const sink = this.#session.streamResponse(this, pieces[0]!, frameLength);
    if (sink === undefined) {
      this.respondFrame(Buffer.concat(pieces, frameLength));
      return;
    }
    for (let i = 1; i < pieces.length; i++) sink.writeRest(pieces[i]!, i === pieces.length - 1);
  }

  fail(cause: SessionCloseCause, message: string): void {
    this.#session.failAfter(cause, message, this);
  }
}

/**
 * The reply of client requests that expect no response (one per session): a response offered
 * anyway is discarded.
 */
export class NoReply implements Reply {
  readonly expectsResponse = false;
  readonly #session: SlotOwner;

  constructor(session: SlotOwner) {
    this.#session = session;
  }

  respond(response: ResponseMessage | undefined, closeWith?: SessionCloseCause): void {
    if (response !== undefined) {
      this.#session.logger.warn('a response to a request that expects none was discarded', {
        sessionId: this.#session.id,
      });
    }
    if (closeWith)
      this.#session.failAfter(closeWith, 'closing the connection as asked after a request without response');
  }

  fail(cause: SessionCloseCause, message: string): void {
    this.#session.failAfter(cause, message);
  }
}
