// Updating a CRC-32C for a few changed bytes gives the checksum a full pass over the changed data
// gives, wherever the bytes are and however long the rest is, and keeps a wrong checksum wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c, crc32cAfterChange } from '../../../../src/protocol/records/index.ts';
import { SeededRandom } from './helpers.ts';

test('equals a full recomputation for changes anywhere in data of any length', () => {
  const rnd = new SeededRandom(32);
  for (let round = 0; round < 500; round++) {
    const data = rnd.bytes(rnd.pick([1, 7, 64, 255, 256, 4096, 70_000]) + 10);
    const length = rnd.int(1, 10);
    const at = rnd.int(0, data.length - length);
    const crc = crc32c(data);
    const before = Buffer.from(data.subarray(at, at + length));
    rnd.bytes(length).copy(data, at);
    assert.equal(crc32cAfterChange(crc, before, data, at, data.length - at - length), crc32c(data));
  }
});

test('a checksum that did not match before does not match after', () => {
  const rnd = new SeededRandom(7);
  const data = rnd.bytes(1000);
  const wrong = (crc32c(data) ^ 0x1000) >>> 0;
  const before = Buffer.from(data.subarray(100, 108));
  rnd.bytes(8).copy(data, 100);
  assert.notEqual(crc32cAfterChange(wrong, before, data, 100, 892), crc32c(data));
});
