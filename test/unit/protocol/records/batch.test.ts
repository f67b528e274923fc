import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  type CompressionType,
  DecompressionError,
  DecompressionLimitError,
} from '../../../../src/protocol/compression/index.ts';
import {
  CorruptRecordsError,
  decodeRecordBatch,
  encodeRecordBatch,
  type KafkaRecord,
  type RecordBatch,
  RecordBatchView,
  RecordsDecodeError,
  recompressRecordBatch,
  splitBatches,
} from '../../../../src/protocol/records/index.ts';
import { DecodeError, EncodeError } from '../../../../src/protocol/wire/errors.ts';
import { rejected, SeededRandom, thrown } from './helpers.ts';

const CODECS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function record(offsetDelta: number, overrides: Partial<KafkaRecord> = {}): KafkaRecord {
  return {
    attributes: 0,
    timestampDelta: BigInt(offsetDelta * 10),
    offsetDelta,
    key: Buffer.from(`k${offsetDelta}`),
    value: Buffer.from(`value ${offsetDelta}`),
    headers: [],
    ...overrides,
  };
}

function batch(overrides: Partial<RecordBatch> = {}): RecordBatch {
  const records = overrides.records ?? [record(0), record(1), record(2)];
  return {
    baseOffset: 100n,
    partitionLeaderEpoch: 3,
    compression: 'none',
    timestampType: 'CreateTime',
    isTransactional: false,
    isControl: false,
    hasDeleteHorizon: false,
    lastOffsetDelta: records.length - 1,
    baseTimestamp: 1_700_000_000_000n,
    maxTimestamp: 1_700_000_000_020n,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records,
    ...overrides,
  };
}

async function view(b: RecordBatch): Promise<RecordBatchView> {
  return new RecordBatchView(await encodeRecordBatch(b), 0);
}

test('the view reads every header field in place', async () => {
  const v = await view(
    batch({
      compression: 'gzip',
      timestampType: 'LogAppendTime',
      isTransactional: true,
      producerId: 0x1234567890n,
      producerEpoch: 9,
      baseSequence: 77,
    }),
  );
  assert.equal(v.baseOffset, 100n);
  assert.equal(v.batchLength, v.bytes.length - 12);
  assert.equal(v.partitionLeaderEpoch, 3);
  assert.equal(v.magic, 2);
  assert.equal(v.compression, 'gzip');
  assert.equal(v.timestampType, 'LogAppendTime');
  assert.equal(v.isTransactional, true);
  assert.equal(v.isControl, false);
  assert.equal(v.hasDeleteHorizon, false);
  assert.equal(v.lastOffsetDelta, 2);
  assert.equal(v.lastOffset, 102n);
  assert.equal(v.baseTimestamp, 1_700_000_000_000n);
  assert.equal(v.maxTimestamp, 1_700_000_000_020n);
  assert.equal(v.producerId, 0x1234567890n);
  assert.equal(v.producerEpoch, 9);
  assert.equal(v.baseSequence, 77);
  assert.equal(v.recordCount, 3);
  assert.equal(v.attributes, 0x08 | 0x10 | 1);
  assert.ok(v.isValid());
});

test('control and delete-horizon flags are written and read', async () => {
  const v = await view(batch({ isControl: true, hasDeleteHorizon: true }));
  assert.equal(v.isControl, true);
  assert.equal(v.hasDeleteHorizon, true);
});

for (const compression of CODECS) {
  test(`${compression}: encode then decode gives the same batch`, async () => {
    const b = batch({
      compression,
      records: [
        record(0, { key: null }),
        record(1, { value: null, headers: [{ key: 'a', value: null }] }),
        record(2, {
          headers: [
            { key: 'ünï', value: Buffer.from([1, 2]) },
            { key: '', value: Buffer.alloc(0) },
          ],
        }),
        record(3, { timestampDelta: -(2n ** 62n), attributes: 0, key: Buffer.alloc(0), value: Buffer.alloc(300, 1) }),
        record(2 ** 30, { timestampDelta: 2n ** 60n }),
      ],
    });
    assert.deepEqual(await decodeRecordBatch(await view(b)), b);
  });
}

test('an empty batch round-trips', async () => {
  const b = batch({ records: [], lastOffsetDelta: 0 });
  assert.deepEqual(await decodeRecordBatch(await view(b)), b);
});

test('uncompressed record keys and values are views of the batch bytes', async () => {
  const v = await view(batch());
  const decoded = await decodeRecordBatch(v);
  assert.equal(decoded.records[0]!.value!.buffer, v.bytes.buffer);
});

test('recompressing changes only the codec', async () => {
  const original = batch();
  for (const compression of CODECS) {
    const again = new RecordBatchView(await recompressRecordBatch(await view(original), compression), 0);
    assert.equal(again.compression, compression);
    assert.deepEqual(await decodeRecordBatch(again), { ...original, compression });
  }
});

test('a wrong checksum is a CorruptRecordsError naming the crc field', async () => {
  const bytes = Buffer.from((await view(batch())).bytes);
  bytes[bytes.length - 1]! ^= 1;
  const v = new RecordBatchView(bytes, 40);
  assert.equal(v.isValid(), false);
  const err = await rejected(decodeRecordBatch(v));
  assert.ok(err instanceof CorruptRecordsError);
  assert.equal(err.offset, 40 + 17);
});

test('verifyChecksum: false skips the checksum', async () => {
  const bytes = Buffer.from((await view(batch())).bytes);
  bytes.writeUInt32BE(0, 17);
  assert.equal((await decodeRecordBatch(new RecordBatchView(bytes, 0), { verifyChecksum: false })).records.length, 3);
});

/** Re-stamps the checksum after a test edits a batch, so that the edit itself is what is detected. */
function withCrc(bytes: Buffer): RecordBatchView {
  const v = new RecordBatchView(bytes, 0);
  bytes.writeUInt32BE(v.computeCrc(), 17);
  return v;
}

test('a record count larger than the bytes allow is refused before allocating', async () => {
  const bytes = Buffer.from((await view(batch())).bytes);
  bytes.writeInt32BE(0x7fffffff, 57);
  assert.ok((await rejected(decodeRecordBatch(withCrc(bytes)))) instanceof RecordsDecodeError);
});

test('bytes left after the declared records are a RecordsDecodeError', async () => {
  const bytes = Buffer.from((await view(batch())).bytes);
  bytes.writeInt32BE(2, 57);
  const err = await rejected(decodeRecordBatch(withCrc(bytes)));
  assert.ok(err instanceof RecordsDecodeError);
  assert.match(err.message, /follow the last of 2 records/);
});

test('a record whose length disagrees with its fields is a RecordsDecodeError at that record', async () => {
  const bytes = Buffer.from((await view(batch())).bytes);
  bytes[61] = bytes[61]! + 2; // the first record's length (zigzag varint), now one byte too long
  const err = await rejected(decodeRecordBatch(withCrc(bytes)));
  assert.ok(err instanceof RecordsDecodeError);
  assert.ok(err.offset > 61);
});

test('an unknown compression codec is a RecordsDecodeError', async () => {
  const bytes = Buffer.from((await view(batch())).bytes);
  bytes[22] = 5;
  assert.ok(thrown(() => new RecordBatchView(bytes, 0).compression) instanceof RecordsDecodeError);
  assert.ok((await rejected(decodeRecordBatch(withCrc(bytes)))) instanceof RecordsDecodeError);
});

test('decompression beyond maxDecompressedBytes is a DecompressionLimitError', async () => {
  const big = batch({
    compression: 'zstd',
    records: [record(0, { value: Buffer.alloc(1 << 20) })],
    lastOffsetDelta: 0,
  });
  const err = await rejected(decodeRecordBatch(await view(big), { maxDecompressedBytes: 1000 }));
  assert.ok(err instanceof DecompressionLimitError);
});

test('compressed garbage is a DecompressionError at the records section', async () => {
  const bytes = Buffer.from((await view(batch({ compression: 'lz4' }))).bytes);
  bytes.fill(0x33, 61);
  const err = await rejected(decodeRecordBatch(new RecordBatchView(withCrc(bytes).bytes, 1000)));
  assert.ok(err instanceof DecompressionError);
  assert.equal(err.offset, 1061);
});

test('values that do not fit their wire type are an EncodeError', async () => {
  assert.ok((await rejected(encodeRecordBatch(batch({ producerEpoch: 40000 })))) instanceof EncodeError);
  assert.ok(
    (await rejected(encodeRecordBatch(batch({ records: [record(0, { offsetDelta: 2 ** 31 })] })))) instanceof
      EncodeError,
  );
});

test('splitBatches cuts a records field into zero-copy views', async () => {
  const a = (await view(batch())).bytes;
  const b = (await view(batch({ baseOffset: 103n, compression: 'snappy' }))).bytes;
  const records = Buffer.concat([a, b]);
  const { batches, tail } = splitBatches(records);
  assert.equal(tail.length, 0);
  assert.deepEqual(
    batches.map((x) => [x.position, x.bytes.length]),
    [
      [0, a.length],
      [a.length, b.length],
    ],
  );
  assert.equal(batches[1]!.bytes.buffer, records.buffer);
});

test('splitBatches of no bytes is no batches', () => {
  assert.deepEqual(splitBatches(Buffer.alloc(0)).batches, []);
});

test('a partial last batch is the tail when allowed, an error otherwise', async () => {
  const a = (await view(batch())).bytes;
  for (const cut of [5, 30, a.length - 1]) {
    const records = Buffer.concat([a, a.subarray(0, cut)]);
    const { batches, tail } = splitBatches(records, { allowPartialTail: true });
    assert.equal(batches.length, 1);
    assert.equal(tail.length, cut);
    assert.ok(thrown(() => splitBatches(records)) instanceof RecordsDecodeError);
  }
});

test('an unknown magic or a size below the minimum is a RecordsDecodeError naming the offset', async () => {
  const a = Buffer.from((await view(batch())).bytes);
  a[16] = 3;
  const err = thrown(() => splitBatches(a));
  assert.ok(err instanceof RecordsDecodeError);
  assert.equal(err.offset, 16);
  const small = Buffer.from((await view(batch())).bytes.subarray(0, 40));
  small.writeInt32BE(28, 8);
  assert.ok(thrown(() => splitBatches(small)) instanceof RecordsDecodeError);
});

test('fuzz: mutated and truncated batches only ever decode or throw a DecodeError', async () => {
  const rnd = new SeededRandom(2024);
  for (const compression of CODECS) {
    const original = (
      await view(
        batch({
          compression,
          records: Array.from({ length: 8 }, (_, i) =>
            record(i, { headers: [{ key: 'h', value: rnd.bytes(3) }], value: rnd.bytes(rnd.int(0, 50)) }),
          ),
          lastOffsetDelta: 7,
        }),
      )
    ).bytes;
    for (let round = 0; round < 200; round++) {
      const bytes = Buffer.from(original.subarray(0, rnd.next() < 0.2 ? rnd.int(0, original.length) : original.length));
      for (let k = rnd.int(1, 4); k > 0 && bytes.length > 0; k--) bytes[rnd.int(0, bytes.length - 1)] = rnd.int(0, 255);
      if (bytes.length >= 12 && rnd.next() < 0.5) bytes.writeInt32BE(bytes.length - 12, 8);
      try {
        for (const v of splitBatches(bytes).batches) {
          if (!(v instanceof RecordBatchView)) continue;
          // Half the time with a correct checksum, so that the decoders behind it are exercised.
          if (rnd.next() < 0.5 && v.bytes.length >= 21) v.bytes.writeUInt32BE(v.computeCrc(), 17);
          await decodeRecordBatch(v, { maxDecompressedBytes: 1 << 20 });
        }
      } catch (e) {
        assert.ok(e instanceof DecodeError, `${compression} round ${round}: ${String(e)}`);
      }
    }
  }
});

test('fuzz: random bytes only ever split into views or throw a RecordsDecodeError', () => {
  const rnd = new SeededRandom(9);
  for (let round = 0; round < 2000; round++) {
    const bytes = rnd.bytes(rnd.int(0, 80));
    if (bytes.length >= 12 && rnd.next() < 0.7) bytes.writeInt32BE(rnd.int(0, bytes.length), 8);
    if (bytes.length >= 17 && rnd.next() < 0.7) bytes[16] = rnd.int(0, 2);
    try {
      const { batches, tail } = splitBatches(bytes, { allowPartialTail: rnd.next() < 0.5 });
      assert.equal(batches.reduce((n, b) => n + b.bytes.length, 0) + tail.length, bytes.length);
    } catch (e) {
      assert.ok(e instanceof RecordsDecodeError, String(e));
    }
  }
});

test('a malformed record inside compressed data names the compressed section and the decompressed byte', async () => {
  const plain = (await view(batch())).bytes;
  const records = Buffer.from(plain.subarray(61));
  records[0] = records[0]! + 2; // the first record's length, now one byte too long
  const packed = gzipSync(records);
  const bytes = Buffer.concat([plain.subarray(0, 61), packed]);
  bytes.writeInt32BE(bytes.length - 12, 8);
  bytes[22] = 1; // gzip
  const err = await rejected(decodeRecordBatch(new RecordBatchView(withCrc(bytes).bytes, 500)));
  assert.ok(err instanceof RecordsDecodeError);
  assert.equal(err.offset, 561);
  assert.match(err.message, /of the decompressed records/);
});
