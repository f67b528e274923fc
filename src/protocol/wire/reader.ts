import { DecodeError } from './errors.ts';
import type { Uuid } from './uuid.ts';

/**
 * Reads Kafka primitive types from `buf[offset, end)`. Every read checks the bounds first and throws
 * `DecodeError` (never a RangeError), and every length prefix is checked against the remaining
 * bytes before anything is allocated, so a hostile length cannot make the reader allocate more than
 * the frame holds.
 */
export class ByteReader {
  offset: number;
  readonly buf: Buffer;
  readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    if (offset < 0 || end > buf.length || offset > end) {
      throw new RangeError(`reader bounds [${offset}, ${end}) outside a buffer of ${buf.length} bytes`);
    }
    this.buf = buf;
    this.offset = offset;
    this.end = end;
  }

  remaining(): number {
    return this.end - this.offset;
  }

  /** Throws a DecodeError at the current offset. */
  fail(reason: string): never {
    throw new DecodeError(reason, this.offset);
  }

  private need(n: number): number {
    const at = this.offset;
    if (at + n > this.end) this.fail(`need ${n} bytes, ${this.end - at} remain`);
    this.offset = at + n;
    return at;
  }

  // The fixed-width reads assemble bytes by hand: cheaper than Buffer's read methods, which check
  // their arguments again after our bounds check.
  int8(): number {
    const at = this.offset;
    if (at + 1 > this.end) this.fail(`need 1 byte, ${this.end - at} remain`);
    this.offset = at + 1;
    return (this.buf[at]! << 24) >> 24;
  }

  int16(): number {
    const at = this.offset;
    if (at + 2 > this.end) this.fail(`need 2 bytes, ${this.end - at} remain`);
    this.offset = at + 2;
    const b = this.buf;
    return ((b[at]! << 24) | (b[at + 1]! << 16)) >> 16;
  }

  uint16(): number {
    const at = this.offset;
    if (at + 2 > this.end) this.fail(`need 2 bytes, ${this.end - at} remain`);
    this.offset = at + 2;
    const b = this.buf;
    return (b[at]! << 8) | b[at + 1]!;
  }

  int32(): number {
    const at = this.offset;
    if (at + 4 > this.end) this.fail(`need 4 bytes, ${this.end - at} remain`);
    this.offset = at + 4;
    const b = this.buf;
    return (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!;
  }

  uint32(): number {
    const at = this.offset;
    if (at + 4 > this.end) this.fail(`need 4 bytes, ${this.end - at} remain`);
    this.offset = at + 4;
    const b = this.buf;
    return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  }

  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }

  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }

  /** Like Kafka, any non-zero byte is true. */
  bool(): boolean {
    const at = this.offset;
    if (at + 1 > this.end) this.fail(`need 1 byte, ${this.end - at} remain`);
    this.offset = at + 1;
    return this.buf[at] !== 0;
  }

  /** Unsigned LEB128 of at most 5 bytes holding a 32-bit value (Kafka's `readUnsignedVarint`). */
  uvarint(): number {
    const buf = this.buf;
    let at = this.offset;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (at >= this.end) this.fail('truncated varint');
      const b = buf[at++]!;
      value |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.offset = at;
        return value >>> 0;
      }
    }
    return this.fail('varint longer than 5 bytes');
  }

  /** Zigzag-encoded signed 32-bit varint. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zigzag-encoded signed 64-bit varint of at most 10 bytes. */
  varlong(): bigint {
    const buf = this.buf;
    let at = this.offset;
    // Accumulate the low 28 bits as a number (cheap, covers the common short values) and the rest in
    // a bigint only when the value is that long.
    let low = 0;
    let shift = 0;
    for (; shift < 28; shift += 7) {
      if (at >= this.end) this.fail('truncated varlong');
      const b = buf[at++]!;
      low |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.offset = at;
        return BigInt((low >>> 1) ^ -(low & 1));
      }
    }
    let value = BigInt(low);
    for (let bigShift = 28n; bigShift < 70n; bigShift += 7n) {
      if (at >= this.end) this.fail('truncated varlong');
      const b = buf[at++]!;
      value |= BigInt(b & 0x7f) << bigShift;
      if (b < 0x80) {
        this.offset = at;
        value = BigInt.asUintN(64, value);
        return BigInt.asIntN(64, (value >> 1n) ^ -(value & 1n));
      }
    }
    return this.fail('varlong longer than 10 bytes');
  }

  uuid(): Uuid {
    const at = this.need(16);
    return this.buf.toString('base64url', at, at + 16);
  }

  /** Zero-copy view of the next `n` bytes. */
  bytes(n: number): Buffer {
    if (n < 0) this.fail(`negative length ${n}`);
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  skip(n: number): void {
    if (n < 0) this.fail(`negative length ${n}`);
    this.need(n);
  }

  /** Decodes the next `n` bytes as UTF-8, with an ASCII fast path for short names. */
  utf8(n: number): string {
    if (n < 0) this.fail(`negative length ${n}`);
    const at = this.need(n);
    const buf = this.buf;
    if (n <= 24) {
      let s = '';
      for (let i = at; i < at + n; i++) {
        const c = buf[i]!;
        if (c >= 0x80) return buf.toString('utf8', at, at + n);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return buf.toString('utf8', at, at + n);
  }

  // Length-prefixed forms used by the generated codecs. Each `null` result corresponds to a -1 (or a
  // compact 0) length; the non-nullable forms reject it.

  /** int16 length + UTF-8. */
  string(): string {
    const n = this.int16();
    if (n < 0) this.fail(`non-nullable string has length ${n}`);
    return this.utf8(n);
  }

  nullableString(): string | null {
    const n = this.int16();
    if (n < 0) {
      if (n !== -1) this.fail(`string length ${n}`);
      return null;
    }
    return this.utf8(n);
  }

  /** uvarint (length + 1) + UTF-8; like Kafka, longer than 32767 bytes is invalid. */
  compactString(): string {
    const n = this.uvarint() - 1;
    if (n < 0) this.fail('non-nullable compact string is null');
    if (n > 0x7fff) this.fail(`string of ${n} bytes is longer than 32767`);
    return this.utf8(n);
  }

  compactNullableString(): string | null {
    const n = this.uvarint() - 1;
    if (n > 0x7fff) this.fail(`string of ${n} bytes is longer than 32767`);
    return n < 0 ? null : this.utf8(n);
  }

  /** int32 length + bytes (zero-copy). */
  bytes32(): Buffer {
    const n = this.int32();
    if (n < 0) this.fail(`non-nullable bytes have length ${n}`);
    return this.bytes(n);
  }

  nullableBytes32(): Buffer | null {
    const n = this.int32();
    if (n < 0) {
      if (n !== -1) this.fail(`bytes length ${n}`);
      return null;
    }
    return this.bytes(n);
  }

  compactBytes(): Buffer {
    const n = this.uvarint() - 1;
    if (n < 0) this.fail('non-nullable compact bytes are null');
    return this.bytes(n);
  }

  compactNullableBytes(): Buffer | null {
    const n = this.uvarint() - 1;
    return n < 0 ? null : this.bytes(n);
  }

  /**
   * int32 element count of an array; -1 means null. A count whose elements (at least `minElementSize`
   * bytes each) cannot fit in the remaining bytes is rejected before the caller allocates anything.
   */
  arrayLength(minElementSize = 1): number {
    const n = this.int32();
    if (n < 0) {
      if (n !== -1) this.fail(`array length ${n}`);
      return -1;
    }
    if (n * minElementSize > this.end - this.offset) this.tooMany(n);
    return n;
  }

  /** uvarint (count + 1) of a compact array; -1 means null. Checked like `arrayLength`. */
  compactArrayLength(minElementSize = 1): number {
    const n = this.uvarint() - 1;
    if (n * minElementSize > this.end - this.offset) this.tooMany(n);
    return n;
  }

  private tooMany(n: number): never {
    return this.fail(`array of ${n} elements does not fit in the ${this.end - this.offset} remaining bytes`);
  }
}
