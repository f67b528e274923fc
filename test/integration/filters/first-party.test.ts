// The first-party filters (ProtocolLogger, TopicPolicy, RecordTransform) in front of a real broker,
// driven by kafkajs and by raw frames.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import { ErrorCode } from '../../../src/index.ts';
import { decodeRecordBatch, type RecordBatchView, splitBatches } from '../../../src/protocol/records/index.ts';
import { kafkajsClient, kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { platformaticConsume, platformaticProduce } from '../../helpers/clients/platformatic.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { fetchFrame, fetchPartition, produceFrame, producePartition } from './frames.ts';
import { rawConnection } from './raw-client.ts';

// kafkajs is CommonJS and this export is not detected as a named one.
const { CompressionTypes } = kafkajs;

const cluster = await useKafkaCluster({ brokers: 1, name: 'first-party-filters' });
const direct = { bootstrapServers: cluster.bootstrapServers };
// One at a time: kafkajs' wait for leaders gives up on many new topics of a just-started broker.
for (const name of ['logged-t', 'secret-1', 'hidden-1', 'shout-1', 'quiet-1', 'mirror-1', 'mirror-2', 'shout-2']) {
  await kafkajsCreateTopics(direct, [{ name }]);
}

const ports = await Promise.all([freePortBlock(4), freePortBlock(4), freePortBlock(4), freePortBlock(4)]);
const gateway = (port: number) => `
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}`;
const running = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
filterDefinitions:
  - name: protocol-log
    type: ProtocolLogger
  - name: policy
    type: TopicPolicy
    config:
      denyCreate: ['forbidden-.*']
      denyProduce: ['secret-.*']
      denyConsume: ['hidden-.*']
  - name: shout
    type: RecordTransform
    config:
      produce: uppercase
      topics: 'shout-.*'
  - name: mirror
    type: RecordTransform
    config:
      fetch: { module: ./test/integration/filters/fixtures/behaviours.ts, export: reverse }
virtualClusters:
  - name: logged
    target: { cluster: main }
    filters: [protocol-log]${gateway(ports[0]!)}
  - name: policed
    target: { cluster: main }
    filters: [policy]${gateway(ports[1]!)}
  - name: shouting
    target: { cluster: main }
    filters: [shout]${gateway(ports[2]!)}
  - name: mirrored
    target: { cluster: main }
    filters: [mirror]${gateway(ports[3]!)}
`);
const via = (vc: string) => ({ bootstrapServers: running.bootstrap(vc, 'ports') });

/** The batches stored in partition 0 of `topic`, read straight from the broker. */
async function storedBatches(topic: string) {
  const connection = await rawConnection(cluster.bootstrapServers.split(',')[0]!);
  try {
    const { records } = fetchPartition(await connection.request(fetchFrame(1, topic)));
    const { batches } = splitBatches(records ?? Buffer.alloc(0), { allowPartialTail: true });
    return Promise.all(batches.map((view) => decodeRecordBatch(view as RecordBatchView)));
  } finally {
    connection.close();
  }
}

test('ProtocolLogger logs api, version, sizes and latency of each request, never record contents', async () => {
  await kafkajsProduce(via('logged'), 'logged-t', [
    { value: 'confidential-payload-1' },
    { value: 'confidential-payload-2' },
  ]);
  const lines = running.logs.filter((line) => line.msg === 'kafka request' && line.virtualCluster === 'logged');
  const produce = lines.find((line) => line.api === 'PRODUCE');
  assert.ok(produce, 'the produce request is logged');
  assert.equal(typeof produce.apiVersion, 'number');
  assert.ok((produce.requestBytes as number) > 0);
  assert.ok((produce.responseBytes as number) > 0);
  assert.ok((produce.latencyMs as number) >= 0);
  assert.ok(lines.some((line) => line.api === 'METADATA'));
  assert.ok(
    running.logs.every((line) => !JSON.stringify(line).includes('confidential-payload')),
    'no record content in any log line',
  );
});

test('TopicPolicy refuses creating a matching topic with POLICY_VIOLATION', async () => {
  await assert.rejects(kafkajsCreateTopics(via('policed'), [{ name: 'forbidden-1' }]), (error: Error) => {
    // kafkajs collects the per-topic errors of CREATE_TOPICS in an aggregate.
    const topicErrors = (error.cause as { errors?: { type: string }[] }).errors ?? [];
    assert.deepEqual(
      topicErrors.map((e) => e.type),
      ['POLICY_VIOLATION'],
    );
    return true;
  });
  const admin = kafkajsClient(direct).admin();
  await admin.connect();
  try {
    assert.ok(!(await admin.listTopics()).includes('forbidden-1'));
  } finally {
    await admin.disconnect();
  }
});

test('TopicPolicy refuses producing to a matching topic with TOPIC_AUTHORIZATION_FAILED', async () => {
  const connection = await rawConnection(via('policed').bootstrapServers);
  try {
    const answer = producePartition(await connection.request(await produceFrame(1, 'secret-1', ['x'])));
    assert.equal(answer.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  } finally {
    connection.close();
  }
  await assert.rejects(kafkajsProduce(via('policed'), 'secret-1', [{ value: 'x' }]), /authoriz/i);
  assert.deepEqual(await storedBatches('secret-1'), []);
});

test('TopicPolicy refuses fetching from a matching topic, while producing to it is allowed', async () => {
  const connection = await rawConnection(via('policed').bootstrapServers);
  try {
    const produced = producePartition(await connection.request(await produceFrame(1, 'hidden-1', ['x'])));
    assert.equal(produced.errorCode, ErrorCode.NONE);
    const fetched = fetchPartition(await connection.request(fetchFrame(2, 'hidden-1')));
    assert.equal(fetched.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    assert.equal(fetched.records, null);
  } finally {
    connection.close();
  }
});

test('RecordTransform uppercases produced values of matching topics, keeping the gzip compression', async () => {
  const producer = kafkajsClient(via('shouting')).producer();
  await producer.connect();
  try {
    const messages = [{ value: 'hello' }, { value: 'quiet please' }];
    await producer.send({ topic: 'shout-1', compression: CompressionTypes.GZIP, messages });
    await producer.send({ topic: 'quiet-1', compression: CompressionTypes.GZIP, messages });
  } finally {
    await producer.disconnect();
  }
  const [shouted] = await storedBatches('shout-1');
  assert.equal(shouted?.compression, 'gzip');
  assert.deepEqual(
    shouted?.records.map((r) => r.value?.toString()),
    ['HELLO', 'QUIET PLEASE'],
  );
  const [untouched] = await storedBatches('quiet-1');
  assert.deepEqual(
    untouched?.records.map((r) => r.value?.toString()),
    ['hello', 'quiet please'],
  );
});

test('RecordTransform applies a function from a module to fetched values: kafkajs consumes them reversed', async () => {
  await kafkajsProduce(direct, 'mirror-1', [{ value: 'abc' }, { value: 'stressed' }]);
  const consumed = await kafkajsConsume(via('mirrored'), { topic: 'mirror-1', groupId: 'mirror-group', count: 2 });
  assert.deepEqual(
    consumed.map((r) => r.value),
    ['cba', 'desserts'],
  );
  const [stored] = await storedBatches('mirror-1');
  assert.deepEqual(
    stored?.records.map((r) => r.value?.toString()),
    ['abc', 'stressed'],
    'the broker keeps the original values',
  );
});

test('@platformatic/kafka, which fetches by topic id, consumes transformed values (names resolved out of band)', async () => {
  await kafkajsProduce(direct, 'mirror-2', [{ value: 'drawer' }, { value: 'stop' }]);
  const consumed = await platformaticConsume(via('mirrored'), {
    topic: 'mirror-2',
    groupId: 'mirror-2-group',
    count: 2,
  });
  assert.deepEqual(
    consumed.map((r) => r.value),
    ['reward', 'pots'],
  );
});

test('@platformatic/kafka produces through RecordTransform: values are stored uppercased', async () => {
  await platformaticProduce(via('shouting'), 'shout-2', [{ value: 'whisper' }]);
  const [stored] = await storedBatches('shout-2');
  assert.deepEqual(
    stored?.records.map((r) => r.value?.toString()),
    ['WHISPER'],
  );
});
