import type { Reply, SessionCloseCause } from '../../pipeline/reply.ts';
import type { ResponseMessage } from '../../pipeline/response-message.ts';
import type { ResponseSlot } from './response-slots.ts';

/** What the replies of a session need from it. */
export interface SlotOwner {
  readonly id: string;
  readonly logger: { warn(message: string, fields?: Readonly<Record<string, unknown>>): void };
  fill(slot: ResponseSlot | undefined, frame: Buffer | null, closeWith?: SessionCloseCause): void;
  failAfter(cause: SessionCloseCause, message: string, slot?: ResponseSlot): void;
}

/** The reply of a client request that holds a response slot. */
export class SlotReply implements Reply {
  readonly expectsResponse = true;
  readonly #session: SlotOwner;
  readonly #slot: ResponseSlot;

  constructor(session: SlotOwner, slot: ResponseSlot) {
    this.#session = session;
    this.#slot = slot;
  }

  respond(response: ResponseMessage | undefined, closeWith?: SessionCloseCause): void {
    if (response === undefined) {
      // The client waits for an answer that will never come: later responses would queue behind it.
      this.#session.failAfter(
        closeWith ?? 'router_failed',
        'no response was produced for a request that expects one; closing the connection',
        this.#slot,
      );
      return;
    }
    let frame: Buffer;
    try {
      frame = response.frameFor(this.#slot.correlationId);
    } catch (error) {
      this.#session.failAfter('internal_error', `cannot encode the response: ${(error as Error).message}`, this.#slot);
      return;
    }
    this.#session.fill(this.#slot, frame, closeWith);
  }

  fail(cause: SessionCloseCause, message: string): void {
    this.#session.failAfter(cause, message, this.#slot);
  }
}

/** The reply of a client request that expects no response: a response offered anyway is discarded. */
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
