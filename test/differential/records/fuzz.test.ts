// Differential fuzzing: batches Kafka wrote, mutated (with the checksum re-stamped so that the
// damage reaches the decoders), must be accepted by Switchyard exactly when Kafka's reader accepts
// them, with the same records; Switchyard's only failure is a DecodeError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRecordBatch, RecordBatchView, splitBatches } from '../../../src/protocol/records/index.ts';
import { DecodeError } from '../../../src/protocol/wire/errors.ts';
import { SeededRandom } from '../../unit/protocol/records/helpers.ts';
import {
  asKafkaSees,
  ask,
  CODECS,
  type JavaBatch,
  kafkaBuild,
  randomRecords,
  useKafkaRecords,
} from './kafka-records.ts';

useKafkaRecords();

const ROUNDS_PER_CODEC = 80;

async function switchyardRead(
  bytes: Buffer,
): Promise<{ ok: true; records: unknown[] } | { ok: false; error: DecodeError }> {
  try {
    const records: unknown[] = [];
    // Kafka's reader ignores a partial last batch, as consumers must.
    for (const view of splitBatches(bytes, { allowPartialTail: true }).batches) {
      if (!(view instanceof RecordBatchView)) throw new Error('mutation produced a legacy magic');
      records.push(asKafkaSees(await decodeRecordBatch(view, { maxDecompressedBytes: 1 << 20 })));
    }
    return { ok: true, records };
  } catch (e) {
    assert.ok(e instanceof DecodeError, String(e));
    return { ok: false, error: e };
  }
}

for (const compression of CODECS) {
  test(`${compression}: Switchyard and Kafka agree on mutated batches`, async () => {
    const rnd = new SeededRandom(compression.charCodeAt(0) * 7919);
    const original = await kafkaBuild({ compression }, randomRecords(rnd, 6));
    const mutants: Buffer[] = [];
    for (let round = 0; round < ROUNDS_PER_CODEC; round++) {
      const bytes = Buffer.from(original);
      // Leave the magic alone (legacy formats have their own test) and damage the rest.
      for (let k = rnd.int(1, 3); k > 0; k--) {
        const at = rnd.pick([rnd.int(21, 60), rnd.int(61, bytes.length - 1)]);
        bytes[at] = rnd.next() < 0.5 ? rnd.int(0, 255) : bytes[at]! ^ (1 << rnd.int(0, 7));
      }
      const view = new RecordBatchView(bytes, 0);
      bytes.writeUInt32BE(view.computeCrc(), 17);
      mutants.push(rnd.next() < 0.15 ? bytes.subarray(0, rnd.int(12, bytes.length)) : bytes);
    }
    const answers = await Promise.all(
      mutants.map((m) => ask<{ batches: JavaBatch[] }>({ op: 'read', bytes: m.toString('base64') })),
    );
    for (let i = 0; i < mutants.length; i++) {
      const kafka = answers[i]!;
      const ours = await switchyardRead(mutants[i]!);
      const context = `mutant ${i}: ${mutants[i]!.toString('hex')}\nKafka: ${kafka.ok ? 'ok' : kafka.error}\nSwitchyard: ${ours.ok ? 'ok' : ours.error.message}`;
      assert.equal(ours.ok, kafka.ok, context);
      if (ours.ok && kafka.ok)
        assert.deepEqual(
          ours.records,
          kafka.batches.map((b) => b.records),
          context,
        );
    }
  });
}
