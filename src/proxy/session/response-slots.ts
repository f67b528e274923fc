import { FifoQueue } from '../fifo-queue.ts';

/**
 * The responses a session owes its client, in the client's request order. Each request that
 * expects a response adds a slot when it is read; the slot is filled whenever its response is
 * ready, in any order, and filled slots are released only from the head, so the client always
 * receives responses in the order it sent the requests, however many upstreams answered them.
 */
export interface ResponseSlot {
  /** The client's correlation id, written into the response on its way out. */
  readonly correlationId: number;
  readonly apiKey: number;
  readonly apiVersion: number;
  /**
   * The response frame (size prefix included), once ready; `null` means "no response, only close";
   * STREAMED means the response was already written to the client piece by piece.
   */
  frame: Buffer | null | undefined;
  /** Close the connection once this slot (and every earlier one) has been written. */
  closeAfter: boolean;
}

/** The frame of a slot whose response went to the client as it arrived (nothing left to write). */
export const STREAMED: Buffer = Buffer.alloc(0);

export class ResponseSlots {
  readonly #slots = new FifoQueue<ResponseSlot>();

  get pending(): number {
    return this.#slots.length;
  }

  /** The oldest slot not released yet: the only one whose response may be written now. */
  get head(): ResponseSlot | undefined {
    return this.#slots.peek();
  }

  add(slot: ResponseSlot): void {
    this.#slots.push(slot);
  }

  /**
   * Hands every releasable slot to `write`, oldest first, until an unfilled slot or a slot that
   * asks to close. Returns true when the connection must close now.
   */
  release(write: (slot: ResponseSlot, frame: Buffer) => void): boolean {
    for (let slot = this.#slots.peek(); slot !== undefined && slot.frame !== undefined; slot = this.#slots.peek()) {
      this.#slots.shift();
      if (slot.frame !== null && slot.frame !== STREAMED) write(slot, slot.frame);
      if (slot.closeAfter) return true;
    }
    return false;
  }
}
