import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SettleTimeoutError, settleWithin } from '../../../src/proxy/lifecycle/timeouts.ts';
import { gate, isSettled } from './fixtures.ts';

test('L46 (helper): a close() that does not settle within the limit is abandoned with the given message', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const never = gate();
  const bounded = settleWithin(
    never.promise,
    10_000,
    "router factory 'union' of virtual cluster 'orders' did not finish close() within 10s",
  );
  t.mock.timers.tick(9_999);
  assert.equal(await isSettled(bounded), false);
  t.mock.timers.tick(1);
  await assert.rejects(bounded, (error: unknown) => {
    assert.ok(error instanceof SettleTimeoutError);
    assert.equal(error.message, "router factory 'union' of virtual cluster 'orders' did not finish close() within 10s");
    return true;
  });
  never.reject(new Error('late failure'));
});

test('settleWithin passes results and errors through and clears its timer', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  assert.equal(await settleWithin(Promise.resolve(7), 60_000, 'x'), 7);
  await assert.rejects(settleWithin(Promise.reject(new Error('no')), 60_000, 'x'), /no/);
  assert.equal(timers(), before);
});
