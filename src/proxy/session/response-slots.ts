import { FifoQueue } from '../fifo-queue.ts';

/**
 * The responses a session owes its client, in the client's request order. Each request that
 * expects a response reserves a slot when it is read; the slot is filled whenever its response is
 * ready, in any order, and filled slots are released only from the head, so the client always
 * receives responses in the order it sent the requests, however many upstreams answered them.
 */
export interface ResponseSlot {
  /** The client's correlation id, written into the response on its way out. */
  readonly correlationId: number;
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The response frame (size prefix included), once ready; `null` means "no response, only close". */
  frame: Buffer | null | undefined;
  /** Close the connection once this slot (and every earlier one) has been written. */
  closeAfter: boolean;
}

export class ResponseSlots {
  readonly #slots = new FifoQueue<ResponseSlot>();

  get pending(): number {
    return this.#slots.length;
  }

  reserve(correlationId: number, apiKey: number, apiVersion: number): ResponseSlot {
    const slot: ResponseSlot = { correlationId, apiKey, apiVersion, frame: undefined, closeAfter: false };
    this.#slots.push(slot);
    return slot;
  }

  /**
   * Hands every releasable slot to `write`, oldest first, until an unfilled slot or a slot that
   * asks to close. Returns true when the connection must close now.
   */
  release(write: (slot: ResponseSlot, frame: Buffer) => void): boolean {
    for (let slot = this.#slots.peek(); slot !== undefined && slot.frame !== undefined; slot = this.#slots.peek()) {
      this.#slots.shift();
      if (slot.frame !== null) write(slot, slot.frame);
      if (slot.closeAfter) return true;
    }
    return false;
  }
}
