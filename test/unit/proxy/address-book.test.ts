import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressBook } from '../../../src/proxy/address/address-book.ts';

test('the address book finds the node recorded at a host and port, host names compared case-insensitively', () => {
  const book = new AddressBook();
  book.record(1, { host: 'Kafka-1.internal', port: 9092 });
  book.record(2, { host: 'kafka-2.internal', port: 9092 });
  assert.equal(book.nodeAt('kafka-1.INTERNAL', 9092), 1);
  assert.equal(book.nodeAt('kafka-2.internal', 9092), 2);
  assert.equal(book.nodeAt('kafka-2.internal', 9093), undefined, 'another port is another listener');
  assert.equal(book.nodeAt('kafka-3.internal', 9092), undefined);
});
