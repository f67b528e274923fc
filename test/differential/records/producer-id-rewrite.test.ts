// The in-place producer rewrite of the virtual producer ids (src/routers/producer-ids) against
// Kafka's own MemoryRecordsBuilder: a batch Kafka built for one producer, rewritten, is byte for
// byte the batch Kafka builds for the other producer, for every compression type; Kafka's reader
// accepts it (CRC valid) with the same records; the bytes around the batch are untouched.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchEnd, mappableProducerId, rewriteProducer } from '../../../src/routers/producer-ids/batch-header.ts';
import { SeededRandom } from '../../unit/protocol/records/helpers.ts';
import { CODECS, kafkaBuild, kafkaRead, randomRecords, useKafkaRecords } from './kafka-records.ts';

useKafkaRecords();

const FROM = { producerId: 7n, producerEpoch: 3, baseSequence: 42, baseOffset: 0n, partitionLeaderEpoch: -1 };

/** `bytes` inside a larger buffer, as a batch sits inside a PRODUCE frame. */
function embedded(bytes: Buffer) {
  const before = 37;
  const buf = Buffer.alloc(before + bytes.length + 11, 0xa5);
  bytes.copy(buf, before);
  return { buf, start: before, end: before + bytes.length };
}

for (const compression of CODECS) {
  for (const to of [
    { producerId: 123_456_789_012n, producerEpoch: 3 },
    { producerId: 0n, producerEpoch: 3 },
    { producerId: 2n ** 52n + 5n, producerEpoch: 32_767 },
  ]) {
    test(`${compression}: producer ${FROM.producerId}/${FROM.producerEpoch} rewritten to ${to.producerId}/${to.producerEpoch} is Kafka's own batch for that producer`, async () => {
      const rnd = new SeededRandom(compression.length * 17 + Number(to.producerId % 1000n));
      const input = randomRecords(rnd, rnd.int(1, 80));
      const original = await kafkaBuild({ ...FROM, compression }, input);
      const expected = await kafkaBuild({ ...FROM, ...to, compression }, input);
      const { buf, start, end } = embedded(original);
      const around = Buffer.concat([buf.subarray(0, start), buf.subarray(end)]);

      assert.equal(batchEnd(buf, start, buf.length), end);
      assert.equal(mappableProducerId(buf, start, end), Number(FROM.producerId));
      rewriteProducer(buf, start, end, Number(to.producerId), to.producerEpoch);

      assert.deepEqual(buf.subarray(start, end), expected);
      assert.deepEqual(Buffer.concat([buf.subarray(0, start), buf.subarray(end)]), around);
      const [before] = await kafkaRead(original);
      const [after] = await kafkaRead(Buffer.from(buf.subarray(start, end)));
      assert.equal(after!.producerId, String(to.producerId));
      assert.equal(after!.producerEpoch, to.producerEpoch);
      assert.equal(after!.baseSequence, FROM.baseSequence);
      assert.equal(after!.compression, before!.compression);
      assert.deepEqual(after!.records, before!.records);
    });
  }

  test(`${compression}: transactional batches and batches without a producer are not mappable`, async () => {
    const input = randomRecords(new SeededRandom(3), 5);
    const transactional = await kafkaBuild({ ...FROM, transactional: true, compression }, input);
    const plain = await kafkaBuild({ compression }, input);
    assert.equal(mappableProducerId(transactional, 0, transactional.length), -1);
    assert.equal(mappableProducerId(plain, 0, plain.length), -1);
  });
}

test('legacy message sets (magic 0 and 1) carry no producer and are not mappable', async () => {
  for (const magic of [0, 1] as const) {
    const input = randomRecords(new SeededRandom(magic), 3).map((record) => ({ ...record, headers: [] }));
    const bytes = await kafkaBuild({ magic, compression: 'none' }, input);
    assert.equal(mappableProducerId(bytes, 0, bytes.length), -1);
  }
});
