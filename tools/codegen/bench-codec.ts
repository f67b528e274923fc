// `npm run bench:codec`: throughput of the generated codecs on three typical messages, side by side
// with kafkajs and @platformatic/kafka decoding/encoding the same messages. Each measurement runs for
// a fixed time; throughput is per second of CPU time. Note what each library does: Switchyard keeps record batches as opaque
// byte slices (what a proxy needs), while both clients parse record batches in FETCH responses and
// build them from messages in PRODUCE requests, so those two rows compare different amounts of work.
import { createRequire } from 'node:module';
import { createRecordsBatch, fetchV17, metadataV12, produceV11, Reader } from '@platformatic/kafka';
import {
  ApiKey,
  ByteReader,
  ByteWriter,
  encodeRequest,
  type FetchResponse,
  type MessageCodec,
  type MetadataResponse,
  messageCodecs,
  type ProduceRequest,
  readRequestHeader,
  writeCorrelationId,
} from '../../src/protocol/index.ts';

const require = createRequire(import.meta.url);
const kafkajsMetadataV6 = require('kafkajs/src/protocol/requests/metadata/v6/response.js') as {
  decode(b: Buffer): Promise<unknown>;
  parse(d: unknown): Promise<unknown>;
};
const kafkajsFetchV11 = require('kafkajs/src/protocol/requests/fetch/v11/response.js') as {
  decode(b: Buffer): Promise<unknown>;
  parse(d: unknown): Promise<unknown>;
};
const kafkajsProduceV7 = require('kafkajs/src/protocol/requests/produce/v7/request.js') as (args: unknown) => {
  encode(): Promise<{ buffer: Buffer }>;
};

const DURATION_MS = Number(process.env.BENCH_MS ?? 700);

interface Row {
  readonly message: string;
  readonly operation: string;
  readonly library: string;
  readonly bytes: number;
  readonly messagesPerSec: number;
  readonly mbPerSec: number;
}

const rows: Row[] = [];

/**
 * Runs `fn` for DURATION_MS after a warm-up and reports throughput per second of this process's CPU
 * time rather than wall time, so that other load on a shared machine distorts the figures less.
 */
async function measure(message: string, operation: string, library: string, bytes: number, fn: () => unknown) {
  // Warm up so that the optimizing compiler has seen the code.
  for (let end = performance.now() + DURATION_MS / 3; performance.now() < end; ) await fn();
  let n = 0;
  const cpu = process.cpuUsage();
  const end = performance.now() + DURATION_MS;
  while (performance.now() < end) {
    for (let i = 0; i < 8; i++) await fn();
    n += 8;
  }
  const used = process.cpuUsage(cpu);
  const seconds = (used.user + used.system) / 1e6;
  rows.push({ message, operation, library, bytes, messagesPerSec: n / seconds, mbPerSec: (n * bytes) / seconds / 1e6 });
}

function encode<T>(codec: MessageCodec<T>, msg: T, version: number): Buffer {
  const buf = Buffer.allocUnsafe(codec.size(msg, version));
  codec.encode(ByteWriter.into(buf), msg, version);
  return buf;
}

// ---- METADATA: 100 topics × 10 partitions, 5 brokers ------------------------------------------
function metadataResponse(): MetadataResponse {
  const m = messageCodecs[ApiKey.METADATA].response.defaults();
  for (let b = 0; b < 5; b++)
    m.brokers.push({ nodeId: b, host: `broker-${b}.kafka.internal`, port: 9092, rack: `rack-${b % 3}` });
  m.clusterId = 'cluster-1';
  m.controllerId = 1;
  for (let t = 0; t < 100; t++) {
    m.topics.push({
      errorCode: 0,
      name: `orders-${t}`,
      topicId: Buffer.alloc(16, t + 1).toString('base64url'),
      isInternal: false,
      topicAuthorizedOperations: -2147483648,
      partitions: Array.from({ length: 10 }, (_, p) => ({
        errorCode: 0,
        partitionIndex: p,
        leaderId: p % 5,
        leaderEpoch: 7,
        replicaNodes: [p % 5, (p + 1) % 5, (p + 2) % 5],
        isrNodes: [p % 5, (p + 1) % 5, (p + 2) % 5],
        offlineReplicas: [],
      })),
    });
  }
  return m;
}

// ---- record batches built by a client library, so that the clients can parse them --------------
function recordBatch(records: number, valueSize: number): Buffer {
  const value = Buffer.alloc(valueSize, 0x61);
  const messages = Array.from({ length: records }, (_, i) => ({
    topic: 't',
    partition: 0,
    key: Buffer.from(`key-${i}`),
    value,
    timestamp: 1700000000000n + BigInt(i),
  }));
  return (createRecordsBatch(messages as never) as unknown as { buffer: Buffer }).buffer;
}

async function main(): Promise<void> {
  const metadata = messageCodecs[ApiKey.METADATA].response;
  const md = metadataResponse();
  const md12 = encode(metadata, md, 12);
  const md6 = encode(metadata, md, 6);
  await measure('METADATA 1000 partitions', 'decode', 'switchyard v12', md12.length, () =>
    metadata.decode(new ByteReader(md12), 12),
  );
  await measure('METADATA 1000 partitions', 'decode', 'platformatic v12', md12.length, () =>
    metadataV12.parseResponse(0, 3, 12, Reader.from(md12)),
  );
  await measure('METADATA 1000 partitions', 'decode', 'switchyard v6', md6.length, () =>
    metadata.decode(new ByteReader(md6), 6),
  );
  await measure('METADATA 1000 partitions', 'decode', 'kafkajs v6', md6.length, async () =>
    kafkajsMetadataV6.parse(await kafkajsMetadataV6.decode(md6)),
  );
  await measure('METADATA 1000 partitions', 'encode', 'switchyard v12', md12.length, () => encode(metadata, md, 12));

  // FETCH response of ~1 MiB: 4 partitions × 4 batches × 64 records of 1 KiB.
  const fetch = messageCodecs[ApiKey.FETCH].response;
  const batches = Buffer.concat(Array.from({ length: 4 }, () => recordBatch(64, 1024)));
  const fr: FetchResponse = {
    ...fetch.defaults(),
    responses: [
      {
        topic: 'orders',
        topicId: Buffer.alloc(16, 7).toString('base64url'),
        partitions: Array.from({ length: 4 }, (_, p) => ({
          partitionIndex: p,
          errorCode: 0,
          highWatermark: 1000n,
          lastStableOffset: 1000n,
          logStartOffset: 0n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: batches,
        })),
      },
    ],
  };
  const f17 = encode(fetch, fr, 17);
  const f11 = encode(fetch, fr, 11);
  await measure('FETCH 1 MiB', 'decode', 'switchyard v17 (records opaque)', f17.length, () =>
    fetch.decode(new ByteReader(f17), 17),
  );
  await measure('FETCH 1 MiB', 'decode', 'platformatic v17 (parses records)', f17.length, () =>
    fetchV17.parseResponse(0, 1, 17, Reader.from(f17)),
  );
  await measure('FETCH 1 MiB', 'decode', 'switchyard v11 (records opaque)', f11.length, () =>
    fetch.decode(new ByteReader(f11), 11),
  );
  await measure('FETCH 1 MiB', 'decode', 'kafkajs v11 (parses records)', f11.length, async () =>
    kafkajsFetchV11.parse(await kafkajsFetchV11.decode(f11)),
  );
  await measure('FETCH 1 MiB', 'encode', 'switchyard v17', f17.length, () => encode(fetch, fr, 17));

  // PRODUCE request: one batch of 100 records of 1 KiB.
  const produce = messageCodecs[ApiKey.PRODUCE].request;
  const batch = recordBatch(100, 1024);
  const pr: ProduceRequest = {
    ...produce.defaults(),
    acks: -1,
    timeoutMs: 30000,
    topicData: [
      {
        name: 'orders',
        topicId: Buffer.alloc(16, 7).toString('base64url'),
        partitionData: [{ index: 0, records: batch }],
      },
    ],
  };
  const p11 = encode(produce, pr, 11);
  await measure('PRODUCE 100 × 1 KiB', 'decode', 'switchyard v11', p11.length, () =>
    produce.decode(new ByteReader(p11), 11),
  );
  await measure('PRODUCE 100 × 1 KiB', 'encode', 'switchyard v11 (batch prebuilt)', p11.length, () =>
    encode(produce, pr, 11),
  );
  const value = Buffer.alloc(1024, 0x61);
  const messages = Array.from({ length: 100 }, (_, i) => ({
    topic: 'orders',
    partition: 0,
    key: Buffer.from(`key-${i}`),
    value,
  }));
  await measure('PRODUCE 100 × 1 KiB', 'encode', 'platformatic v11 (builds batch)', p11.length, () =>
    produceV11.createRequest(-1, 30000, messages.map((m) => ({ ...m })) as never),
  );
  await measure('PRODUCE 100 × 1 KiB', 'encode', 'kafkajs v7 (builds batch)', p11.length, () =>
    kafkajsProduceV7({
      acks: -1,
      timeout: 30000,
      topicData: [
        { topic: 'orders', partitions: [{ partition: 0, messages: messages.map((m) => ({ key: m.key, value })) }] },
      ],
    }).encode(),
  );

  // The per-request work of the proxy's forwarding path: read the header, swap the correlation id.
  const request = encodeRequest(ApiKey.PRODUCE, 11, 1, 'producer-1', pr);
  let id = 0;
  await measure('request header', 'read + swap id', 'switchyard', request.length, () => {
    readRequestHeader(request);
    writeCorrelationId(request, id++ & 0x7fffffff);
  });

  const table = rows.map((r) => ({
    message: r.message,
    op: r.operation,
    library: r.library,
    'bytes/msg': r.bytes,
    'msgs/s': Math.round(r.messagesPerSec),
    'MB/s': Math.round(r.mbPerSec),
  }));
  console.table(table);
  const ratio = (a: string, b: string): number => {
    const x = rows.find((r) => r.library === a && r.operation === 'decode');
    const y = rows.find((r) => r.library === b && r.operation === 'decode');
    return x && y ? Math.round((x.messagesPerSec / y.messagesPerSec) * 10) / 10 : Number.NaN;
  };
  const ratios = {
    metadataDecodeVsPlatformatic: ratio('switchyard v12', 'platformatic v12'),
    metadataDecodeVsKafkajs: ratio('switchyard v6', 'kafkajs v6'),
    fetchDecodeVsPlatformatic: ratio('switchyard v17 (records opaque)', 'platformatic v17 (parses records)'),
    fetchDecodeVsKafkajs: ratio('switchyard v11 (records opaque)', 'kafkajs v11 (parses records)'),
  };
  console.log('Switchyard / other, decoded messages per CPU second:', ratios);
  console.log(JSON.stringify({ rows, ratios }));
}

await main();
