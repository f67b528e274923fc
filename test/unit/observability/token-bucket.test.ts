import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../../../src/observability/token-bucket.ts';

test('a token bucket allows its burst at once, then refills at its rate, never above the burst', () => {
  let now = 0;
  const bucket = new TokenBucket({ perSecond: 10, burst: 3, now: () => now });
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
  now += 100; // one token
  assert.deepEqual([bucket.take(), bucket.take()], [true, false]);
  now += 60_000; // refilled, but only up to the burst
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
});
