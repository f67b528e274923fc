import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ResponseSlot, ResponseSlots, STREAMED } from '../../../src/proxy/session/response-slots.ts';

const frame = (tag: number): Buffer => Buffer.from([tag]);

function reserve(slots: ResponseSlots, correlationId: number): ResponseSlot {
  const slot: ResponseSlot = { correlationId, apiKey: 0, apiVersion: 9, frame: undefined, closeAfter: false };
  slots.add(slot);
  return slot;
}

test('responses filled out of order are released in request order', () => {
  const slots = new ResponseSlots();
  const first = reserve(slots, 1);
  const second = reserve(slots, 2);
  const third = reserve(slots, 3);
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
  const first = reserve(slots, 1);
  const second = reserve(slots, 2);
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
  const first = reserve(slots, 1);
  const second = reserve(slots, 2);
  first.frame = null;
  second.frame = frame(2);
  const written: number[] = [];
  slots.release((_slot, f) => written.push(f[0]!));
  assert.deepEqual(written, [2]);
});

test('a slot whose response was streamed writes nothing more but still releases later slots', () => {
  const slots = new ResponseSlots();
  const first = reserve(slots, 1);
  const second = reserve(slots, 2);
  assert.equal(slots.head, first);
  first.frame = STREAMED;
  second.frame = frame(2);
  const written: number[] = [];
  slots.release((_slot, f) => written.push(f[0]!));
  assert.deepEqual(written, [2]);
  assert.equal(slots.head, undefined);
});
