import { EncodeError } from './errors.ts';
import type { Uuid } from './uuid.ts';
import { isUuid } from './uuid.ts';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/**
 * Writes Kafka primitive types into a buffer that grows by doubling, or (with `ByteWriter.into`) into
 * a buffer the caller sized exactly with a size function, so that a whole frame costs one allocation.
 */
export class ByteWriter {
  private buf: Buffer;
  private pos: number;
  private readonly start: number;
  private readonly fixed: boolean;

  /**
   * A growable writer with `initialCapacity` bytes, or, given a buffer, a writer over it from `offset`
   * that never reallocates (see `into`).
   */
  constructor(initialCapacity: number | Buffer = 256, offset = 0) {
    // One constructor for both modes keeps every writer the same shape for the engine.
    if (typeof initialCapacity === 'number') {
      this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
      this.pos = 0;
      this.start = 0;
      this.fixed = false;
    } else {
      this.buf = initialCapacity;
      this.pos = offset;
      this.start = offset;
      this.fixed = true;
    }
  }

  /**
   * A writer over `buf` starting at `offset` that never reallocates: writing past the end of `buf`
   * throws (it means the size function and the writer disagree).
   */
  static into(buf: Buffer, offset = 0): ByteWriter {
    return new ByteWriter(buf, offset);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos - this.start;
  }

  /** Absolute position in the underlying buffer of the next byte written. */
  get position(): number {
    return this.pos;
  }

  private ensure(n: number): number {
    const at = this.pos;
    if (at + n > this.buf.length) this.grow(at + n);
    this.pos = at + n;
    return at;
  }

  private grow(needed: number): void {
    if (this.fixed) {
      throw new EncodeError(`write past the end of a pre-sized buffer (${needed} > ${this.buf.length} bytes)`);
    }
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = Buffer.allocUnsafe(capacity);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  // Range checks use integer coercions (`(v | 0) === v` is false for fractions, NaN, non-numbers and
  // out-of-range values) and the bytes are stored by hand, which is cheaper than Buffer's methods.
  int8(v: number): void {
    if ((v << 24) >> 24 !== v) throw notA('int8', v);
    const at = this.ensure(1);
    this.buf[at] = v;
  }

  int16(v: number): void {
    if ((v << 16) >> 16 !== v) throw notA('int16', v);
    const at = this.ensure(2);
    const b = this.buf;
    b[at] = v >> 8;
    b[at + 1] = v;
  }

  uint16(v: number): void {
    if ((v & 0xffff) !== v) throw notA('uint16', v);
    const at = this.ensure(2);
    const b = this.buf;
    b[at] = v >> 8;
    b[at + 1] = v;
  }

  int32(v: number): void {
    if ((v | 0) !== v) throw notA('int32', v);
    const at = this.ensure(4);
    const b = this.buf;
    b[at] = v >> 24;
    b[at + 1] = v >> 16;
    b[at + 2] = v >> 8;
    b[at + 3] = v;
  }

  uint32(v: number): void {
    if (v >>> 0 !== v) throw notA('uint32', v);
    const at = this.ensure(4);
    const b = this.buf;
    b[at] = v >>> 24;
    b[at + 1] = v >>> 16;
    b[at + 2] = v >>> 8;
    b[at + 3] = v;
  }

  int64(v: bigint): void {
    if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) throw new EncodeError(`not an int64: ${String(v)}`);
    const at = this.ensure(8);
    this.buf.writeBigInt64BE(v, at);
  }

  float64(v: number): void {
    if (typeof v !== 'number') throw new EncodeError(`not a float64: ${String(v)}`);
    const at = this.ensure(8);
    this.buf.writeDoubleBE(v, at);
  }

  bool(v: boolean): void {
    const at = this.ensure(1);
    this.buf[at] = v ? 1 : 0;
  }

  uvarint(v: number): void {
    if (v >>> 0 !== v) throw notA('unsigned varint', v);
    let at = this.ensure(sizeOfUvarint(v));
    const buf = this.buf;
    while (v >= 0x80) {
      buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[at] = v;
  }

  varint(v: number): void {
    if ((v | 0) !== v) throw notA('varint', v);
    this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: bigint): void {
    if (typeof v !== 'bigint' || v < INT64_MIN || v > INT64_MAX) throw new EncodeError(`not an int64: ${String(v)}`);
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    let at = this.ensure(sizeOfVarlong(v));
    const buf = this.buf;
    while (u >= 0x80n) {
      buf[at++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    buf[at] = Number(u);
  }

  uuid(v: Uuid): void {
    if (typeof v !== 'string' || !isUuid(v)) throw new EncodeError(`not a Kafka uuid: ${String(v)}`);
    const at = this.ensure(16);
    this.buf.write(v, at, 16, 'base64url');
  }

  bytes(b: Uint8Array): void {
    const at = this.ensure(b.length);
    this.buf.set(b, at);
  }

  /** UTF-8 bytes of `s`, whose byte length the caller already wrote as a prefix. */
  utf8(s: string, byteLength: number): void {
    const at = this.ensure(byteLength);
    const buf = this.buf;
    if (byteLength === s.length && byteLength <= 32) {
      for (let i = 0; i < byteLength; i++) buf[at + i] = s.charCodeAt(i);
    } else {
      buf.write(s, at, byteLength, 'utf8');
    }
  }

  /** int16 length + UTF-8. */
  string(s: string): void {
    if (typeof s !== 'string') throw new EncodeError(`not a string: ${String(s)}`);
    const n = Buffer.byteLength(s);
    if (n > 32767) throw new EncodeError(`string of ${n} bytes is longer than 32767`);
    this.int16(n);
    this.utf8(s, n);
  }

  nullableString(s: string | null): void {
    if (s === null) this.int16(-1);
    else this.string(s);
  }

  compactString(s: string): void {
    if (typeof s !== 'string') throw new EncodeError(`not a string: ${String(s)}`);
    const n = Buffer.byteLength(s);
    if (n > 32767) throw new EncodeError(`string of ${n} bytes is longer than 32767`);
    this.uvarint(n + 1);
    this.utf8(s, n);
  }

  compactNullableString(s: string | null): void {
    if (s === null) this.uvarint(0);
    else this.compactString(s);
  }

  bytes32(b: Uint8Array): void {
    if (!(b instanceof Uint8Array)) throw new EncodeError('bytes field is not a Uint8Array');
    this.int32(b.length);
    this.bytes(b);
  }

  nullableBytes32(b: Uint8Array | null): void {
    if (b === null) this.int32(-1);
    else this.bytes32(b);
  }

  compactBytes(b: Uint8Array): void {
    if (!(b instanceof Uint8Array)) throw new EncodeError('bytes field is not a Uint8Array');
    this.uvarint(b.length + 1);
    this.bytes(b);
  }

  compactNullableBytes(b: Uint8Array | null): void {
    if (b === null) this.uvarint(0);
    else this.compactBytes(b);
  }

  /** The written bytes: the exact buffer given to `into`-writers when filled, a view otherwise. */
  finish(): Buffer {
    if (this.start === 0 && this.pos === this.buf.length) return this.buf;
    return this.buf.subarray(this.start, this.pos);
  }
}

function notA(type: string, v: unknown): EncodeError {
  return new EncodeError(`not an ${type}: ${String(v)}`);
}

export function sizeOfUvarint(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

export function sizeOfVarint(v: number): number {
  return sizeOfUvarint(((v << 1) ^ (v >> 31)) >>> 0);
}

export function sizeOfVarlong(v: bigint): number {
  let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  let size = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    size++;
  }
  return size;
}

/** Bytes of `s` as int16-length-prefixed UTF-8 (or -1 for null). */
export function sizeOfString(s: string | null): number {
  return s === null ? 2 : 2 + Buffer.byteLength(s);
}

export function sizeOfCompactString(s: string | null): number {
  if (s === null) return 1;
  const n = Buffer.byteLength(s);
  return sizeOfUvarint(n + 1) + n;
}

export function sizeOfCompactBytes(b: Uint8Array | null): number {
  return b === null ? 1 : sizeOfUvarint(b.length + 1) + b.length;
}
