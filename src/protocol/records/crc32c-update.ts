// Updating a CRC-32C after a few bytes changed, without reading the rest of the data. CRC is linear
// over GF(2): for two messages of equal length, crc(a) ^ crc(b) depends only on a ^ b, and is the
// remainder of the difference (zeros outside the changed bytes) by the CRC polynomial. The
// difference ends with `after` zero bytes, so its remainder is the remainder of the changed bytes
// alone, multiplied by x^(8·after) modulo the polynomial: O(log after) work instead of O(after).
// Polynomials are held bit-reflected, as the table-driven CRC holds them (bit 31 is x^0).

const POLY = 0x82f63b78;

/** Remainder table of single bytes, without the initial value or final xor of the checksum. */
const BYTE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  BYTE[n] = c >>> 0;
}

/** a·b modulo the polynomial. */
function multiply(a: number, b: number): number {
  let product = 0;
  for (let bit = 0x80000000; bit !== 0; bit >>>= 1) {
    if ((a & bit) !== 0) product ^= b;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return product >>> 0;
}

/** X2K[k] = x^(2^k) modulo the polynomial. */
const X2K = new Uint32Array(64);
X2K[0] = 0x40000000; // x^1
for (let k = 1; k < 64; k++) X2K[k] = multiply(X2K[k - 1]!, X2K[k - 1]!);

/** x^(8·bytes) modulo the polynomial. */
function shiftByBytes(bytes: number): number {
  let result = 0x80000000; // x^0
  for (let n = bytes * 8, k = 0; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) result = multiply(X2K[k]!, result);
  }
  return result;
}

/**
 * The CRC-32C of data whose checksum was `crc`, after its bytes `before` became the bytes of `now`
 * from `nowAt` (as many), followed by `after` unchanged bytes up to the end of the data. A checksum
 * that did not match the data before does not match it after either.
 */
export function crc32cAfterChange(
  crc: number,
  before: Uint8Array,
  now: Uint8Array,
  nowAt: number,
  after: number,
): number {
  let delta = 0;
  for (let i = 0; i < before.length; i++) {
    delta = BYTE[(delta ^ before[i]! ^ now[nowAt + i]!) & 0xff]! ^ (delta >>> 8);
  }
  return (crc ^ multiply(delta >>> 0, shiftByBytes(after))) >>> 0;
}
