// Switchyard's record batches against Kafka's own MemoryRecords/MemoryRecordsBuilder (the
// kafka-clients jar): what Kafka writes Switchyard reads to the same records, what Switchyard writes
// Kafka accepts (ensureValid) with the same content, and uncompressed batches are byte-identical.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeControlRecordKey,
  decodeEndTxnMarker,
  decodeLegacyMessages,
  decodeRecordBatch,
  encodeControlRecordKey,
  encodeEndTxnMarker,
  encodeRecordBatch,
  LegacyMessageView,
  RecordBatchView,
  recompressRecordBatch,
  splitBatches,
} from '../../../src/protocol/records/index.ts';
import { SeededRandom } from '../../unit/protocol/records/helpers.ts';
import {
  asKafkaSees,
  type BuildOptions,
  b64,
  CODECS,
  call,
  kafkaBuild,
  kafkaRead,
  randomRecords,
  useKafkaRecords,
} from './kafka-records.ts';

useKafkaRecords();

function onlyBatch(bytes: Buffer): RecordBatchView {
  const { batches, tail } = splitBatches(bytes);
  assert.equal(tail.length, 0);
  assert.equal(batches.length, 1);
  assert.ok(batches[0] instanceof RecordBatchView);
  return batches[0];
}

const scenarios: { name: string; options: Omit<BuildOptions, 'compression'> }[] = [
  { name: 'plain', options: {} },
  { name: 'idempotent', options: { producerId: 123456789012n, producerEpoch: 7, baseSequence: 42, baseOffset: 1000n } },
  {
    name: 'transactional',
    options: { producerId: 99n, producerEpoch: 1, baseSequence: 0, transactional: true, partitionLeaderEpoch: 12 },
  },
  {
    name: 'log-append-time',
    options: { timestampType: 'LogAppendTime', logAppendTime: 1_800_000_000_000n, baseOffset: 5n },
  },
];

for (const compression of CODECS) {
  for (const { name, options } of scenarios) {
    test(`${compression}, ${name}: Switchyard reads Kafka's batch, Kafka reads Switchyard's, same records`, async () => {
      const rnd = new SeededRandom(compression.length * 131 + name.length);
      const input = randomRecords(rnd, rnd.int(1, 60));
      const kafkaBytes = await kafkaBuild({ ...options, compression }, input);
      const view = onlyBatch(kafkaBytes);
      view.ensureValid();
      const decoded = await decodeRecordBatch(view);
      const expected = await kafkaRead(kafkaBytes);
      assert.equal(decoded.compression, compression);
      assert.equal(String(decoded.producerId), expected[0]!.producerId);
      assert.equal(decoded.producerEpoch, expected[0]!.producerEpoch);
      assert.equal(decoded.baseSequence, expected[0]!.baseSequence);
      assert.equal(decoded.isTransactional, expected[0]!.transactional);
      assert.equal(decoded.partitionLeaderEpoch, expected[0]!.partitionLeaderEpoch);
      assert.equal(decoded.timestampType, expected[0]!.timestampType);
      assert.equal(String(decoded.maxTimestamp), expected[0]!.maxTimestamp);
      assert.equal(String(view.lastOffset), expected[0]!.lastOffset);
      assert.deepEqual(asKafkaSees(decoded), expected[0]!.records);

      const ours = await encodeRecordBatch(decoded);
      const back = await kafkaRead(ours);
      assert.deepEqual(back, expected);
      if (compression === 'none') assert.deepEqual(ours, kafkaBytes);
    });
  }

  test(`${compression}: a re-encoded batch with every other codec reads the same in Kafka`, async () => {
    const rnd = new SeededRandom(99);
    const kafkaBytes = await kafkaBuild(
      { compression, producerId: 5n, producerEpoch: 0, baseSequence: 10 },
      randomRecords(rnd, 30),
    );
    const expected = (await kafkaRead(kafkaBytes))[0]!;
    for (const target of CODECS) {
      const [got] = await kafkaRead(await recompressRecordBatch(onlyBatch(kafkaBytes), target));
      assert.deepEqual({ ...got, compression: compression }, expected, `${compression} -> ${target}`);
      assert.equal(got!.compression, target);
    }
  });
}

test('a large compressed batch (several codec blocks) round-trips through Kafka', async () => {
  const rnd = new SeededRandom(5);
  const input = Array.from({ length: 400 }, (_, i) => ({
    timestamp: 1_700_000_000_000n + BigInt(i),
    key: Buffer.from(`key-${i}`),
    value: Buffer.concat([Buffer.from('x'.repeat(1000)), rnd.bytes(200)]),
    headers: [],
  }));
  for (const compression of CODECS) {
    const kafkaBytes = await kafkaBuild({ compression }, input);
    const decoded = await decodeRecordBatch(onlyBatch(kafkaBytes));
    const expected = await kafkaRead(kafkaBytes);
    assert.deepEqual(asKafkaSees(decoded), expected[0]!.records);
    assert.deepEqual(await kafkaRead(await encodeRecordBatch(decoded)), expected);
  }
});

test('transaction markers: decoded like Kafka, and Switchyard writes the same bytes', async () => {
  for (const type of ['COMMIT', 'ABORT'] as const) {
    const kafkaBytes = Buffer.from(
      (
        await call<{ bytes: string }>({
          op: 'marker',
          type,
          baseOffset: '77',
          timestamp: '1700000000123',
          partitionLeaderEpoch: 4,
          producerId: '31337',
          producerEpoch: 3,
          coordinatorEpoch: 19,
        })
      ).bytes,
      'base64',
    );
    const decoded = await decodeRecordBatch(onlyBatch(kafkaBytes));
    assert.equal(decoded.isControl, true);
    assert.equal(decoded.isTransactional, true);
    assert.equal(decoded.records.length, 1);
    const record = decoded.records[0]!;
    assert.equal(decodeControlRecordKey(record.key).type, type);
    assert.deepEqual(decodeEndTxnMarker(record.value), { version: 0, coordinatorEpoch: 19 });
    const [kafka] = await kafkaRead(kafkaBytes);
    assert.equal(kafka!.records[0]!.controlType, type);

    const ours = await encodeRecordBatch({
      ...decoded,
      records: [{ ...record, key: encodeControlRecordKey(type), value: encodeEndTxnMarker(19) }],
    });
    assert.deepEqual(ours, kafkaBytes);
  }
});

test('several batches in one records field are split and read in order', async () => {
  const rnd = new SeededRandom(8);
  const parts = [];
  for (const compression of CODECS)
    parts.push(await kafkaBuild({ compression, baseOffset: BigInt(parts.length * 100) }, randomRecords(rnd, 3)));
  const all = Buffer.concat(parts);
  const { batches } = splitBatches(all);
  assert.deepEqual(
    batches.map((b) => (b as RecordBatchView).compression),
    CODECS,
  );
  const expected = await kafkaRead(all);
  for (let i = 0; i < batches.length; i++) {
    assert.deepEqual(asKafkaSees(await decodeRecordBatch(batches[i] as RecordBatchView)), expected[i]!.records);
  }
});

for (const magic of [0, 1] as const) {
  for (const compression of CODECS.filter((c) => c !== 'zstd')) {
    test(`legacy magic ${magic}, ${compression}: Switchyard reads Kafka's message set`, async () => {
      const rnd = new SeededRandom(magic * 10 + compression.length);
      const input = randomRecords(rnd, rnd.int(1, 20)).map((r) => ({ ...r, headers: [] }));
      const kafkaBytes = await kafkaBuild({ magic, compression, baseOffset: 300n }, input);
      const expected = await kafkaRead(kafkaBytes);
      const { batches, tail } = splitBatches(kafkaBytes);
      assert.equal(tail.length, 0);
      const ours = [];
      for (const b of batches) {
        assert.ok(b instanceof LegacyMessageView);
        assert.equal(b.magic, magic);
        ours.push(...(await decodeLegacyMessages(b)));
      }
      assert.deepEqual(
        ours.map((r) => ({
          offset: String(r.offset),
          timestamp: String(r.timestamp),
          key: b64(r.key),
          value: b64(r.value),
          headers: [],
        })),
        expected.flatMap((b) => b.records),
      );
    });
  }
}
