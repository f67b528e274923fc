// A virtual cluster in front of a real 3-broker Kafka cluster, through a port-per-broker gateway:
// real clients work through it as they do against Kafka, and never see a real broker address.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import {
  ApiKey,
  type ApiVersionsRequest,
  apiInfo,
  codecsFor,
  decodeResponseBody,
  ErrorCode,
  encodeRequest,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { javaConsoleConsume, javaConsoleProduce } from '../../helpers/clients/java-console.ts';
import { javaProducerPerformance } from '../../helpers/clients/java-perf.ts';
import {
  kafkajsClient,
  kafkajsConsume,
  kafkajsCreateTopics,
  kafkajsDescribeCluster,
  kafkajsGroupOffsets,
  kafkajsProduce,
} from '../../helpers/clients/kafkajs.ts';
import { kcatConsume, kcatMetadata, kcatProduce } from '../../helpers/clients/kcat.ts';
import {
  platformaticConsume,
  platformaticCreateTopics,
  platformaticProduce,
} from '../../helpers/clients/platformatic.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

// kafkajs is CommonJS and this export is not detected as a named one.
const { ConfigResourceTypes } = kafkajs;

const cluster = await useKafkaCluster({ brokers: 3, name: 'pass-through' });
const realPorts = new Set(cluster.brokers.map((broker) => broker.port));

/** Every host/port pair found anywhere in the decoded responses clients received. */
const seenAddresses: { apiKey: number; host: string; port: number }[] = [];

function collectAddresses(apiKey: number, value: unknown): void {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) collectAddresses(apiKey, item);
    return;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.host === 'string' && typeof record.port === 'number') {
    seenAddresses.push({ apiKey, host: record.host, port: record.port });
  }
  for (const child of Object.values(record)) collectAddresses(apiKey, child);
}

/** A closed port: a cluster there is unreachable. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  assert.ok(address && typeof address !== 'string');
  await new Promise((resolve) => server.close(resolve));
  return address.port;
}

const deadPort = await unusedPort();
const demoPorts = await freePortBlock(8);
const unreachablePorts = await freePortBlock(8);
const running = await useProxy(
  `
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
  - name: gone
    bootstrapServers: 127.0.0.1:${deadPort}
virtualClusters:
  - name: demo
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${demoPorts}
  - name: unreachable
    target: { cluster: gone }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${unreachablePorts}
`,
  {
    inspectResponse: (apiKey, apiVersion, frame) => {
      // The answer to a too-new API_VERSIONS request is a v0 body (KIP-511).
      const version = apiKey === ApiKey.API_VERSIONS ? Math.min(apiVersion, apiInfo(apiKey)!.maxVersion) : apiVersion;
      const header = readResponseHeader(frame, responseHeaderVersion(apiKey, version));
      const body =
        apiKey === ApiKey.API_VERSIONS && version !== apiVersion
          ? null
          : decodeResponseBody(apiKey, version, frame, header.bodyOffset);
      collectAddresses(apiKey, body);
    },
  },
);
const viaProxy = { bootstrapServers: running.bootstrap('demo', 'ports') };
const proxyPort = Number(viaProxy.bootstrapServers.split(':')[1]);

test('kcat sees every broker of the cluster at a proxy address, never a real one', async () => {
  const metadata = await kcatMetadata(viaProxy);
  assert.deepEqual(
    metadata.brokers.map((broker) => broker.id).sort(),
    cluster.brokers.map((broker) => broker.id).sort(),
  );
  for (const broker of metadata.brokers) {
    assert.ok(!realPorts.has(broker.port), `broker ${broker.id} advertised at real port ${broker.port}`);
  }
});

test('kafkajs creates a 12-partition topic, produces and consumes it back in a group through the proxy', async () => {
  await kafkajsCreateTopics(viaProxy, [{ name: 'kafkajs-orders', partitions: 12, replicationFactor: 3 }]);
  const records = Array.from({ length: 200 }, (_, i) => ({ key: `k${i % 17}`, value: `order-${i}` }));
  await kafkajsProduce(viaProxy, 'kafkajs-orders', records);
  const consumed = await kafkajsConsume(viaProxy, { topic: 'kafkajs-orders', groupId: 'kafkajs-group', count: 200 });
  assert.deepEqual(consumed.map((r) => r.value).sort(), records.map((r) => r.value).sort());
  // Per key (hence per partition), order is preserved.
  for (let key = 0; key < 17; key++) {
    const sent = records.filter((r) => r.key === `k${key}`).map((r) => r.value);
    const got = consumed
      .filter((r) => r.key === `k${key}`)
      .sort((a, b) => a.offset - b.offset)
      .map((r) => r.value);
    assert.deepEqual(got, sent);
  }
});

test('@platformatic/kafka produces and consumes in a group through the proxy', async () => {
  await platformaticCreateTopics(viaProxy, [{ name: 'platformatic-events', partitions: 6, replicationFactor: 3 }]);
  const records = Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: `event-${i}` }));
  await platformaticProduce(viaProxy, 'platformatic-events', records);
  const consumed = await platformaticConsume(viaProxy, {
    topic: 'platformatic-events',
    groupId: 'platformatic-group',
    count: 100,
  });
  assert.deepEqual(consumed.map((r) => r.value).sort(), records.map((r) => r.value).sort());
});

test('kcat produces and consumes through the proxy', async () => {
  await kafkajsCreateTopics(viaProxy, [{ name: 'kcat-lines', partitions: 3, replicationFactor: 3 }]);
  const records = Array.from({ length: 50 }, (_, i) => ({ value: `line-${i}`, partition: i % 3 }));
  await kcatProduce(viaProxy, 'kcat-lines', records);
  const consumed = await kcatConsume(viaProxy, { topic: 'kcat-lines', count: 50 });
  assert.deepEqual(consumed.map((r) => r.value).sort(), records.map((r) => r.value).sort());
});

test('the Java console producer and consumer round-trip through the proxy', async () => {
  await kafkajsCreateTopics(viaProxy, [{ name: 'java-console', partitions: 3, replicationFactor: 3 }]);
  const records = Array.from({ length: 30 }, (_, i) => ({ key: `j${i}`, value: `java-${i}` }));
  await javaConsoleProduce(viaProxy, 'java-console', records);
  const consumed = await javaConsoleConsume(viaProxy, { topic: 'java-console', groupId: 'java-group', count: 30 });
  assert.deepEqual(consumed.map((r) => r.value).sort(), records.map((r) => r.value).sort());
});

test('no response a client receives names a real broker port', async () => {
  seenAddresses.length = 0;
  await kafkajsDescribeCluster(viaProxy);
  await kafkajsCreateTopics(viaProxy, [{ name: 'scan', partitions: 3, replicationFactor: 3 }]);
  await kafkajsProduce(viaProxy, 'scan', [{ key: 'x', value: 'scan' }]);
  await kafkajsConsume(viaProxy, { topic: 'scan', groupId: 'scan-group', count: 1 });
  await kcatMetadata(viaProxy);
  assert.ok(seenAddresses.length > 0, 'the scan saw broker addresses (METADATA, FIND_COORDINATOR, DESCRIBE_CLUSTER)');
  const leaks = seenAddresses.filter((address) => realPorts.has(address.port));
  assert.deepEqual(leaks, []);
});

test('a malformed frame closes only its own connection; other clients keep working', async () => {
  const socket = connect(proxyPort, '127.0.0.1');
  await once(socket, 'connect');
  // A size prefix of -5 can never be a Kafka frame.
  socket.write(Buffer.from([0xff, 0xff, 0xff, 0xfb, 1, 2, 3]));
  await once(socket, 'close');
  const metadata = await kcatMetadata(viaProxy);
  assert.equal(metadata.brokers.length, 3);
  assert.ok(
    running.logs.some(
      (line) => line.msg === 'malformed request frame from client; closing the connection' && line.sessionId,
    ),
    'the close is logged with the session id',
  );
});

test('a client that disconnects in the middle of a request leaves other sessions unaffected', async () => {
  const socket = connect(proxyPort, '127.0.0.1');
  await once(socket, 'connect');
  // The first bytes of a 100-byte frame, then a disconnect.
  socket.end(Buffer.from([0, 0, 0, 100, 0, 18, 0, 0]));
  await once(socket, 'close');
  const metadata = await kcatMetadata(viaProxy);
  assert.equal(metadata.brokers.length, 3);
});

test('a virtual cluster whose cluster is unreachable closes the client connection with a logged reason', async () => {
  const unreachable = { bootstrapServers: running.bootstrap('unreachable', 'ports') };
  await assert.rejects(kcatMetadata(unreachable, { timeoutMs: 3000 }));
  const failure = running.logs.find(
    (line) => line.virtualCluster === 'unreachable' && line.cause === 'upstream_failed' && line.sessionId,
  );
  assert.ok(failure, 'the failure is logged with the session id');
  assert.match(String(failure.msg), /ECONNREFUSED/);
});

test('100 000 records sent by the idempotent Java producer at acks=all arrive exactly once, in order per partition', async () => {
  const messages = 100_000;
  await kafkajsCreateTopics(viaProxy, [{ name: 'bulk', partitions: 12, replicationFactor: 3 }]);
  // ProducerPerformance keeps the Java client's unbounded retries (VerifiableProducer forces 0).
  const produced = await javaProducerPerformance(viaProxy, {
    topic: 'bulk',
    records: messages,
    recordSize: 'monotonic',
    producerProps: { 'enable.idempotence': 'true' },
    timeoutMs: 180_000,
  });
  assert.equal(produced.records, messages);
  const consumed = await kcatConsume(viaProxy, {
    topic: 'bulk',
    groupId: 'bulk-group',
    count: messages,
    timeoutMs: 120_000,
  });
  const values = consumed.map((record) => Number(record.value));
  assert.equal(new Set(values).size, messages, 'each record exactly once');
  // The producer sends 0, 1, 2, … in order; within a partition the order must survive.
  const lastByPartition = new Map<number, number>();
  for (const record of [...consumed].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) {
    const value = Number(record.value);
    const last = lastByPartition.get(record.partition) ?? -1;
    assert.ok(value > last, `partition ${record.partition}: ${value} came after ${last}`);
    lastByPartition.set(record.partition, value);
  }
});

test('a group commits offsets, and resetting them to the earliest makes it read everything again', async () => {
  await kafkajsCreateTopics(viaProxy, [{ name: 'offsets', partitions: 2, replicationFactor: 3 }]);
  const records = Array.from({ length: 20 }, (_, i) => ({ value: `o${i}`, partition: i % 2 }));
  await kafkajsProduce(viaProxy, 'offsets', records);
  await kafkajsConsume(viaProxy, { topic: 'offsets', groupId: 'offsets-group', count: 20 });
  const committed = await kafkajsGroupOffsets(viaProxy, 'offsets-group', 'offsets');
  assert.deepEqual(committed, [
    { partition: 0, offset: 10 },
    { partition: 1, offset: 10 },
  ]);
  const admin = kafkajsClient(viaProxy).admin();
  await admin.connect();
  try {
    await admin.resetOffsets({ groupId: 'offsets-group', topic: 'offsets', earliest: true });
  } finally {
    await admin.disconnect();
  }
  const again = await kafkajsConsume(viaProxy, { topic: 'offsets', groupId: 'offsets-group', count: 20 });
  assert.equal(again.length, 20);
});

test('a committed transaction is visible to a read-committed consumer and an aborted one is not', async () => {
  await kafkajsCreateTopics(viaProxy, [{ name: 'transactions', partitions: 3, replicationFactor: 3 }]);
  const producer = kafkajsClient(viaProxy).producer({
    transactionalId: 'switchyard-tx',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const committed = await producer.transaction();
    await committed.send({ topic: 'transactions', acks: -1, messages: [{ value: 'kept-1' }, { value: 'kept-2' }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'transactions', acks: -1, messages: [{ value: 'dropped' }] });
    await aborted.abort();
    const last = await producer.transaction();
    await last.send({ topic: 'transactions', acks: -1, messages: [{ value: 'kept-3' }] });
    await last.commit();
  } finally {
    await producer.disconnect();
  }
  // kafkajs consumers read committed by default.
  const consumed = await kafkajsConsume(viaProxy, { topic: 'transactions', groupId: 'tx-reader', count: 3 });
  assert.deepEqual(consumed.map((r) => r.value).sort(), ['kept-1', 'kept-2', 'kept-3']);
});

test('describing topic and broker configs and deleting a topic work through the proxy', async () => {
  await kafkajsCreateTopics(viaProxy, [{ name: 'short-lived', partitions: 1, replicationFactor: 3 }]);
  const admin = kafkajsClient(viaProxy).admin();
  await admin.connect();
  try {
    const brokerId = String(cluster.brokers[0]!.id);
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: 'short-lived', configNames: ['cleanup.policy'] },
        { type: ConfigResourceTypes.BROKER, name: brokerId, configNames: ['num.network.threads'] },
      ],
    });
    const topic = described.resources.find((r) => r.resourceType === ConfigResourceTypes.TOPIC);
    assert.equal(topic?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue, 'delete');
    const broker = described.resources.find((r) => r.resourceType === ConfigResourceTypes.BROKER);
    assert.equal(broker?.resourceName, brokerId);
    assert.equal(broker?.errorCode, 0);
    await admin.deleteTopics({ topics: ['short-lived'] });
    // A deletion reaches every broker's metadata a moment after the controller accepted it.
    const deadline = Date.now() + 10_000;
    while ((await admin.listTopics()).includes('short-lived')) {
      assert.ok(Date.now() < deadline, 'the deleted topic is still listed after 10 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
});

/** Sends one raw request frame to the proxy's bootstrap port and returns the response frame. */
async function roundTrip(frame: Buffer): Promise<Buffer> {
  const socket = connect(proxyPort, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(frame);
  let received = Buffer.alloc(0);
  for await (const chunk of socket) {
    received = Buffer.concat([received, chunk as Buffer]);
    if (received.length >= 4 && received.length >= 4 + received.readInt32BE(0)) break;
  }
  socket.destroy();
  return received;
}

test('API_VERSIONS through the proxy lists only keys and versions Switchyard can handle', async () => {
  const request = codecsFor(ApiKey.API_VERSIONS)!.request.defaults() as ApiVersionsRequest;
  request.clientSoftwareName = 'switchyard-test';
  request.clientSoftwareVersion = '1';
  const frame = await roundTrip(encodeRequest(ApiKey.API_VERSIONS, 3, 7, 'raw', request));
  const response = decodeResponseBody(ApiKey.API_VERSIONS, 3, frame, 8);
  assert.equal(response.errorCode, 0);
  assert.ok(response.apiKeys.length > 10);
  for (const entry of response.apiKeys) {
    const ours = apiInfo(entry.apiKey);
    assert.ok(ours, `unknown api key ${entry.apiKey} was advertised`);
    assert.ok(entry.minVersion >= ours.minVersion && entry.maxVersion <= ours.maxVersion, `${ours.name} range`);
  }
});

test('an API_VERSIONS request newer than Switchyard knows gets UNSUPPORTED_VERSION with its range (KIP-511)', async () => {
  // Header v2 of API_VERSIONS version 99: key, version, correlation id 42, null client id, no tags.
  const frame = Buffer.from([0, 0, 0, 11, 0, 18, 0, 99, 0, 0, 0, 42, 0xff, 0xff, 0]);
  const response = await roundTrip(frame);
  assert.equal(response.readInt32BE(4), 42);
  const body = decodeResponseBody(ApiKey.API_VERSIONS, 0, response, 8);
  assert.equal(body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  const info = apiInfo(ApiKey.API_VERSIONS)!;
  assert.deepEqual(body.apiKeys, [{ apiKey: 18, minVersion: info.minVersion, maxVersion: info.maxVersion }]);
});
