// Warnings that a client can cause at will: a flood of bad connections must not become a flood of
// log lines (disk, CPU, and the operator's attention). A token bucket lets the first lines pass,
// then a steady trickle; the others go to debug level, and the next line that passes says how many
// were held back.

import type { LogFields, Logger } from './logger.ts';
import { TokenBucket, type TokenBucketOptions } from './token-bucket.ts';

export interface RateLimiterOptions extends TokenBucketOptions {
  /** Counts every line held back (for a metric). */
  readonly onSuppressed?: () => void;
}

export class RateLimiter {
  readonly #bucket: TokenBucket;
  readonly #onSuppressed: (() => void) | undefined;
  #suppressed = 0;

  constructor(options: RateLimiterOptions) {
    this.#bucket = new TokenBucket(options);
    this.#onSuppressed = options.onSuppressed;
  }

  /**
   * Whether one more line may pass now. When it may, returns the number of lines held back since
   * the last one that passed (0 or more); when it may not, returns undefined.
   */
  take(): number | undefined {
    if (!this.#bucket.take()) {
      this.#suppressed++;
      this.#onSuppressed?.();
      return undefined;
    }
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    return suppressed;
  }

  /** Logs `message` as a warning if the limiter lets it pass, and at debug level otherwise. */
  warn(logger: Logger, message: string, fields: LogFields = {}): void {
    const suppressed = this.take();
    if (suppressed === undefined) logger.debug(message, fields);
    else if (suppressed === 0) logger.warn(message, fields);
    else logger.warn(message, { ...fields, suppressedSimilar: suppressed });
  }
}
