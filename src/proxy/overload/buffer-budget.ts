/** What the budget can do to one session that holds buffered bytes. */
export interface BudgetHolder {
  /** Stop reading from the client: it sends no new request until resumed. */
  pause(): void;
  resume(): void;
  /** Close the session; it then releases its account. */
  closeForBudget(): void;
}

/** One session's share of the budget; changed only through BufferBudget.charge. */
export class BudgetAccount {
  held = 0;
  paused = false;
  /** Closed accounts are charged nothing more: a session may still be answered after it closed. */
  closed = false;
  /**
   * performance.now() when the client last showed that it reads: it sent a request after bytes
   * had been written to it. Never, for a client that only sent requests.
   */
  progressedAt = Number.NEGATIVE_INFINITY;
  readonly holder: BudgetHolder;

  constructor(holder: BudgetHolder) {
    this.holder = holder;
  }
}

export interface BufferBudgetEvents {
  /** Sessions were paused; `largest` is the most one of them held. */
  onPaused(accounts: readonly BudgetAccount[], total: number): void;
  /** Sessions were closed after the grace period. */
  onClosed(accounts: readonly { readonly held: number }[], total: number): void;
}

/** Paused sessions resume once the total falls to this fraction of the budget. */
const RESUME_FRACTION = 0.9;
/**
 * Above this multiple of the budget the largest sessions are closed at once, without grace: while
 * paused sessions wait out their grace period, new sessions can still fill buffers (their requests
 * were already sent), and the budget must stay a bound, not a wish.
 */
const CEILING_FACTOR = 2;

/**
 * A budget of bytes that all client sessions of a process may hold in buffers, in the manner of
 * Envoy's overload manager. Sessions report what they hold at frame boundaries (`charge`), which
 * costs an addition and a comparison. When the total goes over the budget, the sessions holding
 * the most are paused (reading from their clients stops, so they take no new requests) until what
 * they hold would bring the total back to 90% of the budget. If the total is still over 90% after
 * the grace period, the sessions holding the most are closed, largest first, until it is not. Once
 * the total is at or below 90%, every paused session resumes. Above twice the budget, the largest
 * are closed at once.
 */
export class BufferBudget {
  readonly #limit: number;
  readonly #ceiling: number;
  readonly #resumeBelow: number;
  readonly #graceMs: number;
  readonly #events: BufferBudgetEvents;
  readonly #accounts = new Set<BudgetAccount>();
  readonly #paused = new Set<BudgetAccount>();
  #total = 0;
  #checkScheduled = false;
  #ceilingCheckScheduled = false;
  #grace: NodeJS.Timeout | undefined;

  constructor(options: { limit: number; gracePeriodMs: number; events: BufferBudgetEvents }) {
    this.#limit = options.limit;
    this.#ceiling = options.limit * CEILING_FACTOR;
    this.#resumeBelow = Math.floor(options.limit * RESUME_FRACTION);
    this.#graceMs = options.gracePeriodMs;
    this.#events = options.events;
  }

  get total(): number {
    return this.#total;
  }

  get pausedSessions(): number {
    return this.#paused.size;
  }

  open(holder: BudgetHolder): BudgetAccount {
    const account = new BudgetAccount(holder);
    this.#accounts.add(account);
    return account;
  }

  /** Adds `delta` (negative to give back) to what `account` holds. */
  charge(account: BudgetAccount, delta: number): void {
    if (account.closed) return;
    account.held += delta;
    this.#total += delta;
    this.#scheduleCheck();
  }

  /** The session ended: what it held is no longer held. */
  close(account: BudgetAccount): void {
    if (account.closed) return;
    account.closed = true;
    this.#accounts.delete(account);
    this.#paused.delete(account);
    this.#total -= account.held;
    account.held = 0;
    this.#scheduleCheck();
  }

  #scheduleCheck(): void {
    if (this.#total > this.#ceiling) {
      // Twice over: decided as soon as the current callback ends, not after every other callback
      // of this turn of the event loop has added its share (thousands of sockets may be ready).
      if (!this.#ceilingCheckScheduled) {
        this.#ceilingCheckScheduled = true;
        queueMicrotask(this.#ceilingCheck);
      }
      return;
    }
    if (this.#checkScheduled) return;
    if (this.#total > this.#limit || (this.#paused.size > 0 && this.#total <= this.#resumeBelow)) {
      // Decided once per turn of the event loop, not once per frame.
      this.#checkScheduled = true;
      setImmediate(this.#check);
    }
  }

  readonly #ceilingCheck = (): void => {
    this.#ceilingCheckScheduled = false;
    if (this.#total > this.#ceiling) this.#closeLargest();
    this.#scheduleCheck();
  };

  /** Stops the grace timer (the proxy is stopping). */
  dispose(): void {
    clearTimeout(this.#grace);
    this.#grace = undefined;
  }

  readonly #check = (): void => {
    this.#checkScheduled = false;
    if (this.#total <= this.#resumeBelow) {
      this.#resumeAll();
      return;
    }
    if (this.#total <= this.#limit) return;
    if (this.#total > this.#ceiling) this.#closeLargest();
    const paused = this.#pauseLargest();
    if (paused.length > 0) this.#events.onPaused(paused, this.#total);
    this.#grace ??= setTimeout(this.#graceOver, this.#graceMs).unref();
  };

  readonly #graceOver = (): void => {
    this.#grace = undefined;
    if (this.#total > this.#resumeBelow) this.#closeLargest();
    if (this.#total <= this.#resumeBelow) this.#resumeAll();
    else if (this.#total > this.#limit) this.#check();
  };

  /**
   * Closes the sessions holding the most, paused or not, until the total is back to 90% of the
   * budget: sessions that arrived during the grace period and hold more are no better, and a small
   * paused one must not pay for them. Sessions whose client has not shown that it reads within the
   * grace period go first: a client that reads is slow at worst, one that does not is what the
   * budget is for.
   */
  #closeLargest(): void {
    const closed: { held: number }[] = [];
    const victims = this.#byVictimOrder([...this.#accounts]);
    for (const account of victims) {
      if (this.#total <= this.#resumeBelow) break;
      closed.push({ held: account.held });
      account.holder.closeForBudget();
      // A holder that did not release on close still must not be picked again.
      this.close(account);
    }
    if (closed.length > 0) this.#events.onClosed(closed, this.#total);
  }

  /**
   * Pauses the largest holders not yet paused until the paused ones hold the excess. A session
   * whose client reads is not paused: it holds at most its last answer until it asks again, and a
   * pause would only stall it until the grace period ends; if the others do not cover the
   * excess, the grace period closes them.
   */
  #pauseLargest(): BudgetAccount[] {
    let excess = this.#total - this.#resumeBelow;
    for (const account of this.#paused) excess -= account.held;
    if (excess <= 0) return [];
    const readSince = performance.now() - this.#graceMs;
    const candidates = [...this.#accounts]
      .filter((a) => !a.paused && a.held > 0 && a.progressedAt < readSince)
      .sort(byHeldDescending);
    const paused: BudgetAccount[] = [];
    for (const account of candidates) {
      if (excess <= 0) break;
      account.paused = true;
      this.#paused.add(account);
      account.holder.pause();
      paused.push(account);
      excess -= account.held;
    }
    return paused;
  }

  /** Sessions whose client has not read within the grace period first, then the largest first. */
  #byVictimOrder(accounts: BudgetAccount[]): BudgetAccount[] {
    const readSince = performance.now() - this.#graceMs;
    const reading = (a: BudgetAccount): number => (a.progressedAt >= readSince ? 1 : 0);
    return accounts.sort((a, b) => reading(a) - reading(b) || byHeldDescending(a, b));
  }

  #resumeAll(): void {
    clearTimeout(this.#grace);
    this.#grace = undefined;
    for (const account of this.#paused) {
      account.paused = false;
      account.holder.resume();
    }
    this.#paused.clear();
  }
}

function byHeldDescending(a: BudgetAccount, b: BudgetAccount): number {
  return b.held - a.held;
}
