import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SwitchyardError } from '../../../../src/errors.ts';
import { DecodeError, EncodeError } from '../../../../src/protocol/wire/errors.ts';
import { ByteReader } from '../../../../src/protocol/wire/reader.ts';
import { isUuid, uuidFromBytes, uuidToBytes, ZERO_UUID } from '../../../../src/protocol/wire/uuid.ts';
import { ByteWriter, sizeOfUvarint, sizeOfVarint, sizeOfVarlong } from '../../../../src/protocol/wire/writer.ts';

function roundTrip<T>(write: (w: ByteWriter) => void, read: (r: ByteReader) => T): { value: T; bytes: Buffer } {
  const w = new ByteWriter(1);
  write(w);
  const bytes = w.finish();
  const r = new ByteReader(bytes);
  const value = read(r);
  assert.equal(r.remaining(), 0, 'reader consumed every written byte');
  return { value, bytes };
}

describe('ByteReader / ByteWriter', () => {
  it('round-trips fixed-width integers at their extremes, big-endian', () => {
    const { bytes } = roundTrip(
      (w) => {
        w.int8(-128);
        w.int16(-32768);
        w.uint16(65535);
        w.int32(-2147483648);
        w.uint32(4294967295);
        w.int64(-(1n << 63n));
        w.float64(-0.5);
        w.bool(true);
      },
      (r) => {
        assert.equal(r.int8(), -128);
        assert.equal(r.int16(), -32768);
        assert.equal(r.uint16(), 65535);
        assert.equal(r.int32(), -2147483648);
        assert.equal(r.uint32(), 4294967295);
        assert.equal(r.int64(), -(1n << 63n));
        assert.equal(r.float64(), -0.5);
        assert.equal(r.bool(), true);
      },
    );
    assert.equal(bytes.length, 1 + 2 + 2 + 4 + 4 + 8 + 8 + 1);
    assert.deepEqual([...bytes.subarray(1, 3)], [0x80, 0x00]);
  });

  it('encodes varints as Kafka does (zigzag LEB128) and sizes them exactly', () => {
    const cases: Array<[number, number[]]> = [
      [0, [0x00]],
      [-1, [0x01]],
      [1, [0x02]],
      [63, [0x7e]],
      [-64, [0x7f]],
      [64, [0x80, 0x01]],
      [2147483647, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
      [-2147483648, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ];
    for (const [v, expected] of cases) {
      const { value, bytes } = roundTrip(
        (w) => w.varint(v),
        (r) => r.varint(),
      );
      assert.equal(value, v);
      assert.deepEqual([...bytes], expected, `varint ${v}`);
      assert.equal(sizeOfVarint(v), expected.length);
    }
    for (const v of [0, 127, 128, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1]) {
      const { value, bytes } = roundTrip(
        (w) => w.uvarint(v),
        (r) => r.uvarint(),
      );
      assert.equal(value, v);
      assert.equal(bytes.length, sizeOfUvarint(v));
    }
    for (const v of [0n, -1n, 1n, 1n << 40n, -(1n << 63n), (1n << 63n) - 1n, 12345678901n]) {
      const { value, bytes } = roundTrip(
        (w) => w.varlong(v),
        (r) => r.varlong(),
      );
      assert.equal(value, v);
      assert.equal(bytes.length, sizeOfVarlong(v));
    }
  });

  it('rejects varints longer than Kafka allows with DecodeError', () => {
    assert.throws(() => new ByteReader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uvarint(), DecodeError);
    assert.throws(() => new ByteReader(Buffer.alloc(11, 0xff)).varlong(), DecodeError);
  });

  it('round-trips strings and bytes in every length-prefixed form, decoding UTF-8', () => {
    const text = 'topic-é-日本';
    roundTrip(
      (w) => {
        w.string('orders');
        w.nullableString(null);
        w.compactString(text);
        w.compactNullableString(null);
        w.bytes32(Buffer.from([1, 2, 3]));
        w.nullableBytes32(null);
        w.compactBytes(Buffer.alloc(0));
        w.compactNullableBytes(null);
      },
      (r) => {
        assert.equal(r.string(), 'orders');
        assert.equal(r.nullableString(), null);
        assert.equal(r.compactString(), text);
        assert.equal(r.compactNullableString(), null);
        assert.deepEqual([...r.bytes32()], [1, 2, 3]);
        assert.equal(r.nullableBytes32(), null);
        assert.equal(r.compactBytes().length, 0);
        assert.equal(r.compactNullableBytes(), null);
      },
    );
  });

  it('returns byte fields as zero-copy views of the input buffer', () => {
    const buf = Buffer.from([0, 0, 0, 2, 7, 8]);
    const view = new ByteReader(buf).bytes32();
    buf[4] = 9;
    assert.equal(view[0], 9);
  });

  it('reads only within [offset, end) and reports absolute offsets', () => {
    const buf = Buffer.from([1, 2, 3, 4, 5, 6]);
    const r = new ByteReader(buf, 2, 5);
    assert.equal(r.remaining(), 3);
    assert.equal(r.int16(), 0x0304);
    assert.throws(
      () => r.int16(),
      (err) => err instanceof DecodeError && err.offset === 4,
    );
  });

  it('checks lengths against the remaining bytes before allocating', () => {
    // An int32 array count of 2^31-1 in a 4-byte buffer.
    const r = new ByteReader(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    assert.throws(() => r.arrayLength(), DecodeError);
    // Two int32 elements need 8 bytes; 7 remain.
    const two = Buffer.from([0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7]);
    assert.throws(() => new ByteReader(two).arrayLength(4), DecodeError);
    assert.equal(new ByteReader(two).arrayLength(3), 2);
    assert.throws(() => new ByteReader(Buffer.from([0x7f, 0xff, 0x41])).string(), DecodeError);
    assert.throws(() => new ByteReader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])).compactBytes(), DecodeError);
    assert.throws(() => new ByteReader(Buffer.from([0xff, 0xfe])).nullableString(), DecodeError);
    const long = Buffer.concat([Buffer.from([0x81, 0x80, 0x02]), Buffer.alloc(32768, 0x61)]);
    assert.throws(() => new ByteReader(long).compactString(), /longer than 32767/);
  });

  it('DecodeError is a SwitchyardError with a stable code', () => {
    const err = new DecodeError('x', 3, { apiKey: 3, apiVersion: 12 });
    assert.ok(err instanceof SwitchyardError);
    assert.equal(err.code, 'ERR_PROTOCOL_DECODE');
    assert.match(err.message, /api key 3 v12 at byte 3/);
  });

  it('grows by doubling and writes into a pre-sized buffer without reallocating', () => {
    const target = Buffer.alloc(6);
    const w = ByteWriter.into(target, 2);
    w.int32(0x01020304);
    assert.equal(w.length, 4);
    assert.equal(w.finish().buffer, target.buffer);
    assert.deepEqual([...target], [0, 0, 1, 2, 3, 4]);
    assert.throws(() => w.int8(1), EncodeError);
  });

  it('rejects values a field cannot hold with EncodeError', () => {
    const w = new ByteWriter();
    assert.throws(() => w.int16(40000), EncodeError);
    assert.throws(() => w.int32(1.5), EncodeError);
    assert.throws(() => w.int64(1n << 63n), EncodeError);
    assert.throws(() => w.uuid('not-a-uuid'), EncodeError);
  });

  it('represents uuids as Kafka prints them (URL-safe base64, no padding)', () => {
    assert.equal(ZERO_UUID, uuidFromBytes(new Uint8Array(16)));
    const bytes = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
    const u = uuidFromBytes(bytes);
    assert.ok(isUuid(u));
    assert.deepEqual(uuidToBytes(u), bytes);
    const { value } = roundTrip(
      (w) => w.uuid(u),
      (r) => r.uuid(),
    );
    assert.equal(value, u);
  });
});
