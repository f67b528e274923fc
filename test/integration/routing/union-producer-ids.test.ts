// Idempotent producers across the clusters of a TopicRouter (issue 13, virtual producer ids): two
// Java producers (acks=all, idempotence on, five requests in flight) send 200 000 records over the
// topics of both routes while one broker of each cluster is killed and restarted. Read directly on
// each cluster, every record is there exactly once and in order per producer and partition, and
// the two producers wrote under distinct real ids on every partition, although both clusters
// allocate producer ids from 0. Through the proxy, DESCRIBE_PRODUCERS names them by the ids the
// clients hold. Large PRODUCE frames reach the router in the pieces they arrived in, and the
// batches that need another cluster's id are rewritten there (the broker checks each CRC).
//
// Clusters: two brokers and one dedicated controller each (with two combined nodes, killing one
// would lose the controller quorum), topics with replication factor 2 and min.insync.replicas 1,
// so that acks=all keeps working while one broker is down.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DecodeEvent, StreamEvent } from '../../../src/pipeline/diagnostics.ts';
import {
  ApiKey,
  decodeResponseBody,
  encodeRequest,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { type JavaHarness, startJavaHarness } from '../../differential/java-harness.ts';
import { javaCreateTopic } from '../../helpers/clients/java-admin.ts';
import { kafkajsClient, kafkajsConsume } from '../../helpers/clients/kafkajs.ts';
import { kcatMetadata } from '../../helpers/clients/kcat.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { rawConnection } from '../filters/raw-client.ts';

const RECORDS_PER_PRODUCER = 100_000;
const PRODUCERS = ['left', 'right'];
const TOPICS = { main: ['orders', 'events'], payments: ['pay.orders', 'pay.events'] };

const brokerConfig = {
  'min.insync.replicas': 1,
  'default.replication.factor': 2,
  'offsets.topic.replication.factor': 2,
  'transaction.state.log.replication.factor': 2,
  'transaction.state.log.min.isr': 1,
};
const [clusterA, clusterB] = await Promise.all([
  useKafkaCluster({ name: 'pid-a', brokers: 2, controllers: 1, brokerConfig }),
  useKafkaCluster({ name: 'pid-b', brokers: 2, controllers: 1, brokerConfig }),
]);
for (const [cluster, topics] of [
  [clusterA, TOPICS.main],
  [clusterB, TOPICS.payments],
] as const) {
  for (const name of topics) await javaCreateTopic(cluster.connection(), { name, partitions: 3, replicationFactor: 2 });
}

// How many PRODUCE requests the proxy decoded (only those of a producer still waiting for a real id
// of a route are) and how many arrived in pieces (large frames, offered to the router uncopied).
const produce = { decoded: 0, streamed: 0 };
const countDecode = (event: unknown): void => {
  const { direction, apiKey } = event as DecodeEvent;
  if (direction === 'request' && apiKey === ApiKey.PRODUCE) produce.decoded++;
};
const fetches = { streamed: 0 };
const countStream = (event: unknown): void => {
  const { direction, apiKey } = event as StreamEvent;
  if (direction === 'request' && apiKey === ApiKey.PRODUCE) produce.streamed++;
  if (direction === 'response' && apiKey === ApiKey.FETCH) fetches.streamed++;
};
subscribe('switchyard:decode', countDecode);
subscribe('switchyard:stream', countStream);
after(() => {
  unsubscribe('switchyard:decode', countDecode);
  unsubscribe('switchyard:stream', countStream);
});

const port = await freePortBlock(16);
const running = await useProxy(
  `
clusterDefinitions:
  - name: a
    bootstrapServers: ${clusterA.bootstrapServers}
  - name: b
    bootstrapServers: ${clusterB.bootstrapServers}
routerDefinitions:
  - name: union
    type: TopicRouter
    config:
      defaultRoute: main
      topics: [{ prefix: "pay.", route: payments }]
    routes:
      - { name: main, id: 0, target: { cluster: a } }
      - { name: payments, id: 1, target: { cluster: b } }
virtualClusters:
  - name: union
    target: { router: union }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}
`,
);
const proxy = running.bootstrap('union', 'ports');

/** PRODUCE requests the proxy received from clients so far. */
async function produceRequests(): Promise<number> {
  const series = 'switchyard_client_requests_total{virtual_cluster="union",api_key="PRODUCE"} ';
  const line = (await running.proxy.metricsText()).split('\n').find((l) => l.startsWith(series));
  return line === undefined ? 0 : Number(line.slice(series.length));
}

let java: JavaHarness;
before(() => {
  java = startJavaHarness({
    source: fileURLToPath(new URL('./fixtures/IdempotentSpread.java', import.meta.url)),
    jvmOptions: ['-Xmx384m', '-XX:+UseSerialGC', '-XX:CICompilerCount=2'],
  });
});
after(() => java?.close());

type Answer<T> = ({ ok: true } & T) | { ok: false; error: string };
async function ask<T>(request: Record<string, unknown>): Promise<T> {
  const answer = await java.call<Answer<T>>(request);
  if (!answer.ok) throw new Error(`${String(request.op)} failed: ${answer.error}`);
  return answer;
}

/** Every record of the topics' partitions, read directly from a cluster: "topic/partition" → values. */
async function readAll(bootstrap: string, topics: readonly string[]): Promise<Record<string, string[]>> {
  return (await ask<{ partitions: Record<string, string[]> }>({ op: 'read', bootstrap, topics })).partitions;
}

/**
 * Active producer ids per "topic/partition" as the proxy answers DESCRIBE_PRODUCERS, asked of
 * each partition's leader (the virtual broker kcat's metadata names) on a bare connection.
 */
async function producerIdsViaProxy(topics: readonly string[]): Promise<Record<string, number[]>> {
  const metadata = await kcatMetadata({ bootstrapServers: proxy });
  const out: Record<string, number[]> = {};
  for (const topic of metadata.topics.filter((t) => topics.includes(t.name))) {
    for (const { partition, leader } of topic.partitions) {
      const broker = metadata.brokers.find((b) => b.id === leader)!;
      const connection = await rawConnection(`${broker.host}:${broker.port}`);
      try {
        const request = { topics: [{ name: topic.name, partitionIndexes: [partition] }] };
        const frame = await connection.request(encodeRequest(ApiKey.DESCRIBE_PRODUCERS, 0, 1, 'test', request));
        const { bodyOffset } = readResponseHeader(frame, responseHeaderVersion(ApiKey.DESCRIBE_PRODUCERS, 0));
        const body = decodeResponseBody(ApiKey.DESCRIBE_PRODUCERS, 0, frame, bodyOffset) as {
          topics: { partitions: { errorCode: number; activeProducers: { producerId: bigint }[] }[] }[];
        };
        const answer = body.topics[0]!.partitions[0]!;
        assert.equal(answer.errorCode, 0, `DESCRIBE_PRODUCERS of ${topic.name}/${partition}`);
        out[`${topic.name}/${partition}`] = answer.activeProducers.map((p) => Number(p.producerId));
      } finally {
        connection.close();
      }
    }
  }
  return out;
}

/** Active producer ids per "topic/partition", as DESCRIBE_PRODUCERS at `bootstrap` answers. */
async function producerIds(bootstrap: string, topics: readonly string[]): Promise<Record<string, number[]>> {
  const answer = await ask<{ partitions: Record<string, number[]> }>({
    op: 'producers',
    bootstrap,
    topics,
    partitions: 3,
  });
  return answer.partitions;
}

test('200 000 records of two idempotent producers over both routes survive a broker restart in each cluster: none lost, none duplicated, producers kept apart', async (t) => {
  await ask({
    op: 'start',
    bootstrap: proxy,
    topics: [...TOPICS.main, ...TOPICS.payments],
    producers: PRODUCERS,
    records: RECORDS_PER_PRODUCER,
    // Paced, and held at 90% until the restarts are over, so that they happen mid-stream.
    pauseAt: RECORDS_PER_PRODUCER * 0.9,
    perSecond: 2000,
  });
  const early = await ask<{ acked: number; firstError: string | null }>({ op: 'progress', acked: 10_000 });
  assert.equal(early.firstError, null);
  for (const cluster of [clusterA, clusterB]) {
    await cluster.killBroker(2);
    await cluster.startBroker(2);
  }
  const done = await ask<{ acked: number; failed: number; firstError: string | null }>({ op: 'finish' });
  assert.deepEqual(done, { ok: true, acked: PRODUCERS.length * RECORDS_PER_PRODUCER, failed: 0, firstError: null });

  // Exactly once, directly on each cluster, and in order per producer within each partition.
  const seen = new Map<string, number>();
  const written = new Set<string>();
  for (const [cluster, topics] of [
    [clusterA, TOPICS.main],
    [clusterB, TOPICS.payments],
  ] as const) {
    for (const [partition, values] of Object.entries(await readAll(cluster.bootstrapServers, topics))) {
      const last = new Map<string, number>();
      if (values.length > 0) written.add(partition);
      for (const value of values) {
        seen.set(value, (seen.get(value) ?? 0) + 1);
        const [producer, index] = value.split('-') as [string, string];
        assert.ok(Number(index) > (last.get(producer) ?? -1), `${value} after ${last.get(producer)} in ${partition}`);
        last.set(producer, Number(index));
      }
    }
  }
  const duplicated = [...seen].filter(([, count]) => count > 1).map(([value]) => value);
  assert.deepEqual(duplicated.slice(0, 10), [], `${duplicated.length} records written more than once`);
  const missing = PRODUCERS.flatMap((name) =>
    Array.from({ length: RECORDS_PER_PRODUCER }, (_, i) => `${name}-${i}`).filter((value) => !seen.has(value)),
  );
  assert.deepEqual(missing.slice(0, 10), [], `${missing.length} records lost`);
  assert.equal(seen.size, PRODUCERS.length * RECORDS_PER_PRODUCER);

  // Each partition of each cluster has two producers with distinct real ids; through the proxy,
  // both clusters name them by the same two virtual ids, one in each route's residue class or both
  // in one (wherever INIT_PRODUCER_ID was served).
  const virtual = new Set<number>();
  const real: string[] = [];
  for (const [cluster, topics] of [
    [clusterA, TOPICS.main],
    [clusterB, TOPICS.payments],
  ] as const) {
    for (const [partition, ids] of Object.entries(await producerIds(cluster.bootstrapServers, topics))) {
      if (!written.has(partition)) continue;
      assert.equal(new Set(ids).size, PRODUCERS.length, `real producer ids on ${partition}: ${ids}`);
      real.push(`${partition}: ${[...ids].sort()}`);
    }
    for (const [partition, ids] of Object.entries(await producerIdsViaProxy(topics))) {
      if (!written.has(partition)) continue;
      assert.equal(new Set(ids).size, PRODUCERS.length, `virtual producer ids on ${partition}: ${ids}`);
      for (const id of ids) virtual.add(id);
    }
  }
  assert.equal(virtual.size, PRODUCERS.length, `the clients' ids seen through the proxy: ${[...virtual]}`);
  t.diagnostic(`virtual producer ids: ${[...virtual].sort()}; real ids per partition: ${real.join('; ')}`);

  // The produce path stays undecoded but for a producer's first requests to a route it is not at home on.
  const sent = await produceRequests();
  t.diagnostic(`PRODUCE requests: ${sent} sent, ${produce.decoded} decoded, ${produce.streamed} in pieces`);
  assert.ok(produce.decoded * 100 < sent, `${produce.decoded} of ${sent} PRODUCE requests decoded`);
});

test('large PRODUCE frames arrive in pieces and are rewritten in place for the other route: the broker accepts every batch and the records come back byte for byte', async () => {
  await javaCreateTopic(clusterA.connection(), { name: 'big', partitions: 1, replicationFactor: 2 });
  await javaCreateTopic(clusterB.connection(), { name: 'pay.big', partitions: 1, replicationFactor: 2 });
  const streamedBefore = produce.streamed;
  const decodedBefore = produce.decoded;
  const client = kafkajsClient({ bootstrapServers: proxy }, 'large-idempotent');
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sent: { topic: string; value: string }[] = [];
  try {
    // Its id comes from the default route (cluster a): on pay.big (cluster b) every batch needs b's real id.
    for (let round = 0; round < 6; round++) {
      for (const topic of ['big', 'pay.big']) {
        const values = Array.from({ length: 8 }, () => randomBytes(18_000).toString('base64'));
        await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
        for (const value of values) sent.push({ topic, value });
      }
    }
  } finally {
    await producer.disconnect();
  }
  assert.ok(produce.streamed - streamedBefore >= 10, `${produce.streamed - streamedBefore} PRODUCE requests in pieces`);
  // Decoded: at most the first request on cluster b, while its real id was being obtained.
  assert.ok(produce.decoded - decodedBefore <= 1, `${produce.decoded - decodedBefore} PRODUCE requests decoded`);
  for (const [cluster, topic] of [
    [clusterA, 'big'],
    [clusterB, 'pay.big'],
  ] as const) {
    const stored = Object.values(await readAll(cluster.bootstrapServers, [topic])).flat();
    for (const { value } of sent.filter((r) => r.topic === topic)) {
      assert.ok(stored.includes(value), `a record of ${topic} is missing on its cluster`);
    }
  }
  // Read back through the router: large fetch responses cross the two-route level as the pieces
  // they arrived in (skimmed for broker ids, none found), streamed to the client uncopied.
  const streamedBefore2 = fetches.streamed;
  const consumed = await kafkajsConsume(
    { bootstrapServers: proxy },
    { topic: 'pay.big', groupId: 'large-pieces', count: sent.filter((r) => r.topic === 'pay.big').length },
  );
  assert.deepEqual(
    consumed.map((r) => r.value).sort(),
    sent
      .filter((r) => r.topic === 'pay.big')
      .map((r) => r.value)
      .sort(),
  );
  assert.ok(fetches.streamed > streamedBefore2, 'a fetch response crossed the router in pieces');
});
