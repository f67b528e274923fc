import type { LogFields, Logger } from '../../observability/logger.ts';
import type { RateLimiter } from '../../observability/rate-limit.ts';
import type { BudgetAccount, BudgetHolder, BufferBudget } from './buffer-budget.ts';

/** What a guard needs of its session (kept apart from ClientSession to avoid an import cycle). */
export interface GuardedSession {
  readonly id: string;
  readonly logger: Logger;
  readonly authenticated: boolean;
  close(cause: 'request_timeout' | 'buffer_budget'): void;
  /** Pauses or resumes reading from the client for the buffer budget. */
  setOverloadPaused(paused: boolean): void;
}

/** What a guard reports to the process-wide overload state. */
export interface GuardOwner {
  readonly budget: BufferBudget;
  readonly requestReadTimeoutMs: number;
  readonly unauthenticatedWarnings: RateLimiter;
  /** A request started arriving (true) or finished (false): watch it against the read timeout. */
  watchPartial(guard: SessionGuard, partial: boolean): void;
  /** The session was paused by the budget. */
  onPaused(guard: SessionGuard): void;
  /** The session ended; release its connection slot. */
  onReleased(guard: SessionGuard): void;
}

/**
 * One session's part in the overload limits: what it holds against the buffer budget, the deadline
 * of the request it is reading, and rate-limited warnings while the client is unauthenticated.
 * The session reports at frame boundaries only: after each chunk read (the bytes of a request not
 * yet complete), when a response is stored or written, and when a request arrives.
 *
 * Bytes written to the client socket stay counted until the client sends another request: until
 * then they are held by the socket's buffer or by the kernel's, and the kernel's are no smaller.
 * A client that never reads lets the kernel take several megabytes per connection (the send
 * buffer grows to net.ipv4.tcp_wmem's maximum, and Node cannot bound it per socket); thousands of
 * them exhaust the kernel's TCP memory, which slows every connection of the machine. A client's
 * next request is the only sign the proxy gets that it read what it was sent.
 */
export class SessionGuard implements BudgetHolder {
  readonly virtualCluster: string;
  readonly gateway: object;
  readonly clientAddress: string;
  readonly #owner: GuardOwner;
  readonly #account: BudgetAccount;
  #session: GuardedSession | undefined;
  /** Bytes of the request being read (what was last reported). */
  #partialBytes = 0;
  /** Bytes written to the client since its last request (in the socket's buffer or the kernel's). */
  #sentBytes = 0;
  /** performance.now() when the request being read started; 0 when none is. */
  partialSince = 0;
  #released = false;
  #readingPaused = false;

  constructor(owner: GuardOwner, virtualCluster: string, gateway: object, clientAddress: string) {
    this.#owner = owner;
    this.virtualCluster = virtualCluster;
    this.gateway = gateway;
    this.clientAddress = clientAddress;
    this.#account = owner.budget.open(this);
  }

  attach(session: GuardedSession): void {
    this.#session = session;
  }

  /** After a chunk was split: `partialBytes` are held for a request not complete yet. */
  afterRead(partialBytes: number): void {
    // A frame just read may have closed the session (and released this guard) already.
    if (this.#released) return;
    if (partialBytes !== this.#partialBytes) {
      this.#owner.budget.charge(this.#account, partialBytes - this.#partialBytes);
      this.#partialBytes = partialBytes;
    }
    this.#watchDeadline(partialBytes > 0 && !this.#readingPaused);
  }

  /**
   * The session stopped (or resumed) reading from its client. A client cannot finish a request
   * the proxy does not read, so the deadline stops and starts afresh on resume.
   */
  readingPaused(paused: boolean): void {
    if (this.#released) return;
    this.#readingPaused = paused;
    this.#watchDeadline(this.#partialBytes > 0 && !paused);
  }

  #watchDeadline(watch: boolean): void {
    if (watch === (this.partialSince !== 0)) return;
    this.partialSince = watch ? performance.now() : 0;
    this.#owner.watchPartial(this, watch);
  }

  /** A response of `bytes` was stored until it can be written. */
  slotBytes(bytes: number): void {
    this.#owner.budget.charge(this.#account, bytes);
  }

  /** A stored response of `bytes` was written to the client: still held, now by the socket. */
  slotWritten(bytes: number): void {
    this.#sentBytes += bytes;
  }

  /** Bytes held for upstream responses not complete yet changed by `delta`. */
  upstreamBytes(delta: number): void {
    this.#owner.budget.charge(this.#account, delta);
  }

  /** `bytes` of a streamed response were written to the client. */
  wroteToClient(bytes: number): void {
    this.#sentBytes += bytes;
    this.#owner.budget.charge(this.#account, bytes);
  }

  /**
   * The client sent a request: what was written to it before has left the kernel, except the
   * `unsent` bytes still in the socket's own buffer. Only a request that follows written bytes
   * shows that the client reads; requests sent back to back show nothing.
   */
  requestRead(unsent: number): void {
    if (this.#sentBytes === 0 || this.#released) return;
    const stillHeld = Math.min(unsent, this.#sentBytes);
    if (stillHeld < this.#sentBytes) this.#account.progressedAt = performance.now();
    this.#owner.budget.charge(this.#account, stillHeld - this.#sentBytes);
    this.#sentBytes = stillHeld;
  }

  /**
   * Logs a warning the client caused: always once the client has authenticated, rate-limited
   * (the rest at debug level) before, so a flood of bad connections is not a flood of log lines.
   */
  warn(message: string, fields: LogFields): void {
    const session = this.#session;
    if (session === undefined) return;
    if (session.authenticated) session.logger.warn(message, fields);
    else this.#owner.unauthenticatedWarnings.warn(session.logger, message, fields);
  }

  /** The request being read has not completed within the read timeout. */
  readTimedOut(): void {
    const session = this.#session;
    if (session === undefined) return;
    this.warn('client did not complete a request within the request read timeout; closing the connection', {
      sessionId: session.id,
      requestReadTimeoutMs: this.#owner.requestReadTimeoutMs,
      bytesReceived: this.#partialBytes,
    });
    session.close('request_timeout');
  }

  pause(): void {
    this.#session?.setOverloadPaused(true);
    this.#owner.onPaused(this);
  }

  resume(): void {
    this.#session?.setOverloadPaused(false);
  }

  closeForBudget(): void {
    this.#session?.close('buffer_budget');
  }

  /** The session closed: everything it held is given back. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#watchDeadline(false);
    this.#owner.budget.close(this.#account);
    this.#owner.onReleased(this);
  }
}
