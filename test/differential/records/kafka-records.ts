// Talks to RecordsHarness.java (Kafka's MemoryRecords and MemoryRecordsBuilder) for the
// differential tests of this folder.
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CompressionType } from '../../../src/protocol/compression/index.ts';
import type { KafkaRecord, RecordBatch } from '../../../src/protocol/records/index.ts';
import type { SeededRandom } from '../../unit/protocol/records/helpers.ts';
import { type JavaHarness, startJavaHarness } from '../java-harness.ts';

export const CODECS: CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export interface InputRecord {
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer | null }[];
}

export interface BuildOptions {
  magic?: 0 | 1 | 2;
  compression: CompressionType;
  timestampType?: 'CreateTime' | 'LogAppendTime';
  baseOffset?: bigint;
  logAppendTime?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  partitionLeaderEpoch?: number;
}

export interface JavaRecord {
  offset: string;
  timestamp: string;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
  controlType?: string;
  coordinatorEpoch?: number;
}

export interface JavaBatch {
  magic: number;
  baseOffset: string;
  lastOffset: string;
  compression: string;
  timestampType: string | null;
  maxTimestamp: string;
  transactional: boolean;
  control: boolean;
  producerId: string;
  producerEpoch: number;
  baseSequence: number;
  partitionLeaderEpoch: number;
  baseTimestamp?: string;
  records: JavaRecord[];
}

export type Answer<T> = ({ ok: true } & T) | { ok: false; error: string };

let java: JavaHarness | undefined;

/** Starts the harness for this test file and stops it after its tests. */
export function useKafkaRecords(): void {
  before(() => {
    java = startJavaHarness({ source: fileURLToPath(new URL('./RecordsHarness.java', import.meta.url)) });
  });
  after(async () => {
    await java?.close();
  });
}

export const b64 = (b: Buffer | null): string | null => (b === null ? null : b.toString('base64'));

/** Kafka's answer, whether it accepted the request or failed with an exception. */
export function ask<T>(request: unknown): Promise<Answer<T>> {
  if (java === undefined) throw new Error('call useKafkaRecords() in the test file first');
  return java.call<Answer<T>>(request);
}

export async function call<T>(request: unknown): Promise<T> {
  const answer = await ask<T>(request);
  if (!answer.ok) throw new Error(`Kafka refused: ${answer.error}`);
  return answer;
}

export async function kafkaBuild(options: BuildOptions, records: InputRecord[]): Promise<Buffer> {
  const answer = await call<{ bytes: string }>({
    op: 'build',
    magic: options.magic ?? 2,
    compression: options.compression,
    timestampType: options.timestampType ?? 'CreateTime',
    baseOffset: String(options.baseOffset ?? 0n),
    logAppendTime: String(options.logAppendTime ?? -1n),
    producerId: String(options.producerId ?? -1n),
    producerEpoch: options.producerEpoch ?? -1,
    baseSequence: options.baseSequence ?? -1,
    transactional: options.transactional ?? false,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    records: records.map((r) => ({
      timestamp: String(r.timestamp),
      key: b64(r.key),
      value: b64(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: b64(h.value) })),
    })),
  });
  return Buffer.from(answer.bytes, 'base64');
}

export async function kafkaRead(bytes: Buffer): Promise<JavaBatch[]> {
  return (await call<{ batches: JavaBatch[] }>({ op: 'read', bytes: bytes.toString('base64') })).batches;
}

export function randomRecords(rnd: SeededRandom, count: number): InputRecord[] {
  const start = 1_700_000_000_000n + BigInt(rnd.int(0, 1_000_000));
  return Array.from({ length: count }, () => ({
    timestamp: start + BigInt(rnd.int(-5000, 5000)),
    key: rnd.next() < 0.2 ? null : rnd.bytes(rnd.int(0, 40)),
    value:
      rnd.next() < 0.1
        ? null
        : rnd.next() < 0.3
          ? Buffer.from('abc'.repeat(rnd.int(0, 3000)))
          : rnd.bytes(rnd.int(0, 300)),
    headers: Array.from({ length: rnd.pick([0, 0, 1, 3]) }, (_, i) => ({
      key: rnd.pick(['trace-id', 'ünïcødé', '', `h${i}`]),
      value: rnd.next() < 0.2 ? null : rnd.bytes(rnd.int(0, 20)),
    })),
  }));
}

/** The records as Kafka's reader presents them, computed from Switchyard's decoding. */
export function asKafkaSees(batch: RecordBatch): JavaRecord[] {
  return batch.records.map((r: KafkaRecord) => ({
    offset: String(batch.baseOffset + BigInt(r.offsetDelta)),
    timestamp: String(
      batch.timestampType === 'LogAppendTime' ? batch.maxTimestamp : batch.baseTimestamp + r.timestampDelta,
    ),
    key: b64(r.key),
    value: b64(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: b64(h.value) })),
  }));
}
