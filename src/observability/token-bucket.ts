// A token bucket: at most `burst` events at once, refilled at `perSecond`. Used to keep logs that
// scale with client behaviour (one line per connection) from flooding the output.

export interface TokenBucketOptions {
  readonly perSecond: number;
  readonly burst: number;
  /** Milliseconds on a monotonic clock; injected by tests. */
  readonly now?: () => number;
}

export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(options: TokenBucketOptions) {
    this.#perMs = options.perSecond / 1000;
    this.#burst = options.burst;
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = options.burst;
    this.#last = this.#now();
  }

  /** Takes one token if there is one; false means the event should be dropped. */
  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
