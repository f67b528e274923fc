import type { ClientSession, SessionCloseCause } from './client-session.ts';
import type { ResponseSlot } from './response-slots.ts';

/**
 * How the answer to one client request travels back. Whatever handles a request (the route graph,
 * a filter chain in front of it) answers through its Reply; a stage that must see the response
 * wraps the Reply it was given, so every stage uses the same path back to the client.
 */
export interface Reply {
  /** False for requests that get no response (PRODUCE with acks=0). */
  readonly expectsResponse: boolean;
  /**
   * Delivers the response: a whole frame (size prefix included) whose correlation id is replaced
   * by the client's. With `closeWith`, the connection closes once this response and every earlier
   * one have been written.
   */
  respond(frame: Buffer, closeWith?: SessionCloseCause): void;
  /** Closes the connection after the responses to earlier requests have been written. */
  fail(cause: SessionCloseCause, message: string): void;
}

/** The reply of a request that holds a response slot. */
export class SlotReply implements Reply {
  readonly expectsResponse = true;
  readonly #session: ClientSession;
  readonly #slot: ResponseSlot;

  constructor(session: ClientSession, slot: ResponseSlot) {
    this.#session = session;
    this.#slot = slot;
  }

  respond(frame: Buffer, closeWith?: SessionCloseCause): void {
    this.#session.respond(this.#slot, frame, closeWith);
  }

  fail(cause: SessionCloseCause, message: string): void {
    this.#session.failAfter(this.#slot, cause, message);
  }
}

/** The reply of a request that expects no response: a response offered anyway is discarded. */
export class NoReply implements Reply {
  readonly expectsResponse = false;
  readonly #session: ClientSession;

  constructor(session: ClientSession) {
    this.#session = session;
  }

  respond(_frame: Buffer, closeWith?: SessionCloseCause): void {
    this.#session.logger.warn('a response to a request that expects none was discarded', {
      sessionId: this.#session.id,
    });
    if (closeWith)
      this.#session.failAfter(undefined, closeWith, 'closing the connection as asked after a request without response');
  }

  fail(cause: SessionCloseCause, message: string): void {
    this.#session.failAfter(undefined, cause, message);
  }
}
