// Bounded waits that leave no timer behind, so that a stopped proxy holds no handle (L29).

/** Rejected when a wait did not settle in time; `message` is the caller's. */
export class SettleTimeoutError extends Error {
  override readonly name = 'SettleTimeoutError';
}

/**
 * Waits for `work` at most `ms` milliseconds. On timeout the work is abandoned (its later
 * rejection is swallowed, because nobody is waiting for it any more) and the returned promise
 * rejects with SettleTimeoutError(`timeoutMessage`). The timer is cleared either way.
 */
export function settleWithin<T>(work: Promise<T>, ms: number, timeoutMessage: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      work.catch(() => {});
      reject(new SettleTimeoutError(timeoutMessage));
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Factory close() calls are abandoned after this long (lifecycle.md §8.2). */
export const FACTORY_CLOSE_TIMEOUT_MS = 10_000;
