// The overload building blocks on their own: the buffer budget's choice of sessions, the
// connection caps, the discovery throttle and the warning rate limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../../../src/observability/rate-limit.ts';
import { type BudgetAccount, type BudgetHolder, BufferBudget } from '../../../src/proxy/overload/buffer-budget.ts';
import { ConnectionLimits, clientAddressKey } from '../../../src/proxy/overload/connection-limits.ts';
import { DISCOVERY_REUSE_MS, DiscoveryThrottle } from '../../../src/proxy/overload/discovery-throttle.ts';
import { type GuardOwner, SessionGuard } from '../../../src/proxy/overload/session-guard.ts';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

class Holder implements BudgetHolder {
  state: 'reading' | 'paused' | 'closed' = 'reading';
  account!: BudgetAccount;
  readonly #budget: BufferBudget;
  constructor(budget: BufferBudget) {
    this.#budget = budget;
  }
  pause(): void {
    this.state = 'paused';
  }
  resume(): void {
    this.state = 'reading';
  }
  closeForBudget(): void {
    this.state = 'closed';
    this.#budget.close(this.account);
  }
}

function budgetWith(limit: number, gracePeriodMs: number) {
  const events: string[] = [];
  const budget = new BufferBudget({
    limit,
    gracePeriodMs,
    events: {
      onPaused: (accounts) => events.push(`paused ${accounts.length}`),
      onClosed: (accounts) => events.push(`closed ${accounts.length}`),
    },
  });
  const holder = (held: number): Holder => {
    const h = new Holder(budget);
    h.account = budget.open(h);
    budget.charge(h.account, held);
    return h;
  };
  return { budget, holder, events };
}

test('over budget, the sessions holding the most are paused, and all resume once the total is low again', async () => {
  const { budget, holder } = budgetWith(1000, 60_000);
  const small = holder(100);
  const large = holder(500);
  const medium = holder(300);
  assert.equal(budget.total, 900);
  budget.charge(medium.account, 200); // 1100: over by 200, 300 above the 90% mark
  await turn();
  assert.deepEqual([small.state, large.state, medium.state], ['reading', 'paused', 'reading']);
  budget.charge(large.account, -400); // 700: under 90%
  await turn();
  assert.deepEqual([small.state, large.state, medium.state], ['reading', 'reading', 'reading']);
  budget.dispose();
});

test('still over after the grace period, the largest sessions are closed until the total is at 90%', async () => {
  const { budget, holder, events } = budgetWith(1000, 10);
  const a = holder(600);
  const b = holder(300);
  const c = holder(200);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual([a.state, b.state, c.state], ['closed', 'reading', 'reading']);
  assert.equal(budget.total, 500);
  assert.deepEqual(events, ['paused 1', 'closed 1']);
});

test('above twice the budget the largest sessions are closed without waiting for the grace period', async () => {
  const { budget, holder } = budgetWith(1000, 60_000);
  const a = holder(1500);
  const b = holder(700);
  await turn();
  assert.deepEqual([a.state, b.state], ['closed', 'reading']);
  assert.equal(budget.total, 700);
  budget.dispose();
});

test('a session whose client reads is closed after those whose clients do not, even if it holds more', async () => {
  const { budget, holder } = budgetWith(1000, 60_000);
  const reader = holder(800);
  reader.account.progressedAt = performance.now();
  const stuck = [holder(700), holder(600)];
  await turn(); // 2100: twice over, closed at once down to 90%
  assert.deepEqual([reader.state, ...stuck.map((h) => h.state)], ['reading', 'closed', 'closed']);
  budget.dispose();
});

test('over budget, a session whose client reads is not paused, however much it holds', async () => {
  const { budget, holder } = budgetWith(1000, 60_000);
  const reader = holder(700);
  reader.account.progressedAt = performance.now();
  const stuck = holder(400); // 1100: over by 100, 200 above the 90% mark
  await turn();
  assert.deepEqual([reader.state, stuck.state], ['reading', 'paused']);
  budget.dispose();
});

test('a closed account is charged nothing more', () => {
  const { budget, holder } = budgetWith(1000, 60_000);
  const a = holder(100);
  budget.close(a.account);
  budget.charge(a.account, 500);
  assert.equal(budget.total, 0);
});

test('connection caps count per gateway and per address, and released places are reused', () => {
  const limits = new ConnectionLimits({ maxConnectionsPerGateway: 2, maxConnectionsPerClientAddress: 3 });
  const g1 = {};
  const g2 = {};
  assert.equal(limits.admit(g1, 'a'), undefined);
  assert.equal(limits.admit(g1, 'b'), undefined);
  assert.equal(limits.admit(g1, 'c'), 'gateway_limit');
  assert.equal(limits.admit(g2, 'a'), undefined);
  assert.equal(limits.admit(g2, 'a'), undefined);
  assert.equal(limits.admit(g2, 'a'), 'gateway_limit');
  limits.release(g2, 'a');
  assert.equal(limits.admit(g2, 'a'), undefined);
  assert.equal(limits.admit({}, 'a'), 'address_limit');
  assert.equal(limits.admit({}, 'd'), undefined);
  assert.equal(clientAddressKey('::ffff:10.1.2.3'), '10.1.2.3');
});

test('one answered discovery serves every session of the reuse window; an unanswered one serves none', async () => {
  let now = 0;
  let answer = true;
  let queried = 0;
  const results: string[] = [];
  const throttle = new DiscoveryThrottle(
    (result) => results.push(result),
    () => now,
  );
  const discover = async (): Promise<boolean> => {
    queried++;
    return answer;
  };
  await Promise.all([1, 2, 3].map(() => throttle.run(discover)));
  await throttle.run(discover);
  assert.equal(queried, 1);
  now += DISCOVERY_REUSE_MS;
  answer = false; // say the cluster refused a client that has not authenticated
  await throttle.run(discover);
  await throttle.run(discover);
  assert.equal(queried, 3);
  assert.deepEqual(results, ['queried', 'cached', 'cached', 'cached', 'queried', 'queried']);
});

test('the rate limiter lets a burst pass, then one per interval, and counts what it held back', () => {
  let now = 0;
  let suppressedCount = 0;
  const limiter = new RateLimiter({
    burst: 2,
    perSecond: 1,
    onSuppressed: () => suppressedCount++,
    now: () => now,
  });
  assert.deepEqual([limiter.take(), limiter.take(), limiter.take(), limiter.take()], [0, 0, undefined, undefined]);
  now += 1000;
  assert.deepEqual([limiter.take(), limiter.take()], [2, undefined]);
  assert.equal(suppressedCount, 3);
});

test('the request read deadline runs only while a request is incomplete and the proxy is reading', () => {
  const watched: boolean[] = [];
  const budget = new BufferBudget({ limit: 1e9, gracePeriodMs: 1000, events: { onPaused() {}, onClosed() {} } });
  const owner: GuardOwner = {
    budget,
    requestReadTimeoutMs: 1000,
    unauthenticatedWarnings: new RateLimiter({ burst: 1, perSecond: 1 }),
    watchPartial: (_guard, partial) => watched.push(partial),
    onPaused() {},
    onReleased() {},
  };
  const guard = new SessionGuard(owner, 'vc', {}, '127.0.0.1');
  guard.afterRead(0);
  guard.afterRead(10); // a request started
  guard.afterRead(20); // still the same request
  assert.equal(budget.total, 20);
  guard.readingPaused(true); // the client cannot finish what the proxy does not read
  guard.readingPaused(false);
  guard.afterRead(0); // complete
  guard.afterRead(5);
  guard.release();
  assert.deepEqual(watched, [true, false, true, false, true, false]);
  assert.equal(budget.total, 0);
});

test('bytes written to a client stay counted until its next request, which shows that it reads', () => {
  const budget = new BufferBudget({ limit: 1e9, gracePeriodMs: 1000, events: { onPaused() {}, onClosed() {} } });
  const owner: GuardOwner = {
    budget,
    requestReadTimeoutMs: 1000,
    unauthenticatedWarnings: new RateLimiter({ burst: 1, perSecond: 1 }),
    watchPartial() {},
    onPaused() {},
    onReleased() {},
  };
  const guard = new SessionGuard(owner, 'vc', {}, '127.0.0.1');
  guard.requestRead(0); // requests sent back to back show nothing
  guard.requestRead(0);
  guard.slotBytes(1000); // a response stored, then written: held by the socket or the kernel
  guard.slotWritten(1000);
  guard.wroteToClient(500); // and a streamed one
  assert.equal(budget.total, 1500);
  guard.requestRead(200); // the client asked again: all but what the socket still holds was taken
  assert.equal(budget.total, 200);
  guard.release();
  assert.equal(budget.total, 0);
});
