// Routers against two real Kafka clusters: a pass-through router, a static API-key splitter, a
// dynamic router merging both clusters behind one bootstrap address, and nested routers composing
// virtual node ids. Every router is written against the package entry point (fixtures/routers.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ApiKey,
  decodeResponseBody,
  encodeRequest,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { javaConsoleConsume, javaConsoleProduce } from '../../helpers/clients/java-console.ts';
import { kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { kcatConsume, kcatMetadata, kcatProduce } from '../../helpers/clients/kcat.ts';
import { platformaticConsume, platformaticProduce } from '../../helpers/clients/platformatic.ts';
import { decodesDuring } from '../../helpers/decodes.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { rawConnection } from '../filters/raw-client.ts';

const ROUTERS = './test/integration/routing/fixtures/routers.ts';

const [clusterA, clusterB] = await Promise.all([
  useKafkaCluster({ name: 'routing-a' }),
  useKafkaCluster({ name: 'routing-b' }),
]);
const ports = {
  plain: await freePortBlock(8),
  pass: await freePortBlock(8),
  split: await freePortBlock(8),
  merged: await freePortBlock(8),
  nested: await freePortBlock(16),
  older: await freePortBlock(8),
};
const gateway = (port: number) => `
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}`;

const yaml = `
clusterDefinitions:
  - name: a
    bootstrapServers: ${clusterA.bootstrapServers}
  - name: b
    bootstrapServers: ${clusterB.bootstrapServers}
routerDefinitions:
  - name: pass
    type: ./docs/examples/pass-through.ts#PassThrough
    routes:
      - { name: only, id: 0, target: { cluster: a } }
  - name: split
    type: ./docs/examples/api-key-split.ts#ApiKeySplit
    config: { data: [PRODUCE, FETCH, LIST_OFFSETS, OFFSET_FOR_LEADER_EPOCH] }
    routes:
      - { name: control, id: 0, target: { cluster: a } }
      - { name: data, id: 1, target: { cluster: b } }
  - name: merged
    type: ${ROUTERS}#MergingRouter
    config: { defaultRoute: a, topicPrefixes: { "b.": b } }
    routes:
      - { name: a, id: 0, target: { cluster: a } }
      - { name: b, id: 1, target: { cluster: b } }
  - name: older
    type: ${ROUTERS}#StaticSplit
    config: { route: a, elsewhere: { CREATE_TOPICS: b } }
    routes:
      - { name: a, id: 0, target: { cluster: a } }
      - name: b
        id: 1
        target: { cluster: b }
        filters: [older-cluster]
  - name: outer
    type: ${ROUTERS}#StaticTo
    config: { route: bar }
    routes:
      - { name: foo, id: 0, target: { cluster: a } }
      - { name: bar, id: 1, target: { router: inner } }
  - name: inner
    type: ${ROUTERS}#StaticTo
    config: { route: c }
    routes:
      - { name: x, id: 0, target: { cluster: b } }
      - { name: y, id: 1, target: { cluster: b } }
      - { name: c, id: 2, target: { cluster: b } }
filterDefinitions:
  - name: older-cluster
    type: ./test/integration/routing/fixtures/probe.ts#CapVersion
    config: { apiKey: CREATE_TOPICS, maxVersion: 4 }
virtualClusters:
  - name: plain
    target: { cluster: a }${gateway(ports.plain)}
  - name: older
    target: { router: older }${gateway(ports.older)}
  - name: pass
    target: { router: pass }${gateway(ports.pass)}
  - name: split
    target: { router: split }${gateway(ports.split)}
  - name: merged
    target: { router: merged }${gateway(ports.merged)}
  - name: nested
    target: { router: outer }${gateway(ports.nested)}
`;
const running = await useProxy(yaml);
const via = (vc: string) => ({ bootstrapServers: running.bootstrap(vc, 'ports') });
const direct = {
  a: { bootstrapServers: clusterA.bootstrapServers },
  b: { bootstrapServers: clusterB.bootstrapServers },
};

test('R96: a pass-through router presents broker ids unchanged and carries produce and consume', async () => {
  const metadata = await kcatMetadata(via('pass'));
  assert.deepEqual(
    metadata.brokers.map((b) => b.id),
    [1],
  );
  await kcatProduce(via('pass'), 'pass-through', [{ value: 'one' }, { value: 'two' }]);
  const records = await kcatConsume(via('pass'), { topic: 'pass-through', count: 2 });
  assert.deepEqual(records.map((r) => r.value).sort(), ['one', 'two']);
  const onA = await kcatConsume(direct.a, { topic: 'pass-through', count: 2 });
  assert.equal(onA.length, 2, 'the records are on the route’s cluster');
});

test('R94: with two routes, broker 1 of the route with id 0 is 2 and of the route with id 1 is 3', async () => {
  const metadata = await kcatMetadata(via('merged'));
  assert.deepEqual(metadata.brokers.map((b) => b.id).sort(), [2, 3]);
  for (const broker of metadata.brokers) {
    assert.equal(broker.host, '127.0.0.1');
    assert.equal(broker.port, ports.merged + 1 + broker.id, 'advertised at the port of the virtual id');
  }
});

test('an API-key splitter sends topic administration to one cluster and produce and fetch to the other (kcat, Java tools)', async () => {
  await kafkajsCreateTopics(via('split'), [{ name: 'split-topic', partitions: 1, replicationFactor: 1 }]);
  assert.ok(
    (await kcatMetadata(direct.a)).topics.some((t) => t.name === 'split-topic'),
    'created on the control cluster',
  );
  assert.ok(!(await kcatMetadata(direct.b)).topics.some((t) => t.name === 'split-topic'), 'not on the data cluster');
  await kafkajsCreateTopics(direct.b, [{ name: 'split-topic', partitions: 1, replicationFactor: 1 }]);
  await kcatProduce(via('split'), 'split-topic', [{ value: 'kcat' }]);
  await javaConsoleProduce(via('split'), 'split-topic', [{ value: 'java' }]);
  const onB = await kcatConsume(direct.b, { topic: 'split-topic', count: 2 });
  assert.deepEqual(onB.map((r) => r.value).sort(), ['java', 'kcat']);
  const throughProxy = await javaConsoleConsume(via('split'), { topic: 'split-topic', count: 2 });
  assert.deepEqual(throughProxy.map((r) => r.value).sort(), ['java', 'kcat']);
});

test('a dynamic router merges two clusters behind one bootstrap: every client produces to and consumes from topics of both', async () => {
  const bootstrap = via('merged');
  await kafkajsCreateTopics(bootstrap, [
    { name: 'a.orders', partitions: 2, replicationFactor: 1 },
    { name: 'b.payments', partitions: 2, replicationFactor: 1 },
  ]);
  assert.ok((await kcatMetadata(direct.a)).topics.some((t) => t.name === 'a.orders'));
  assert.ok((await kcatMetadata(direct.b)).topics.some((t) => t.name === 'b.payments'));
  const metadata = await kcatMetadata(bootstrap);
  const names = metadata.topics.map((t) => t.name);
  assert.ok(
    names.includes('a.orders') && names.includes('b.payments'),
    `topics of both clusters (${names.join(', ')})`,
  );
  for (const topic of ['a.orders', 'b.payments']) {
    await kcatProduce(bootstrap, topic, [{ value: `kcat ${topic}` }]);
    await kafkajsProduce(bootstrap, topic, [{ key: 'k', value: `kafkajs ${topic}` }]);
    await platformaticProduce(bootstrap, topic, [{ key: 'k', value: `platformatic ${topic}` }]);
    await javaConsoleProduce(bootstrap, topic, [{ value: `java ${topic}` }]);
  }
  const expected = (topic: string) => ['java', 'kafkajs', 'kcat', 'platformatic'].map((c) => `${c} ${topic}`);
  for (const topic of ['a.orders', 'b.payments']) {
    const kcat = await kcatConsume(bootstrap, { topic, groupId: `${topic}-kcat`, count: 4 });
    assert.deepEqual(kcat.map((r) => r.value).sort(), expected(topic));
    const kafkajs = await kafkajsConsume(bootstrap, { topic, groupId: `${topic}-kafkajs`, count: 4 });
    assert.deepEqual(kafkajs.map((r) => r.value).sort(), expected(topic));
    const platformatic = await platformaticConsume(bootstrap, { topic, groupId: `${topic}-platformatic`, count: 4 });
    assert.deepEqual(platformatic.map((r) => r.value).sort(), expected(topic));
    const java = await javaConsoleConsume(bootstrap, { topic, groupId: `${topic}-java`, count: 4 });
    assert.deepEqual(java.map((r) => r.value).sort(), expected(topic));
  }
  const onB = await kcatConsume(direct.b, { topic: 'b.payments', count: 4 });
  assert.equal(onB.length, 4, 'b.payments records live on cluster b');
});

test('R99, R140: nested routers compose ids (outer S=2 route id 1, inner S=3 route id 2, broker 1 → 11) and a session bound to 11 reaches that broker', async () => {
  const metadata = await kcatMetadata(via('nested'));
  assert.deepEqual(
    metadata.brokers.map((b) => b.id),
    [1 + 2 * (2 + 3 * 1)],
  );
  await kcatProduce(via('nested'), 'nested-topic', [{ value: 'deep' }]);
  const records = await kcatConsume(via('nested'), { topic: 'nested-topic', count: 1 });
  assert.deepEqual(
    records.map((r) => r.value),
    ['deep'],
  );
  const onB = await kcatConsume(direct.b, { topic: 'nested-topic', count: 1 });
  assert.equal(onB.length, 1, 'the record is on the cluster behind the nested route');
});

test('R45, R46, R104: a static single-route router forwards produce and fetch as the client sent them, undecoded; with two routes node ids are translated where responses carry them', async () => {
  const workload = (vc: string, topic: string) => async () => {
    await kcatProduce(via(vc), topic, [{ value: 'static' }]);
    await kcatConsume(via(vc), { topic, count: 1 });
  };
  await kafkajsCreateTopics(direct.b, [{ name: 'static-b', partitions: 1, replicationFactor: 1 }]);
  await kafkajsCreateTopics(direct.a, [{ name: 'static-b', partitions: 1, replicationFactor: 1 }]);
  const plain = await decodesDuring(workload('plain', 'static-a'));
  const pass = await decodesDuring(workload('pass', 'static-a'));
  const requests = (decodes: string[]) => decodes.filter((d) => d.startsWith('request'));
  assert.deepEqual(requests(pass), [], 'no request is decoded through the one-route static router');
  assert.deepEqual(requests(plain), [], 'nor through the VC that targets the cluster');
  assert.ok(
    (!pass.includes(`response ${ApiKey.PRODUCE}`) && !pass.includes(`response ${ApiKey.FETCH}`)) ||
      pass.length === plain.length,
  );
  const split = await decodesDuring(workload('split', 'static-b'));
  // Two routes (ids 0 and 1): METADATA, static to route 0, shows cluster a's brokers as 2 × id.
  const metadata = await kcatMetadata(via('split'), { topic: 'static-b' });
  const virtualIds = clusterA.brokers.map((broker) => 2 * broker.id).sort((x, y) => x - y);
  assert.deepEqual(
    metadata.brokers.map((broker) => broker.id).sort((x, y) => x - y),
    virtualIds,
    'broker ids translated with two routes',
  );
  const leaders = metadata.topics.flatMap((topic) => topic.partitions.map((partition) => partition.leader));
  assert.ok(leaders.length > 0 && leaders.every((leader) => virtualIds.includes(leader)), 'leaders translated too');
  // PRODUCE and FETCH responses hold ids only as -1 sentinels or leader hints sent when a leader
  // moved: the generated skim finds none here, and they cross the level undecoded.
  assert.ok(!split.includes(`response ${ApiKey.FETCH}`), 'FETCH responses without ids are not decoded');
  assert.ok(!split.includes(`response ${ApiKey.PRODUCE}`), 'PRODUCE responses without ids are not decoded');
});

/** The API versions a fresh client connection to `vc` is offered (API_VERSIONS v3 on a raw connection). */
async function advertisedVersions(vc: string): Promise<{ apiKey: number; maxVersion: number }[]> {
  const connection = await rawConnection(via(vc).bootstrapServers);
  try {
    const frame = await connection.request(
      encodeRequest(ApiKey.API_VERSIONS, 3, 1, 'raw', {
        clientSoftwareName: 'raw',
        clientSoftwareVersion: '1',
        clusterId: null,
        nodeId: -1,
      }),
    );
    const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.API_VERSIONS, 3));
    const body = decodeResponseBody(ApiKey.API_VERSIONS, 3, frame, header.bodyOffset) as {
      apiKeys: { apiKey: number; maxVersion: number }[];
    };
    return body.apiKeys;
  } finally {
    connection.close();
  }
}

test('R133: versions advertised to clients never exceed Switchyard and the brokers, and a router caps them further', async () => {
  const apiKeys = await advertisedVersions('split');
  const max = (key: number) => apiKeys.find((entry) => entry.apiKey === key)?.maxVersion;
  assert.equal(max(ApiKey.PRODUCE), 12, 'capped by the router below the topic-id versions');
  assert.equal(max(ApiKey.FETCH), 12);
  assert.ok(apiKeys.every((entry) => entry.maxVersion >= 0));
});

test('R133: a statically routed API_VERSIONS advertises, for each key routed elsewhere, the range of the route it reaches', async () => {
  const advertised = async (vc: string) => {
    const apiKeys = await advertisedVersions(vc);
    return (key: number) => apiKeys.find((entry) => entry.apiKey === key)?.maxVersion;
  };
  const plain = await advertised('plain');
  assert.ok(plain(ApiKey.CREATE_TOPICS)! > 4, 'the real clusters serve CREATE_TOPICS above v4');
  for (let connection = 0; connection < 2; connection++) {
    const older = await advertised('older');
    assert.equal(older(ApiKey.CREATE_TOPICS), 4, 'CREATE_TOPICS goes to route b, whose cluster stops at v4');
    assert.equal(older(ApiKey.PRODUCE), plain(ApiKey.PRODUCE), 'the other keys keep route a’s ranges');
  }
});

// Last in this file: it stops the proxy the tests above share.
test('R111: a restarted process presents identical virtual ids and advertised addresses for the same brokers', async () => {
  const before = await kcatMetadata(via('merged'));
  await running.stop();
  const restarted = await useProxy(yaml);
  const after = await kcatMetadata({ bootstrapServers: restarted.bootstrap('merged', 'ports') });
  const brokers = (metadata: typeof before) => metadata.brokers.map((b) => `${b.id}@${b.host}:${b.port}`).sort();
  assert.deepEqual(brokers(after), brokers(before));
  assert.equal(brokers(after).length, 2);
});
