// Namespace in front of one real broker: two tenants (two virtual clusters with the prefixes
// `tenant-a.` and `tenant-b.`) each see only their own topics and groups through kafkajs,
// @platformatic/kafka, kcat and Kafka's own tools, create topics that land prefixed on the
// cluster, and cannot reach each other's by name or by topic id.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { addCredentials } from '../../../src/cli/credentials.ts';
import {
  ApiKey,
  codecsFor,
  decodeResponseBody,
  ErrorCode,
  encodeRequest,
  type FetchRequest,
  type FetchResponse,
  type ListTransactionsRequest,
  type ListTransactionsResponse,
  type MetadataResponse,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/index.ts';
import { runJavaTool } from '../../../testbed/java.ts';
import {
  javaCreateTopic,
  javaDescribeGroupOffsets,
  javaListGroups,
  javaListTopics,
} from '../../helpers/clients/java-admin.ts';
import { javaConsoleConsume, javaConsoleProduce } from '../../helpers/clients/java-console.ts';
import { kafkajsClient, kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { kcatMetadata } from '../../helpers/clients/kcat.ts';
import { platformaticConsume, platformaticProduce } from '../../helpers/clients/platformatic.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { fetchFrame, fetchPartition, produceFrame, producePartition } from './frames.ts';
import { rawConnection } from './raw-client.ts';

// An authorizer, so that ACLs can be created and described; every plaintext client is a super user.
const cluster = await useKafkaCluster({
  brokers: 1,
  name: 'namespace',
  brokerConfig: {
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'super.users': 'User:ANONYMOUS',
  },
});
const direct = { bootstrapServers: cluster.bootstrapServers };
// A topic of nobody's namespace, which no tenant may see.
await kafkajsCreateTopics(direct, [{ name: 'shared-events' }]);

// Client certificates for two users of one principal-based namespace.
const certificates = mkdtempSync(join(tmpdir(), 'switchyard-namespace-tls-'));
const ca = createCertificateAuthority(certificates, 'switchyard-test-namespace-ca');
const gatewayCertificate = issueCertificate(ca, certificates, 'gateway');
const [alice, bob] = [issueCertificate(ca, certificates, 'alice'), issueCertificate(ca, certificates, 'bob')];

// SASL users of a principal-based namespace, authenticated by the proxy (SaslTermination).
const CAROL_PASSWORD = 'carol-namespace-5e1d';
const DAVE_PASSWORD = 'dave-namespace-92c4';
const credentials = join(certificates, 'users.json');
for (const [user, password] of [
  ['carol', CAROL_PASSWORD],
  ['dave', DAVE_PASSWORD],
] as const) {
  await addCredentials(
    { file: credentials, user, iterations: 4096, mechanisms: ['PLAIN', 'SCRAM-SHA-512'], groups: [] },
    password,
  );
}
after(() => rmSync(certificates, { recursive: true, force: true }));

const ports = await Promise.all([
  freePortBlock(4),
  freePortBlock(4),
  freePortBlock(4),
  freePortBlock(4),
  freePortBlock(4),
]);
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
  - name: tenant-a
    type: Namespace
    config: { prefix: tenant-a. }
  - name: tenant-b
    type: Namespace
    config: { prefix: tenant-b. }
  - name: per-user
    type: Namespace
    config: { prefix: "\${principal}." }
  - name: sasl
    type: SaslTermination
    config: { mechanisms: [SCRAM-SHA-512, PLAIN], credentials: ${credentials} }
virtualClusters:
  - name: a
    target: { cluster: main }
    filters: [tenant-a]${gateway(ports[0]!)}
  - name: b
    target: { cluster: main }
    filters: [tenant-b]${gateway(ports[1]!)}
  - name: users
    target: { cluster: main }
    filters: [per-user]${gateway(ports[2]!)}
        tls:
          key:
            certificateFile: ${gatewayCertificate.certFile}
            privateKeyFile: ${gatewayCertificate.keyFile}
          trust:
            storeFile: ${ca.certFile}
            clientAuth: REQUIRED
            principal: { mappingRules: ["RULE:^CN=([^,]*).*$/$1/"] }
  - name: anonymous
    target: { cluster: main }
    filters: [per-user]${gateway(ports[3]!)}
  - name: sasl-users
    target: { cluster: main }
    filters: [sasl, per-user]${gateway(ports[4]!)}
`);
const tenantA = { bootstrapServers: running.bootstrap('a', 'ports') };
const tenantB = { bootstrapServers: running.bootstrap('b', 'ports') };
const asUser = (user: typeof alice) => ({
  bootstrapServers: running.bootstrap('users', 'ports'),
  tls: { caFile: ca.certFile, certFile: user.certFile, keyFile: user.keyFile },
});

async function clusterTopics(): Promise<string[]> {
  const admin = kafkajsClient(direct).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
  } finally {
    await admin.disconnect();
  }
}

async function kafkajsTopics(connection: typeof tenantA): Promise<string[]> {
  const admin = kafkajsClient(connection).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).sort();
  } finally {
    await admin.disconnect();
  }
}

test('topics created through each tenant land prefixed on the cluster', async () => {
  await kafkajsCreateTopics(tenantA, [{ name: 'orders' }]);
  await javaCreateTopic(tenantB, { name: 'orders' });
  await javaCreateTopic(tenantB, { name: 'payments' });
  assert.deepEqual(await clusterTopics(), ['shared-events', 'tenant-a.orders', 'tenant-b.orders', 'tenant-b.payments']);
});

test("every client lists only its tenant's topics, without the prefix", async () => {
  assert.deepEqual(await kafkajsTopics(tenantA), ['orders']);
  assert.deepEqual(await kafkajsTopics(tenantB), ['orders', 'payments']);
  assert.deepEqual(await javaListTopics(tenantA), ['orders']);
  assert.deepEqual(await javaListTopics(tenantB), ['orders', 'payments']);
  const metadata = await kcatMetadata(tenantB);
  assert.deepEqual(metadata.topics.map((t) => t.name).sort(), ['orders', 'payments']);
});

test('records produced through one tenant are consumed through it and stored in its topic only', async () => {
  await kafkajsProduce(tenantA, 'orders', [{ value: 'a-1' }, { value: 'a-2' }]);
  await platformaticProduce(tenantB, 'orders', [{ value: 'b-1' }]);
  await javaConsoleProduce(tenantB, 'payments', [{ value: 'b-pay' }]);

  const fromA = await kafkajsConsume(tenantA, { topic: 'orders', groupId: 'billing', count: 2 });
  assert.deepEqual(
    fromA.map((r) => [r.topic, r.value]),
    [
      ['orders', 'a-1'],
      ['orders', 'a-2'],
    ],
  );
  const fromB = await platformaticConsume(tenantB, { topic: 'orders', groupId: 'billing', count: 1 });
  assert.deepEqual(
    fromB.map((r) => [r.topic, r.value]),
    [['orders', 'b-1']],
  );
  const payments = await javaConsoleConsume(tenantB, { topic: 'payments', groupId: 'audit', count: 1 });
  assert.deepEqual(
    payments.map((r) => r.value),
    ['b-pay'],
  );
  // On the cluster, each record is in the tenant's own topic.
  const onCluster = await kafkajsConsume(direct, { topic: 'tenant-a.orders', groupId: 'direct-check', count: 2 });
  assert.deepEqual(
    onCluster.map((r) => r.value),
    ['a-1', 'a-2'],
  );
});

test('consumer groups are prefixed on the cluster and each tenant lists and describes only its own', async () => {
  const groups = await javaListGroups(direct);
  for (const group of ['tenant-a.billing', 'tenant-b.billing', 'tenant-b.audit'])
    assert.ok(groups.includes(group), group);
  assert.deepEqual(await javaListGroups(tenantA), ['billing']);
  assert.deepEqual(await javaListGroups(tenantB), ['audit', 'billing']);
  const offsets = await javaDescribeGroupOffsets(tenantA, 'billing');
  assert.deepEqual(
    offsets.map((o) => [o.topic, o.partition, o.currentOffset]),
    [['orders', 0, 2]],
  );
  // The other tenant's group of the same name is another group.
  const other = await javaDescribeGroupOffsets(tenantB, 'billing');
  assert.deepEqual(
    other.map((o) => [o.topic, o.currentOffset]),
    [['orders', 1]],
  );
});

test("a regular-expression subscription of the consumer group protocol (KIP-848) matches only the tenant's topics", async () => {
  // The Java consumer sends the expression to the broker (ConsumerGroupHeartbeat subscribedTopicRegex).
  const result = await runJavaTool(
    'org.apache.kafka.tools.consumer.ConsoleConsumer',
    [
      '--bootstrap-server',
      tenantA.bootstrapServers,
      '--include',
      '.*',
      '--group',
      'regex-readers',
      '--command-property',
      'group.protocol=consumer',
      '--from-beginning',
      '--max-messages',
      '2',
      '--timeout-ms',
      '25000',
    ],
    { timeoutMs: 30_000 },
  );
  assert.equal(result.exitCode, 0, result.stderr);
  assert.deepEqual(result.stdout.trim().split('\n').sort(), ['a-1', 'a-2']);
  const groups = await javaListGroups(direct);
  assert.ok(groups.includes('tenant-a.regex-readers'));
  // kafka-consumer-groups describes a consumer-protocol group with CONSUMER_GROUP_DESCRIBE.
  const offsets = await javaDescribeGroupOffsets(tenantA, 'regex-readers');
  assert.deepEqual(
    offsets.map((o) => [o.topic, o.partition]),
    [['orders', 0]],
  );
});

/** The transactional ids LIST_TRANSACTIONS returns through `address`. */
async function listTransactions(address: string): Promise<string[]> {
  const connection = await rawConnection(address);
  try {
    const frame = await connection.request(
      encodeRequest(
        ApiKey.LIST_TRANSACTIONS,
        0,
        1,
        'raw',
        codecsFor(ApiKey.LIST_TRANSACTIONS)!.request.defaults() as ListTransactionsRequest,
      ),
    );
    const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.LIST_TRANSACTIONS, 0));
    const response = decodeResponseBody(
      ApiKey.LIST_TRANSACTIONS,
      0,
      frame,
      header.bodyOffset,
    ) as ListTransactionsResponse;
    return response.transactionStates.map((t) => t.transactionalId).sort();
  } finally {
    connection.close();
  }
}

test('transactional ids are prefixed on the cluster and listed only to their tenant', async () => {
  const producer = kafkajsClient(tenantA).producer({
    transactionalId: 'orders-tx',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  try {
    const transaction = await producer.transaction();
    await transaction.send({ topic: 'orders', messages: [{ value: 'a-tx' }] });
    await transaction.commit();
  } finally {
    await producer.disconnect();
  }
  assert.ok((await listTransactions(cluster.bootstrapServers.split(',')[0]!)).includes('tenant-a.orders-tx'));
  assert.deepEqual(await listTransactions(tenantA.bootstrapServers), ['orders-tx']);
  assert.deepEqual(await listTransactions(tenantB.bootstrapServers), []);
});

test("topic configs are described under the client's name", async () => {
  const admin = kafkajsClient(tenantB).admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      resources: [{ type: 2, name: 'payments' }],
      includeSynonyms: false,
    });
    assert.deepEqual(
      resources.map((r) => [r.resourceName, r.errorCode]),
      [['payments', 0]],
    );
  } finally {
    await admin.disconnect();
  }
});

const TOPIC = 2;
const LITERAL = 3;
const PREFIXED = 4;
const ANY = 1;
const READ = 3;
const ALLOW = 3;

async function aclBindings(connection: typeof tenantA): Promise<string[]> {
  const admin = kafkajsClient(connection).admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeAcls({
      resourceType: ANY,
      resourcePatternType: ANY,
      operation: ANY,
      permissionType: ANY,
    } as never);
    return resources.map((r) => `${r.resourceName}/${r.resourcePatternType}`).sort();
  } finally {
    await admin.disconnect();
  }
}

test('ACLs created through a tenant stay in its namespace; the literal wildcard is the whole namespace', async () => {
  const admin = kafkajsClient(tenantA).admin();
  await admin.connect();
  try {
    const acl = (resourceName: string) => ({
      resourceType: TOPIC,
      resourceName,
      resourcePatternType: LITERAL,
      principal: 'User:reader',
      host: '*',
      operation: READ,
      permissionType: ALLOW,
    });
    await admin.createAcls({ acl: [acl('orders'), acl('*')] } as never);
    // A filter without a name could delete every tenant's bindings: refused.
    await assert.rejects(
      admin.deleteAcls({
        filters: [{ resourceType: TOPIC, resourcePatternType: ANY, operation: ANY, permissionType: ANY }],
      } as never),
      (error: Error & { type?: string }) => error.type === 'INVALID_REQUEST',
    );
  } finally {
    await admin.disconnect();
  }
  assert.deepEqual(await aclBindings(direct), [`tenant-a./${PREFIXED}`, `tenant-a.orders/${LITERAL}`]);
  assert.deepEqual(await aclBindings(tenantA), [`*/${LITERAL}`, `orders/${LITERAL}`]);
  assert.deepEqual(await aclBindings(tenantB), []);
});

test("a name of the other tenant's topic, or of a topic outside every namespace, is a name inside the tenant's own", async () => {
  const connection = await rawConnection(tenantA.bootstrapServers);
  try {
    const produced = producePartition(
      await connection.request(await produceFrame(1, 'tenant-b.payments', ['intruder'])),
    );
    assert.equal(produced.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const fetched = fetchPartition(await connection.request(fetchFrame(2, 'shared-events')));
    assert.equal(fetched.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  } finally {
    connection.close();
  }
  const payments = await kafkajsConsume(direct, { topic: 'tenant-b.payments', groupId: 'direct-check', count: 1 });
  assert.deepEqual(
    payments.map((r) => r.value),
    ['b-pay'],
  );
});

/** A FETCH v13 (topics by id) of partition 0 of the topic with `topicId`, through `address`. */
async function fetchById(address: string, topicId: string): Promise<number> {
  const request = codecsFor(ApiKey.FETCH)!.request.defaults() as FetchRequest;
  Object.assign(request, { replicaId: -1, maxWaitMs: 100, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1 });
  request.topics = [
    {
      topic: '',
      topicId,
      partitions: [
        {
          partition: 0,
          currentLeaderEpoch: -1,
          fetchOffset: 0n,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: 1 << 20,
        },
      ],
    },
  ];
  const connection = await rawConnection(address);
  try {
    const frame = await connection.request(encodeRequest(ApiKey.FETCH, 13, 1, 'raw', request));
    const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.FETCH, 13));
    const response = decodeResponseBody(ApiKey.FETCH, 13, frame, header.bodyOffset) as FetchResponse;
    return response.responses[0]?.partitions[0]?.errorCode ?? response.errorCode;
  } finally {
    connection.close();
  }
}

/** The topic id of `name`, asked of the cluster directly (METADATA v12). */
async function topicIdOf(name: string): Promise<string> {
  const connection = await rawConnection(cluster.bootstrapServers.split(',')[0]!);
  try {
    const frame = await connection.request(
      encodeRequest(ApiKey.METADATA, 12, 1, 'raw', {
        topics: [{ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }),
    );
    const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.METADATA, 12));
    const response = decodeResponseBody(ApiKey.METADATA, 12, frame, header.bodyOffset) as MetadataResponse;
    return response.topics[0]!.topicId;
  } finally {
    connection.close();
  }
}

test("a topic id of another tenant is refused with UNKNOWN_TOPIC_ID; the tenant's own id works", async () => {
  assert.equal(
    await fetchById(tenantA.bootstrapServers, await topicIdOf('tenant-b.payments')),
    ErrorCode.UNKNOWN_TOPIC_ID,
  );
  assert.equal(await fetchById(tenantA.bootstrapServers, await topicIdOf('tenant-a.orders')), ErrorCode.NONE);
});

test('with a prefix from the principal, two users of one bootstrap address each get their own namespace', async () => {
  await kafkajsCreateTopics(asUser(alice), [{ name: 'inbox' }]);
  await kafkajsCreateTopics(asUser(bob), [{ name: 'inbox' }]);
  await kafkajsCreateTopics(asUser(bob), [{ name: 'outbox' }]);
  const onCluster = await clusterTopics();
  assert.ok(onCluster.includes('alice.inbox') && onCluster.includes('bob.inbox') && onCluster.includes('bob.outbox'));
  assert.deepEqual(await kafkajsTopics(asUser(alice)), ['inbox']);
  assert.deepEqual(await kafkajsTopics(asUser(bob)), ['inbox', 'outbox']);
});

test('with a prefix from the principal, an anonymous session is refused with an authorization error and closed', async () => {
  const connection = await rawConnection(running.bootstrap('anonymous', 'ports'));
  try {
    const frame = await connection.request(
      encodeRequest(ApiKey.METADATA, 12, 1, 'raw', {
        topics: [{ name: 'inbox', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }),
    );
    const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.METADATA, 12));
    const response = decodeResponseBody(ApiKey.METADATA, 12, frame, header.bodyOffset) as MetadataResponse;
    assert.deepEqual(
      response.topics.map((t) => [t.name, t.errorCode]),
      [['inbox', ErrorCode.TOPIC_AUTHORIZATION_FAILED]],
    );
    await connection.closed;
  } finally {
    connection.close();
  }
  const refusal = running.logs.find((line) => line.msg === 'namespace refused the session');
  assert.match(String(refusal?.reason), /has not authenticated/);
});

test('with a prefix from the principal, SASL users authenticated by the proxy each get their own namespace', async () => {
  const as = (mechanism: 'PLAIN' | 'SCRAM-SHA-512', username: string, password: string) => ({
    bootstrapServers: running.bootstrap('sasl-users', 'ports'),
    sasl: { mechanism, username, password },
  });
  const carol = as('SCRAM-SHA-512', 'carol', CAROL_PASSWORD);
  const dave = as('PLAIN', 'dave', DAVE_PASSWORD);
  await kafkajsCreateTopics(carol, [{ name: 'notes' }]);
  await javaCreateTopic(dave, { name: 'drafts' });
  const onCluster = await clusterTopics();
  assert.ok(onCluster.includes('carol.notes') && onCluster.includes('dave.drafts'));
  assert.deepEqual(await kafkajsTopics(carol), ['notes']);
  assert.deepEqual(await javaListTopics(dave), ['drafts']);
});
