import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '../../../../src/protocol/records/index.ts';
import { SeededRandom } from './helpers.ts';

/** Bit-at-a-time CRC32C, the definition the table-driven version must match. */
function reference(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

test('matches the standard check value of "123456789"', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('is 0 for no bytes', () => {
  assert.equal(crc32c(Buffer.alloc(0)), 0);
});

test('matches the bitwise definition for every length and alignment, below and above the native threshold', () => {
  const rnd = new SeededRandom(11);
  const data = rnd.bytes(700);
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= 700; end += 7) {
      assert.equal(crc32c(data, start, end), reference(data.subarray(start, end)), `[${start}, ${end})`);
    }
  }
});
