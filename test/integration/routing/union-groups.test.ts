// The TopicRouter over three real clusters (one route each), through a port-per-broker gateway and
// an SNI gateway: one cluster view, consumer groups whose partitions span every route, admin by
// owner, transactions confined to their route, and keys it has no rule for refused.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ApiKey,
  decodeResponseBody,
  ErrorCode,
  encodeRequest,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { createCertificateAuthority, issueCertificate, runJavaTool } from '../../../testbed/index.ts';
import type { ConsumedRecord, ConsumeOptions, KafkaConnection, RecordToProduce } from '../../helpers/clients/common.ts';
import { javaDescribeGroupOffsets, javaDescribeTopic, javaListGroups } from '../../helpers/clients/java-admin.ts';
import { javaConsoleConsume, javaConsoleProduce } from '../../helpers/clients/java-console.ts';
import { kafkajsClient, kafkajsConsume, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { kcatConsume, kcatMetadata, kcatProduce } from '../../helpers/clients/kcat.ts';
import { platformaticConsume, platformaticProduce } from '../../helpers/clients/platformatic.ts';
import { decodesDuring } from '../../helpers/decodes.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { rawConnection } from '../filters/raw-client.ts';

const [main, payments, archive] = await Promise.all([
  useKafkaCluster({ name: 'union-main' }),
  useKafkaCluster({ name: 'union-payments' }),
  useKafkaCluster({ name: 'union-archive' }),
]);
const clusters = { main, payments, archive } as const;
type Route = keyof typeof clusters;
/** Route ids as configured below: virtual broker id V = route id + 3 × broker id. */
const ROUTE_IDS: Record<Route, number> = { main: 0, payments: 1, archive: 2 };
const virtualIds = (Object.keys(clusters) as Route[]).flatMap((route) =>
  clusters[route].brokers.map((broker) => ROUTE_IDS[route] + 3 * broker.id),
);

const port = await freePortBlock(16);
const foundPort = await freePortBlock(16);
const sniPort = await freePortBlock(1);
const certificates = mkdtempSync(join(tmpdir(), 'switchyard-union-'));
const ca = createCertificateAuthority(certificates, 'switchyard-union-ca');
const certificate = issueCertificate(ca, certificates, 'union-gateway', ['union.test', '*.union.test']);

const running = await useProxy(`
clusterDefinitions:
  - { name: kafka-a, bootstrapServers: "${main.bootstrapServers}" }
  - { name: kafka-b, bootstrapServers: "${payments.bootstrapServers}" }
  - { name: kafka-c, bootstrapServers: "${archive.bootstrapServers}" }
routerDefinitions:
  - name: union
    type: TopicRouter
    config:
      defaultRoute: main
      topics:
        - { prefix: "payments.", route: payments }
        - { regex: "^audit-.*", route: archive }
      groups:
        - { prefix: "billing-", route: payments }
      transactionalIds:
        - { prefix: "payments-", route: payments }
    routes:
      - { name: main, id: 0, target: { cluster: kafka-a } }
      - { name: payments, id: 1, target: { cluster: kafka-b } }
      - { name: archive, id: 2, target: { cluster: kafka-c } }
  - name: found
    type: TopicRouter
    config:
      defaultRoute: main
      topics: [{ prefix: "payments.", route: payments }]
      discovery: rulesThenExisting
    routes:
      - { name: main, id: 0, target: { cluster: kafka-a } }
      - { name: payments, id: 1, target: { cluster: kafka-b } }
      - { name: archive, id: 2, target: { cluster: kafka-c } }
virtualClusters:
  - name: found
    target: { router: found }
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: "127.0.0.1:${foundPort}" }
  - name: union
    target: { router: union }
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: "127.0.0.1:${port}" }
      - name: sni
        sniHostIdentifiesNode:
          bootstrapAddress: union.test:${sniPort}
          advertisedBrokerAddressPattern: broker-$(nodeId).union.test
          bindAddress: 127.0.0.1
        tls:
          key:
            certificateFile: ${certificate.certFile}
            privateKeyFile: ${certificate.keyFile}
`);

const viaPorts: KafkaConnection = { bootstrapServers: running.bootstrap('union', 'ports') };
/** kcat and the Java tools resolve the SNI names to loopback through their own hosts file. */
const viaSni: KafkaConnection = {
  bootstrapServers: `union.test:${sniPort}`,
  tls: { caFile: ca.certFile },
  hosts: Object.fromEntries(
    ['union.test', ...virtualIds.map((id) => `broker-${id}.union.test`)].map((name) => [name, '127.0.0.1']),
  ),
};
const direct = (route: Route): KafkaConnection => ({ bootstrapServers: clusters[route].bootstrapServers });

async function createTopics(connection: KafkaConnection, topics: readonly string[], partitions = 3): Promise<void> {
  const admin = kafkajsClient(connection).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })) });
  } finally {
    await admin.disconnect();
  }
}

async function topicsOn(route: Route): Promise<string[]> {
  const admin = kafkajsClient(direct(route)).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((topic) => !topic.startsWith('__')).sort();
  } finally {
    await admin.disconnect();
  }
}

/** One topic per route for a client: its name says (and its rule decides) where it lives. */
const topicsFor = (client: string): Record<Route, string> => ({
  main: `orders-${client}`,
  payments: `payments.${client}`,
  archive: `audit-${client}`,
});

/** Keyed records whose value names topic, key and sequence, so order and origin can be checked. */
function records(topic: string, round: number, keys = 4, perKey = 5): RecordToProduce[] {
  return Array.from({ length: keys * perKey }, (_, i) => {
    const key = `k${i % keys}`;
    return { key, value: `${topic}|${key}|${round}|${Math.floor(i / keys)}` };
  });
}

/**
 * Every expected value exactly once, and per key (one partition) in production order: within each
 * partition, ordered by offset, a key's (round, sequence) only grows.
 */
function assertExactlyOnceInOrder(consumed: readonly ConsumedRecord[], expected: readonly RecordToProduce[]): void {
  const values = consumed.map((record) => record.value ?? '');
  assert.equal(new Set(values).size, values.length, 'no record arrives twice');
  assert.deepEqual([...values].sort(), expected.map((record) => record.value ?? '').sort());
  const last = new Map<string, number>();
  const byPartition = [...consumed].sort(
    (a, b) =>
      a.value!.split('|')[0]!.localeCompare(b.value!.split('|')[0]!) ||
      a.partition - b.partition ||
      a.offset - b.offset,
  );
  for (const record of byPartition) {
    const [topic, key, round, sequence] = record.value!.split('|');
    const position = Number(round) * 1000 + Number(sequence);
    const previous = last.get(`${topic}|${key}`) ?? -1;
    assert.ok(position > previous, `per-key order on ${topic} key ${key}: ${position} after ${previous}`);
    last.set(`${topic}|${key}`, position);
  }
}

type Produce = (c: KafkaConnection, topic: string, r: readonly RecordToProduce[]) => Promise<unknown>;
type Consume = (c: KafkaConnection, options: ConsumeOptions) => Promise<ConsumedRecord[]>;

const CLIENTS: readonly {
  name: string;
  produce: Produce;
  consume: Consume;
  subscription: 'list' | 'pattern';
  group: string;
}[] = [
  {
    name: 'java',
    produce: javaConsoleProduce,
    consume: javaConsoleConsume,
    subscription: 'pattern',
    group: 'java-all',
  },
  { name: 'kcat', produce: kcatProduce, consume: kcatConsume, subscription: 'list', group: 'billing-kcat' },
  { name: 'kafkajs', produce: kafkajsProduce, consume: kafkajsConsume, subscription: 'pattern', group: 'billing-js' },
  {
    name: 'platformatic',
    produce: platformaticProduce,
    consume: platformaticConsume,
    subscription: 'list',
    group: 'plt-all',
  },
];

test('kcat -L shows the brokers of every route by virtual id, and each topic only from its owner', async () => {
  await createTopics(viaPorts, ['orders-listing', 'payments.listing', 'audit-listing'], 1);
  // A twin on a non-owner (as auto-creation or a direct admin would make it) is not shown.
  await createTopics(direct('archive'), ['payments.listing'], 1);
  for (const connection of [viaPorts, viaSni]) {
    const metadata = await kcatMetadata(connection);
    assert.deepEqual(metadata.brokers.map((broker) => broker.id).sort(), [...virtualIds].sort());
    const shown = metadata.topics.map((topic) => topic.name);
    for (const topic of ['orders-listing', 'payments.listing', 'audit-listing'])
      assert.ok(shown.includes(topic), topic);
    assert.equal(shown.filter((topic) => topic === 'payments.listing').length, 1);
    const leaders = new Map(metadata.topics.map((t) => [t.name, t.partitions[0]?.leader]));
    assert.equal(leaders.get('payments.listing')! % 3, ROUTE_IDS.payments, 'payments.listing from its owner');
    assert.equal(leaders.get('audit-listing')! % 3, ROUTE_IDS.archive);
  }
});

for (const client of CLIENTS) {
  test(`${client.name}: produces to every route and consumes in one group subscribed to all (${client.subscription}), exactly once and in key order; the group resumes from its offsets on every route`, async () => {
    const topics = topicsFor(client.name);
    const names = Object.values(topics);
    await createTopics(viaPorts, names);
    const subscription: Partial<ConsumeOptions> =
      client.subscription === 'list' ? { topics: names } : { pattern: `^(orders|payments|audit)[-.]${client.name}$` };
    const consumeAll = (count: number) =>
      client.consume(viaPorts, { topic: names[0]!, ...subscription, groupId: client.group, count, timeoutMs: 90_000 });

    const first = names.flatMap((topic) => records(topic, 0));
    for (const topic of names) await client.produce(viaPorts, topic, records(topic, 0));
    assertExactlyOnceInOrder(await consumeAll(first.length), first);

    // The group restarts: only what was produced since arrives, from every route.
    const second = names.flatMap((topic) => records(topic, 1, 4, 2));
    for (const topic of names) await client.produce(viaPorts, topic, records(topic, 1, 4, 2));
    assertExactlyOnceInOrder(await consumeAll(second.length), second);

    // Each topic's records live on its own cluster only.
    for (const route of Object.keys(topics) as Route[]) {
      const held = await topicsOn(route);
      for (const [owner, topic] of Object.entries(topics)) assert.equal(held.includes(topic), owner === route, topic);
    }

    // Records nobody consumed yet: kafka-consumer-groups --describe through the proxy shows every
    // partition of every route, at its committed offset, with the lag they make.
    for (const topic of names) await client.produce(viaPorts, topic, records(topic, 2, 4, 1));
    const described = await javaDescribeGroupOffsets(viaPorts, client.group);
    assert.deepEqual(
      described.map((row) => `${row.topic}/${row.partition}`).sort(),
      names.flatMap((topic) => [0, 1, 2].map((p) => `${topic}/${p}`)).sort(),
    );
    for (const topic of names) {
      const rows = described.filter((row) => row.topic === topic);
      assert.equal(
        rows.reduce((sum, row) => sum + (row.lag ?? 0), 0),
        4,
        `${topic}: the 4 new records are the lag`,
      );
      assert.equal(
        rows.reduce((sum, row) => sum + (row.currentOffset ?? 0), 0),
        first.length / 3 + second.length / 3,
        `${topic}: committed up to what was consumed`,
      );
    }
  });
}

test('over the SNI gateway, kcat and the Java tools produce to every route and consume in one group', async () => {
  const names = Object.values(topicsFor('sni'));
  await createTopics(viaPorts, names, 2);
  const expected = names.flatMap((topic) => records(topic, 0, 2, 3));
  for (const topic of names) await kcatProduce(viaSni, topic, records(topic, 0, 2, 3));
  const consumed = await javaConsoleConsume(viaSni, {
    topic: names[0]!,
    topics: names,
    groupId: 'billing-sni',
    count: expected.length,
    timeoutMs: 90_000,
  });
  assertExactlyOnceInOrder(consumed, expected);
  const rows = await javaDescribeGroupOffsets(viaSni, 'billing-sni');
  assert.equal(rows.length, names.length * 2);
  assert.ok(rows.every((row) => row.lag === 0));
  // The group's offsets on main and archive make offset-only groups there; it is listed once, from payments.
  assert.ok((await javaListGroups(direct('main'))).includes('billing-sni'));
  assert.equal((await javaListGroups(viaPorts)).filter((group) => group === 'billing-sni').length, 1);
});

/** Read-committed values of a topic, directly on a cluster, up to a marker produced there last. */
async function committedValuesOn(route: Route, topic: string): Promise<string[]> {
  const marker = `marker-${Math.random()}`;
  await kafkajsProduce(direct(route), topic, [{ value: marker }]);
  const values: string[] = [];
  const consumer = kafkajsClient(direct(route)).consumer({ groupId: `check-${marker}`, readUncommitted: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            const value = message.value?.toString('utf8') ?? '';
            if (value === marker) resolve();
            else values.push(value);
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values.sort();
}

test('a transaction on one route commits and is read committed; one touching two routes fails and leaves nothing visible', async () => {
  await createTopics(viaPorts, ['payments.txn', 'orders-txn'], 1);
  const kafka = kafkajsClient(viaPorts);
  const committed = kafka.producer({ transactionalId: 'payments-one', idempotent: true, maxInFlightRequests: 1 });
  await committed.connect();
  try {
    const transaction = await committed.transaction();
    await transaction.send({ topic: 'payments.txn', messages: [{ value: 'one-a' }, { value: 'one-b' }] });
    await transaction.commit();
  } finally {
    await committed.disconnect();
  }
  const read = await kafkajsConsume(viaPorts, { topic: 'payments.txn', groupId: 'txn-reader', count: 2 });
  assert.deepEqual(read.map((record) => record.value).sort(), ['one-a', 'one-b']);

  const spanning = kafka.producer({ transactionalId: 'payments-two', idempotent: true, maxInFlightRequests: 1 });
  await spanning.connect();
  try {
    const transaction = await spanning.transaction();
    await transaction.send({ topic: 'payments.txn', messages: [{ value: 'two-a' }] });
    await assert.rejects(
      transaction.send({ topic: 'orders-txn', messages: [{ value: 'two-b' }] }),
      'adding a partition of another route fails',
    );
    await transaction.abort();
  } finally {
    await spanning.disconnect();
  }
  assert.deepEqual(await committedValuesOn('payments', 'payments.txn'), ['one-a', 'one-b']);
  assert.deepEqual(await committedValuesOn('main', 'orders-txn'), []);
  assert.ok(
    running.logs.some((line) => line.msg === 'transaction refused: partitions of another route'),
    'the refusal is logged with its reason',
  );

  // kafka-transactions through the proxy lists both ids and describes one on its route's coordinator.
  const tool = (args: string[]) =>
    runJavaTool('org.apache.kafka.tools.TransactionsCommand', [
      '--bootstrap-server',
      viaPorts.bootstrapServers,
      ...args,
    ]);
  const listed = await tool(['list']);
  assert.equal(listed.exitCode, 0, listed.stderr);
  assert.match(listed.stdout, /payments-one/);
  assert.match(listed.stdout, /payments-two/);
  const described = await tool(['describe', '--transactional-id', 'payments-one']);
  assert.equal(described.exitCode, 0, described.stderr);
  assert.match(described.stdout, /CompleteCommit/);
});

test('admin by owner: topics are created on the cluster their name maps to, described, altered, extended and deleted there', async () => {
  const admin = kafkajsClient(viaPorts).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        { topic: 'orders-admin', numPartitions: 1 },
        { topic: 'payments.admin', numPartitions: 1 },
        { topic: 'audit-admin', numPartitions: 1 },
      ],
    });
    assert.ok((await topicsOn('main')).includes('orders-admin'));
    assert.ok((await topicsOn('payments')).includes('payments.admin'));
    assert.ok((await topicsOn('archive')).includes('audit-admin'));
    assert.ok(!(await topicsOn('main')).includes('payments.admin'));

    // An explicit assignment naming a broker of another route is refused for that topic alone.
    const paymentsBroker = ROUTE_IDS.payments + 3 * payments.brokers[0]!.id;
    await assert.rejects(
      admin.createTopics({
        topics: [{ topic: 'orders-assigned', replicaAssignment: [{ partition: 0, replicas: [paymentsBroker] }] }],
      }),
      (error: Error & { errors?: { type?: string }[] }) =>
        (error.errors ?? []).some((cause) => cause.type === 'INVALID_REPLICA_ASSIGNMENT'),
    );
    assert.ok(!(await topicsOn('main')).includes('orders-assigned'));

    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: 'payments.admin', configEntries: [{ name: 'retention.ms', value: '123456' }] }],
    });
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        { type: 2, name: 'payments.admin', configNames: ['retention.ms'] },
        { type: 2, name: 'audit-admin', configNames: ['retention.ms'] },
      ],
    });
    assert.deepEqual(
      described.resources.map((r) => [r.resourceName, r.configEntries[0]?.configValue]),
      [
        ['payments.admin', '123456'],
        ['audit-admin', '604800000'],
      ],
    );
    const onOwner = kafkajsClient(direct('payments')).admin();
    await onOwner.connect();
    try {
      const directly = await onOwner.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: 2, name: 'payments.admin', configNames: ['retention.ms'] }],
      });
      assert.equal(directly.resources[0]?.configEntries[0]?.configValue, '123456', 'altered on the owner cluster');
      await admin.createPartitions({ topicPartitions: [{ topic: 'payments.admin', count: 2 }] });
      const metadata = await onOwner.fetchTopicMetadata({ topics: ['payments.admin'] });
      assert.equal(metadata.topics[0]?.partitions.length, 2, 'partitions added on the owner cluster');
    } finally {
      await onOwner.disconnect();
    }

    await admin.deleteTopics({ topics: ['payments.admin', 'audit-admin'] });
    assert.ok(!(await topicsOn('payments')).includes('payments.admin'));
    assert.ok(!(await topicsOn('archive')).includes('audit-admin'));
  } finally {
    await admin.disconnect();
  }
});

test('API_VERSIONS offers only the keys the router routes, and a key it has no rule for is refused naming the API', async () => {
  const connection = await rawConnection(viaPorts.bootstrapServers);
  try {
    const request = <T>(apiKey: number, version: number, body: object): Promise<T> =>
      connection.request(encodeRequest(apiKey, version, 7, 'raw', body)).then((frame) => {
        const header = readResponseHeader(frame, responseHeaderVersion(apiKey, version));
        return decodeResponseBody(apiKey, version, frame, header.bodyOffset) as T;
      });
    const versions = await request<{ apiKeys: { apiKey: number; maxVersion: number }[] }>(ApiKey.API_VERSIONS, 3, {
      clientSoftwareName: 'raw',
      clientSoftwareVersion: '1',
    });
    const offered = new Map(versions.apiKeys.map((entry) => [entry.apiKey, entry.maxVersion]));
    assert.ok(offered.has(ApiKey.OFFSET_COMMIT) && offered.has(ApiKey.JOIN_GROUP) && offered.has(ApiKey.METADATA));
    assert.equal(offered.get(ApiKey.OFFSET_COMMIT), 9, 'offset commits by topic name only');
    assert.ok(!offered.has(ApiKey.DESCRIBE_QUORUM), 'no rule for DESCRIBE_QUORUM');
    const refused = await request<{ errorCode: number; errorMessage: string | null }>(ApiKey.DESCRIBE_QUORUM, 2, {
      topics: [],
    });
    assert.equal(refused.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.equal(refused.errorMessage, 'TopicRouter does not route DESCRIBE_QUORUM');

    // KIP-848: the broker assigns partitions of its own cluster only, so a subscription spanning routes is refused.
    const heartbeat = (subscribedTopicNames: string[]) =>
      request<{ errorCode: number; errorMessage: string | null }>(ApiKey.CONSUMER_GROUP_HEARTBEAT, 0, {
        groupId: 'kip848',
        memberId: 'm-kip848-0000000001',
        memberEpoch: 0,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: 30_000,
        subscribedTopicNames,
        subscribedTopicRegex: null,
        serverAssignor: null,
        topicPartitions: [],
      });
    const spanning = await heartbeat(['orders-listing', 'payments.listing']);
    assert.equal(spanning.errorCode, ErrorCode.INVALID_REQUEST);
    assert.match(spanning.errorMessage ?? '', /payments\.listing are not on route 'main'.*group\.protocol=classic/);
    const confined = await heartbeat(['orders-listing']);
    assert.notEqual(confined.errorCode, ErrorCode.INVALID_REQUEST, 'a subscription within the home route is forwarded');
  } finally {
    connection.close();
  }
});

test('discovery rulesThenExisting: a topic no rule names is found on the first route (by id) that has it', async () => {
  await createTopics(direct('archive'), ['legacy-archived', 'legacy-twice'], 1);
  await createTopics(direct('main'), ['legacy-twice'], 1);
  await kafkajsProduce(direct('archive'), 'legacy-archived', [{ value: 'from the archive' }]);
  const viaFound: KafkaConnection = { bootstrapServers: running.bootstrap('found', 'ports') };
  const leaders = new Map((await kcatMetadata(viaFound)).topics.map((t) => [t.name, t.partitions[0]?.leader]));
  assert.equal(leaders.get('legacy-archived')! % 3, ROUTE_IDS.archive, 'found on the only route that has it');
  assert.equal(leaders.get('legacy-twice')! % 3, ROUTE_IDS.main, 'the first route by id wins');
  const consumed = await kcatConsume(viaFound, { topic: 'legacy-archived', count: 1 });
  assert.deepEqual(
    consumed.map((record) => record.value),
    ['from the archive'],
  );
  // With discovery by rules only, the topic belongs to the default route, which does not have it.
  const shown = (await kcatMetadata(viaPorts)).topics.map((t) => t.name);
  assert.ok(!shown.includes('legacy-archived'));
});

/** kafka-configs against a connection; fails the test when the tool fails. */
async function kafkaConfigs(connection: KafkaConnection, args: readonly string[]): Promise<string> {
  const result = await runJavaTool('org.apache.kafka.tools.ConfigCommand', [
    '--bootstrap-server',
    connection.bootstrapServers,
    ...args,
  ]);
  assert.equal(result.exitCode, 0, result.stderr);
  return result.stdout;
}

test('client quotas and SCRAM credentials set through the proxy reach every route; broker configs by virtual id', async () => {
  const client = ['--entity-type', 'clients', '--entity-name', 'union-quota'];
  await kafkaConfigs(viaPorts, ['--alter', ...client, '--add-config', 'producer_byte_rate=1048576']);
  const user = ['--entity-type', 'users', '--entity-name', 'union-user'];
  await kafkaConfigs(viaPorts, [
    '--alter',
    ...user,
    '--add-config',
    'SCRAM-SHA-256=[iterations=8192,password=union-secret]',
  ]);
  for (const route of Object.keys(clusters) as Route[]) {
    assert.match(await kafkaConfigs(direct(route), ['--describe', ...client]), /producer_byte_rate=1048576/, route);
    assert.match(await kafkaConfigs(direct(route), ['--describe', ...user]), /SCRAM-SHA-256=iterations=8192/, route);
  }
  assert.match(await kafkaConfigs(viaPorts, ['--describe', ...client]), /producer_byte_rate=1048576/);
  const described = await kafkaConfigs(viaPorts, ['--describe', ...user]);
  assert.equal(described.match(/SCRAM-SHA-256/g)?.length, 1, 'the same credential on every route is shown once');

  // A broker's config is asked of that broker, named by its virtual id.
  const archiveBroker = ROUTE_IDS.archive + 3 * archive.brokers[0]!.id;
  const brokerConfig = await kafkaConfigs(viaPorts, [
    '--describe',
    '--all',
    '--entity-type',
    'brokers',
    '--entity-name',
    String(archiveBroker),
  ]);
  assert.match(brokerConfig, new RegExp(`node\\.id=${archive.brokers[0]!.id}\\b`));
});

test('kafka-topics --describe shows each topic from its owner; kafka-cluster shows the virtual cluster id', async () => {
  await createTopics(viaPorts, ['orders-described', 'payments.described', 'audit-described'], 2);
  for (const [topic, route] of [
    ['orders-described', 'main'],
    ['payments.described', 'payments'],
    ['audit-described', 'archive'],
  ] as const) {
    const described = await javaDescribeTopic(viaPorts, topic);
    assert.equal(described.partitions.length, 2, topic);
    for (const partition of described.partitions) assert.equal(partition.leader % 3, ROUTE_IDS[route], topic);
    const onOwner = await javaDescribeTopic(direct(route), topic);
    assert.equal(described.topicId, onOwner.topicId, 'the owner’s topic id');
  }
  // DELETE_TOPICS by id: the route whose cluster knows the id deletes it.
  const { topicId } = await javaDescribeTopic(direct('archive'), 'audit-described');
  const connection = await rawConnection(viaPorts.bootstrapServers);
  try {
    const frame = await connection.request(
      encodeRequest(ApiKey.DELETE_TOPICS, 6, 9, 'raw', {
        topics: [{ name: null, topicId }],
        topicNames: [],
        timeoutMs: 30_000,
      }),
    );
    const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.DELETE_TOPICS, 6));
    const body = decodeResponseBody(ApiKey.DELETE_TOPICS, 6, frame, header.bodyOffset) as {
      responses: { name: string | null; topicId: string; errorCode: number }[];
    };
    assert.deepEqual(
      body.responses.map((r) => [r.name, r.topicId, r.errorCode]),
      [['audit-described', topicId, ErrorCode.NONE]],
    );
  } finally {
    connection.close();
  }
  assert.ok(!(await topicsOn('archive')).includes('audit-described'));

  const result = await runJavaTool('org.apache.kafka.tools.ClusterTool', [
    'cluster-id',
    '--bootstrap-server',
    viaPorts.bootstrapServers,
  ]);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /Cluster ID: switchyard-union/);
});

test('a commit the home coordinator refuses (no such member) is committed on no route', async () => {
  await createTopics(viaPorts, ['orders-fence', 'payments.fence'], 1);
  const connection = await rawConnection(viaPorts.bootstrapServers);
  try {
    const commit = (generationIdOrMemberEpoch: number, memberId: string, offset: bigint) =>
      connection
        .request(
          encodeRequest(ApiKey.OFFSET_COMMIT, 9, 11, 'raw', {
            groupId: 'fence-test',
            generationIdOrMemberEpoch,
            memberId,
            groupInstanceId: null,
            retentionTimeMs: -1n,
            topics: ['orders-fence', 'payments.fence'].map((name) => ({
              name,
              topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
              partitions: [
                { partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' },
              ],
            })),
          }),
        )
        .then((frame) => {
          const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.OFFSET_COMMIT, 9));
          const body = decodeResponseBody(ApiKey.OFFSET_COMMIT, 9, frame, header.bodyOffset) as {
            topics: { name: string; partitions: { errorCode: number }[] }[];
          };
          return body.topics.map((topic) => [topic.name, topic.partitions[0]!.errorCode]);
        });
    // A standalone commit (no member) is accepted on both routes.
    assert.deepEqual(await commit(-1, '', 0n), [
      ['orders-fence', ErrorCode.NONE],
      ['payments.fence', ErrorCode.NONE],
    ]);
    const refused = await commit(7, 'ghost-member', 5n);
    const code = refused[0]![1];
    assert.ok(code === ErrorCode.ILLEGAL_GENERATION || code === ErrorCode.UNKNOWN_MEMBER_ID, `home refused: ${code}`);
    assert.deepEqual(refused, [
      ['orders-fence', code],
      ['payments.fence', code],
    ]);
  } finally {
    connection.close();
  }
  // The offsets committed before stand on both clusters.
  const admin = kafkajsClient(direct('payments')).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId: 'fence-test', topics: ['payments.fence'] });
    assert.equal(offsets?.partitions[0]?.offset, '0');
  } finally {
    await admin.disconnect();
  }
});

test('a partition reassignment naming a broker of another route is refused with INVALID_REPLICA_ASSIGNMENT; its own broker is accepted', async () => {
  await createTopics(viaPorts, ['payments.moved'], 2);
  const own = ROUTE_IDS.payments + 3 * payments.brokers[0]!.id;
  const foreign = ROUTE_IDS.main + 3 * main.brokers[0]!.id;
  const connection = await rawConnection(viaPorts.bootstrapServers);
  try {
    const reassign = async (replicas: number) => {
      const frame = await connection.request(
        encodeRequest(ApiKey.ALTER_PARTITION_REASSIGNMENTS, 0, 13, 'raw', {
          timeoutMs: 30_000,
          allowReplicationFactorChange: true,
          topics: [{ name: 'payments.moved', partitions: [{ partitionIndex: 0, replicas: [replicas] }] }],
        }),
      );
      const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.ALTER_PARTITION_REASSIGNMENTS, 0));
      const body = decodeResponseBody(ApiKey.ALTER_PARTITION_REASSIGNMENTS, 0, frame, header.bodyOffset) as {
        errorCode: number;
        responses: { name: string; partitions: { errorCode: number; errorMessage: string | null }[] }[];
      };
      return { top: body.errorCode, partition: body.responses[0]?.partitions[0] };
    };
    const refused = await reassign(foreign);
    assert.equal(refused.top, ErrorCode.NONE);
    assert.equal(refused.partition?.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    assert.match(refused.partition?.errorMessage ?? '', /route 'payments'/);
    const accepted = await reassign(own);
    assert.equal(accepted.partition?.errorCode, ErrorCode.NONE, 'its own broker is a valid replica');
  } finally {
    connection.close();
  }
});

test('PRODUCE and FETCH responses that name no broker cross the three-route level undecoded', async () => {
  const topics = topicsFor('skim');
  await createTopics(viaPorts, Object.values(topics), 1);
  const decoded = await decodesDuring(async () => {
    for (const topic of Object.values(topics)) {
      await kcatProduce(viaPorts, topic, records(topic, 0));
      const consumed = await kcatConsume(viaPorts, { topic, count: records(topic, 0).length });
      assert.equal(consumed.length, records(topic, 0).length);
    }
  });
  // Their broker ids are -1 sentinels (or absent tagged fields): the generated skim says so.
  const dataResponses = [`response ${ApiKey.PRODUCE}`, `response ${ApiKey.FETCH}`];
  assert.deepEqual(
    decoded.filter((decode) => dataResponses.includes(decode)),
    [],
  );
});

test('PRODUCE, FETCH and LIST_OFFSETS requests on broker connections reach their broker undecoded', async () => {
  const topics = topicsFor('frames');
  await createTopics(viaPorts, Object.values(topics), 1);
  const decoded = await decodesDuring(async () => {
    for (const topic of Object.values(topics)) {
      await kcatProduce(viaPorts, topic, records(topic, 0));
      const consumed = await kcatConsume(viaPorts, { topic, count: records(topic, 0).length });
      assert.equal(consumed.length, records(topic, 0).length);
    }
  });
  // kcat's producer is not idempotent, so no producer id needs a real id on any route.
  const brokerBound = [ApiKey.PRODUCE, ApiKey.FETCH, ApiKey.LIST_OFFSETS].map((key) => `request ${key}`);
  assert.deepEqual(
    decoded.filter((decode) => brokerBound.includes(decode)),
    [],
  );
  assert.ok(decoded.includes(`request ${ApiKey.METADATA}`), 'the router still decodes what it decides on');
});
