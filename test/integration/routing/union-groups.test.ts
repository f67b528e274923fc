// The TopicRouter over three real clusters (one route each), through a port-per-broker gateway and
// an SNI gateway: one cluster view, consumer groups whose partitions span every route, admin by
// owner, transactions confined to their route, and keys it has no rule for refused.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/index.ts';
import type { ConsumedRecord, ConsumeOptions, KafkaConnection, RecordToProduce } from '../../helpers/clients/common.ts';
import { javaDescribeGroupOffsets } from '../../helpers/clients/java-admin.ts';
import { javaConsoleConsume, javaConsoleProduce } from '../../helpers/clients/java-console.ts';
import { kafkajsClient, kafkajsConsume, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { kcatConsume, kcatMetadata, kcatProduce } from '../../helpers/clients/kcat.ts';
import { platformaticConsume, platformaticProduce } from '../../helpers/clients/platformatic.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

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
virtualClusters:
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

    // kafka-consumer-groups --describe through the proxy: every partition of every route, no lag.
    const described = await javaDescribeGroupOffsets(viaPorts, client.group);
    assert.deepEqual(
      described.map((row) => `${row.topic}/${row.partition}`).sort(),
      names.flatMap((topic) => [0, 1, 2].map((p) => `${topic}/${p}`)).sort(),
    );
    for (const row of described) {
      assert.equal(row.lag, 0, `${row.topic}/${row.partition} has no lag`);
      assert.equal(row.currentOffset, row.logEndOffset);
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
});
