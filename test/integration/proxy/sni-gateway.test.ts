// An SNI gateway: one TLS port serves the bootstrap name and every broker name, and two virtual
// clusters share that port. The client dials loopback for every name (there is no DNS here) but
// sends the advertised name as its TLS server name, exactly as it would with real DNS.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import { Kafka, logLevel } from 'kafkajs';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/index.ts';
import { javaConsoleConsume, javaConsoleProduce } from '../../helpers/clients/java-console.ts';
import { kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { kcatConsume, kcatMetadata, kcatProduce } from '../../helpers/clients/kcat.ts';
import { platformaticConsume, platformaticProduce } from '../../helpers/clients/platformatic.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

const cluster = await useKafkaCluster({ brokers: 2, name: 'sni' });
const other = await useKafkaCluster({ brokers: 1, name: 'sni-other' });
const certificates = mkdtempSync(join(tmpdir(), 'switchyard-sni-'));
const ca = createCertificateAuthority(certificates, 'switchyard-sni-ca');
const certificate = issueCertificate(ca, certificates, 'sni-gateway', [
  'orders.sni.test',
  '*.orders.sni.test',
  'audit.sni.test',
  '*.audit.sni.test',
  'union.sni.test',
  '*.union.sni.test',
]);
const port = await freePortBlock(1);

const tlsBlock = `
        tls:
          key:
            certificateFile: ${certificate.certFile}
            privateKeyFile: ${certificate.keyFile}`;
const running = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
  - name: other
    bootstrapServers: ${other.bootstrapServers}
virtualClusters:
  - name: orders
    target: { cluster: main }
    gateways:
      - name: sni
        sniHostIdentifiesNode:
          bootstrapAddress: orders.sni.test:${port}
          advertisedBrokerAddressPattern: broker-$(nodeId).orders.sni.test
          bindAddress: 127.0.0.1${tlsBlock}
  - name: audit
    target: { cluster: other }
    gateways:
      - name: sni
        sniHostIdentifiesNode:
          bootstrapAddress: audit.sni.test:${port}
          advertisedBrokerAddressPattern: broker-$(nodeId).audit.sni.test
          bindAddress: 127.0.0.1${tlsBlock}
  - name: union
    target: { router: union }
    gateways:
      - name: sni
        sniHostIdentifiesNode:
          bootstrapAddress: union.sni.test:${port}
          advertisedBrokerAddressPattern: broker-$(nodeId).union.sni.test
          bindAddress: 127.0.0.1${tlsBlock}
routerDefinitions:
  - name: union
    type: TopicRouter
    config: { defaultRoute: main, topics: [{ prefix: "other.", route: other }] }
    routes:
      - { name: main, id: 0, target: { cluster: main } }
      - { name: other, id: 1, target: { cluster: other } }
`);

/** A kafkajs client whose sockets all go to the proxy's port, each naming its host through SNI. */
function sniClient(bootstrapHost: string, serverNames: string[]): Kafka {
  const trusted = readFileSync(ca.certFile);
  return new Kafka({
    clientId: 'sni-test',
    brokers: [`${bootstrapHost}:${port}`],
    logLevel: logLevel.NOTHING,
    ssl: true,
    socketFactory: ({ host, port: targetPort, onConnect }) => {
      serverNames.push(host);
      // Dial loopback, but verify the certificate against the name asked for, as with real DNS.
      return tlsConnect(
        {
          host: '127.0.0.1',
          port: targetPort,
          servername: host,
          ca: trusted,
          checkServerIdentity: (_address, certificate) => checkServerIdentity(host, certificate),
        },
        onConnect,
      );
    },
  });
}

test('one SNI port serves the bootstrap name and every broker name of a virtual cluster', async () => {
  const serverNames: string[] = [];
  const kafka = sniClient('orders.sni.test', serverNames);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: 'sni-orders', numPartitions: 4, replicationFactor: 2 }] });
    const described = await admin.describeCluster();
    assert.deepEqual(
      described.brokers.map((broker) => `${broker.host}:${broker.port}`).sort(),
      cluster.brokers.map((broker) => `broker-${broker.id}.orders.sni.test:${port}`).sort(),
    );
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: 'sni-orders',
    acks: -1,
    messages: Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
  });
  await producer.disconnect();
  assert.ok(
    serverNames.some((name) => /^broker-\d+\.orders\.sni\.test$/.test(name)),
    `broker connections used broker names: ${[...new Set(serverNames)].join(', ')}`,
  );
});

test('two virtual clusters share one SNI port, each reaching its own cluster', async () => {
  const kafka = sniClient('audit.sni.test', []);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await admin.describeCluster();
    assert.equal(described.clusterId, other.clusterId);
    assert.deepEqual(
      described.brokers.map((broker) => broker.host),
      other.brokers.map((broker) => `broker-${broker.id}.audit.sni.test`),
    );
  } finally {
    await admin.disconnect();
  }
  assert.equal(running.bootstrap('orders', 'sni'), running.bootstrap('audit', 'sni'));
});

/** How kcat and the Java tools reach the SNI port: their own /etc/hosts maps every name to loopback. */
const ordersViaSni = {
  bootstrapServers: `orders.sni.test:${port}`,
  tls: { caFile: ca.certFile },
  hosts: Object.fromEntries(
    ['orders.sni.test', ...cluster.brokers.map((broker) => `broker-${broker.id}.orders.sni.test`)].map((name) => [
      name,
      '127.0.0.1',
    ]),
  ),
};

test('kcat produces and consumes through the SNI gateway, verifying the broker names', async () => {
  const metadata = await kcatMetadata(ordersViaSni);
  assert.deepEqual(
    metadata.brokers.map((broker) => broker.host).sort(),
    cluster.brokers.map((broker) => `broker-${broker.id}.orders.sni.test`).sort(),
  );
  await kcatProduce(ordersViaSni, 'sni-orders', [{ value: 'via-kcat', partition: 0 }]);
  const consumed = await kcatConsume(ordersViaSni, { topic: 'sni-orders', count: 41 });
  assert.ok(consumed.some((record) => record.value === 'via-kcat'));
});

test('the Java console tools produce and consume in a group through the SNI gateway', async () => {
  await javaConsoleProduce(ordersViaSni, 'sni-orders', [{ key: 'j', value: 'via-java' }]);
  const consumed = await javaConsoleConsume(ordersViaSni, { topic: 'sni-orders', groupId: 'sni-java', count: 42 });
  assert.ok(consumed.some((record) => record.value === 'via-java'));
});

// The TopicRouter's virtual cluster: main's brokers 1 and 2 behind route 0, other's broker 1 behind
// route 1 (V = route + 2 × broker). Every client resolves its names to loopback: the command-line
// ones through their own /etc/hosts, the in-process ones through their sockets' lookup.
const virtualIds = [
  ...cluster.brokers.map((broker) => 2 * broker.id),
  ...other.brokers.map((broker) => 1 + 2 * broker.id),
];
const unionViaSni = {
  bootstrapServers: `union.sni.test:${port}`,
  tls: { caFile: ca.certFile },
  hosts: Object.fromEntries(
    ['union.sni.test', ...virtualIds.map((id) => `broker-${id}.union.sni.test`)].map((name) => [name, '127.0.0.1']),
  ),
};

test('a router over two clusters behind one SNI bootstrap: kcat sees the brokers of both by virtual id and reaches topics of both', async () => {
  const metadata = await kcatMetadata(unionViaSni);
  assert.deepEqual(
    metadata.brokers.map((broker) => broker.host).sort(),
    virtualIds.map((id) => `broker-${id}.union.sni.test`).sort(),
  );
  for (const topic of ['union-main', 'other.union']) {
    await kcatProduce(unionViaSni, topic, [{ value: `via-sni ${topic}` }]);
    const consumed = await kcatConsume(unionViaSni, { topic, count: 1 });
    assert.deepEqual(
      consumed.map((record) => record.value),
      [`via-sni ${topic}`],
    );
  }
  const onOther = await kcatMetadata({ bootstrapServers: other.bootstrapServers });
  assert.ok(
    onOther.topics.some((topic) => topic.name === 'other.union'),
    'other.* topics live on the other cluster',
  );
});

for (const client of [
  { name: 'kafkajs', produce: kafkajsProduce, consume: kafkajsConsume },
  { name: 'platformatic', produce: platformaticProduce, consume: platformaticConsume },
]) {
  test(`${client.name} in-process produces to topics of both routes and consumes them in one group through the SNI TopicRouter`, async () => {
    const topics = [`union-${client.name}`, `other.union-${client.name}`];
    await kafkajsCreateTopics(
      unionViaSni,
      topics.map((name) => ({ name, partitions: 2 })),
    );
    const expected = topics.flatMap((topic) => [0, 1, 2, 3].map((i) => `${topic} ${i}`));
    for (const topic of topics)
      await client.produce(
        unionViaSni,
        topic,
        [0, 1, 2, 3].map((i) => ({ key: `k${i}`, value: `${topic} ${i}` })),
      );
    const consumed = await client.consume(unionViaSni, {
      topic: topics[0]!,
      topics,
      groupId: `sni-union-${client.name}`,
      count: expected.length,
      timeoutMs: 60_000,
    });
    assert.deepEqual(consumed.map((record) => record.value).sort(), expected.sort());
    const onOther = await kcatMetadata({ bootstrapServers: other.bootstrapServers });
    assert.ok(
      onOther.topics.some((topic) => topic.name === topics[1]),
      `${topics[1]} lives on the other cluster`,
    );
  });
}
