// Every real client the project tests with can produce to and consume from a test-bed cluster
// with a consumer group, and the helpers return what Kafka stored: keys, values, headers,
// partitions, offsets and committed group offsets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordToProduce } from '../../helpers/clients/common.ts';
import { javaCreateTopic, javaDescribeGroupOffsets, javaDescribeTopic } from '../../helpers/clients/java-admin.ts';
import { javaConsoleConsume, javaConsoleProduce } from '../../helpers/clients/java-console.ts';
import {
  javaConsumerPerformance,
  javaProducerPerformance,
  javaVerifiableConsumer,
  javaVerifiableProducer,
} from '../../helpers/clients/java-perf.ts';
import {
  kafkajsConsume,
  kafkajsCreateTopics,
  kafkajsGroupOffsets,
  kafkajsProduce,
} from '../../helpers/clients/kafkajs.ts';
import { kcatConsume, kcatMetadata, kcatProduce } from '../../helpers/clients/kcat.ts';
import {
  platformaticConsume,
  platformaticCreateTopics,
  platformaticGroupOffsets,
  platformaticProduce,
} from '../../helpers/clients/platformatic.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';

const cluster = await useKafkaCluster({ name: 'clients' });
const connection = cluster.connection();

const records: RecordToProduce[] = [
  { key: 'k1', value: 'first', headers: { trace: 'a1' } },
  { key: 'k2', value: 'second, with\ttab:colon' },
  { key: null, value: 'keyless' },
  { key: 'k4', value: null },
];

/** What a consumer should report for `records`, ignoring where the partitioner put them. */
function payloads(
  consumed: readonly { key: string | null; value: string | null; headers: Readonly<Record<string, string>> }[],
) {
  return consumed
    .map(({ key, value, headers }) => ({ key, value, headers: { ...headers } }))
    .sort((a, b) => String(a.value).localeCompare(String(b.value)));
}
const expected = payloads(records.map((r) => ({ key: r.key ?? null, value: r.value, headers: r.headers ?? {} })));

test('Kafka console tools create a topic, produce, and consume in a group whose offsets kafka-consumer-groups reports', async () => {
  await javaCreateTopic(connection, { name: 'java-console', partitions: 2 });
  const description = await javaDescribeTopic(connection, 'java-console');
  assert.deepEqual(
    description.partitions.map((p) => [p.partition, p.leader]),
    [
      [0, 1],
      [1, 1],
    ],
  );
  await javaConsoleProduce(connection, 'java-console', records);
  const consumed = await javaConsoleConsume(connection, { topic: 'java-console', groupId: 'java-group', count: 4 });
  assert.deepEqual(payloads(consumed), expected);
  const offsets = await javaDescribeGroupOffsets(connection, 'java-group');
  const total = offsets.reduce((sum, p) => sum + (p.currentOffset ?? 0), 0);
  assert.equal(total, 4, 'the group committed past all four records');
  assert.ok(offsets.every((p) => p.lag === 0));
});

test('kcat produces, consumes in a group, and reads metadata as JSON', async () => {
  await kcatProduce(connection, 'kcat-topic', records);
  const consumed = await kcatConsume(connection, { topic: 'kcat-topic', groupId: 'kcat-group', count: 4 });
  assert.deepEqual(payloads(consumed), expected);
  assert.deepEqual(
    consumed.map((r) => r.offset),
    [0, 1, 2, 3],
  );
  const metadata = await kcatMetadata(connection, { topic: 'kcat-topic' });
  assert.deepEqual(metadata.brokers, [{ id: 1, host: '127.0.0.1', port: cluster.brokers[0]?.port }]);
  assert.equal(metadata.topics[0]?.partitions.length, 1);
});

test('kafkajs creates a topic, produces, consumes in a group and reads back the committed offset', async () => {
  await kafkajsCreateTopics(connection, [{ name: 'kafkajs-topic', partitions: 1 }]);
  const produced = await kafkajsProduce(connection, 'kafkajs-topic', records);
  assert.deepEqual(produced, [{ topic: 'kafkajs-topic', partition: 0, offset: 0 }]);
  const consumed = await kafkajsConsume(connection, { topic: 'kafkajs-topic', groupId: 'kafkajs-group', count: 4 });
  assert.deepEqual(payloads(consumed), expected);
  assert.deepEqual(await kafkajsGroupOffsets(connection, 'kafkajs-group', 'kafkajs-topic'), [
    { partition: 0, offset: 4 },
  ]);
});

test('@platformatic/kafka creates a topic, produces, consumes in a group and reads back the committed offset', async () => {
  await platformaticCreateTopics(connection, [{ name: 'platformatic-topic', partitions: 1 }]);
  const produced = await platformaticProduce(connection, 'platformatic-topic', records);
  assert.deepEqual(produced, [{ topic: 'platformatic-topic', partition: 0, offset: 0 }]);
  const consumed = await platformaticConsume(connection, {
    topic: 'platformatic-topic',
    groupId: 'platformatic-group',
    count: 4,
  });
  assert.deepEqual(payloads(consumed), expected);
  assert.deepEqual(await platformaticGroupOffsets(connection, 'platformatic-group', 'platformatic-topic'), [
    { partition: 0, offset: 4 },
  ]);
});

test('the verifiable producer and consumer report every acknowledged and consumed offset', async () => {
  const produced = await javaVerifiableProducer(connection, { topic: 'verifiable', messages: 20 });
  assert.equal(produced.sent, 20);
  assert.equal(produced.acked.length, 20);
  assert.deepEqual(produced.failed, []);
  const consumed = await javaVerifiableConsumer(connection, {
    topic: 'verifiable',
    groupId: 'verifiable-group',
    messages: 20,
  });
  assert.deepEqual(consumed.consumed, [{ topic: 'verifiable', partition: 0, count: 20, minOffset: 0, maxOffset: 19 }]);
  assert.deepEqual(consumed.committed, [{ topic: 'verifiable', partition: 0, offset: 20 }]);
});

test('the producer and consumer performance tools report what they moved', async () => {
  const produced = await javaProducerPerformance(connection, { topic: 'perf', records: 2000, recordSize: 100 });
  assert.equal(produced.records, 2000);
  assert.ok(produced.recordsPerSecond > 0);
  const consumed = await javaConsumerPerformance(connection, { topic: 'perf', records: 2000 });
  assert.equal(consumed.records, 2000);
  assert.ok(consumed.megabytes > 0.18, `consumed ${consumed.megabytes} MB`);
});
