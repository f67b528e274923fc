/** Most connections have one or two requests in flight at a time. */
const INITIAL_CAPACITY = 4;

/**
 * The requests an upstream connection waits for, oldest first (Kafka answers a connection's
 * requests in order). A ring of parallel arrays rather than a queue of objects: once the ring has
 * grown to the connection's most requests in flight, sending and answering a request allocates
 * nothing.
 */
export class PendingRequests<H, C> {
  #correlationIds = new Int32Array(INITIAL_CAPACITY);
  #apiKeys = new Int16Array(INITIAL_CAPACITY);
  #apiVersions = new Int16Array(INITIAL_CAPACITY);
  #handlers: (H | undefined)[] = new Array(INITIAL_CAPACITY);
  #contexts: (C | undefined)[] = new Array(INITIAL_CAPACITY);
  /** Index of the oldest request; the capacity is a power of two, so indexes wrap with a mask. */
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(correlationId: number, apiKey: number, apiVersion: number, handler: H, context: C): void {
    if (this.#length === this.#correlationIds.length) this.#grow();
    const at = (this.#head + this.#length) & (this.#correlationIds.length - 1);
    this.#correlationIds[at] = correlationId;
    this.#apiKeys[at] = apiKey;
    this.#apiVersions[at] = apiVersion;
    this.#handlers[at] = handler;
    this.#contexts[at] = context;
    this.#length++;
  }

  /** The oldest request's correlation id; only when length > 0. */
  get headCorrelationId(): number {
    return this.#correlationIds[this.#head]!;
  }

  get headApiKey(): number {
    return this.#apiKeys[this.#head]!;
  }

  get headApiVersion(): number {
    return this.#apiVersions[this.#head]!;
  }

  get headHandler(): H {
    return this.#handlers[this.#head]!;
  }

  get headContext(): C {
    return this.#contexts[this.#head]!;
  }

  /** Forgets the oldest request (read it through the head accessors first). */
  shift(): void {
    const head = this.#head;
    this.#handlers[head] = undefined;
    this.#contexts[head] = undefined;
    this.#head = (head + 1) & (this.#correlationIds.length - 1);
    this.#length--;
  }

  #grow(): void {
    const capacity = this.#correlationIds.length;
    const correlationIds = new Int32Array(capacity * 2);
    const apiKeys = new Int16Array(capacity * 2);
    const apiVersions = new Int16Array(capacity * 2);
    const handlers: (H | undefined)[] = new Array(capacity * 2);
    const contexts: (C | undefined)[] = new Array(capacity * 2);
    for (let i = 0; i < this.#length; i++) {
      const from = (this.#head + i) & (capacity - 1);
      correlationIds[i] = this.#correlationIds[from]!;
      apiKeys[i] = this.#apiKeys[from]!;
      apiVersions[i] = this.#apiVersions[from]!;
      handlers[i] = this.#handlers[from];
      contexts[i] = this.#contexts[from];
    }
    this.#correlationIds = correlationIds;
    this.#apiKeys = apiKeys;
    this.#apiVersions = apiVersions;
    this.#handlers = handlers;
    this.#contexts = contexts;
    this.#head = 0;
  }
}
