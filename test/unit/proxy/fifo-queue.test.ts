import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FifoQueue } from '../../../src/proxy/fifo-queue.ts';

test('the queue returns items first in, first out across compactions', () => {
  const queue = new FifoQueue<number>();
  const out: number[] = [];
  for (let i = 0; i < 5000; i++) {
    queue.push(i);
    if (i % 3 === 2) out.push(queue.shift()!, queue.shift()!);
  }
  while (queue.length > 0) out.push(queue.shift()!);
  assert.deepEqual(
    out,
    Array.from({ length: 5000 }, (_, i) => i),
  );
  assert.equal(queue.shift(), undefined);
});

test('drainAll returns what is queued, oldest first, and empties the queue', () => {
  const queue = new FifoQueue<string>();
  queue.push('a');
  queue.push('b');
  queue.push('c');
  queue.shift();
  assert.deepEqual(queue.drainAll(), ['b', 'c']);
  assert.equal(queue.length, 0);
});
