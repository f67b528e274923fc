import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseSlots } from '../../../src/proxy/session/response-slots.ts';

const frame = (tag: number): Buffer => Buffer.from([tag]);

test('responses filled out of order are released in request order', () => {
  const slots = new ResponseSlots();
  const first = slots.reserve(1, 0, 9);
  const second = slots.reserve(2, 0, 9);
  const third = slots.reserve(3, 0, 9);
  const written: number[] = [];
  third.frame = frame(3);
  second.frame = frame(2);
  slots.release((_slot, f) => written.push(f[0]!));
  assert.equal(written.length, 0, 'nothing may pass an unanswered earlier request');
  first.frame = frame(1);
  slots.release((_slot, f) => written.push(f[0]!));
  assert.deepEqual(written, [1, 2, 3]);
  assert.equal(slots.pending, 0);
});

test('a slot that asks to close stops the release after it and reports the close', () => {
  const slots = new ResponseSlots();
  const first = slots.reserve(1, 0, 9);
  const second = slots.reserve(2, 0, 9);
  first.frame = frame(1);
  first.closeAfter = true;
  second.frame = frame(2);
  const written: number[] = [];
  assert.equal(
    slots.release((_slot, f) => written.push(f[0]!)),
    true,
  );
  assert.deepEqual(written, [1]);
});

test('a slot filled with null writes nothing but still releases later slots', () => {
  const slots = new ResponseSlots();
  const first = slots.reserve(1, 0, 9);
  const second = slots.reserve(2, 0, 9);
  first.frame = null;
  second.frame = frame(2);
  const written: number[] = [];
  slots.release((_slot, f) => written.push(f[0]!));
  assert.deepEqual(written, [2]);
});
