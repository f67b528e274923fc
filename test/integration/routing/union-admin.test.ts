// The TopicRouter's cluster-wide and topic administration over two real clusters, with Kafka's own
// command-line tools through the proxy: ACLs on every route or on the one route configured for
// them, KIP-848 and classic groups described on their home route, leader elections merged across
// routes, and DESCRIBE_TOPIC_PARTITIONS paged across routes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ApiKey,
  decodeResponseBody,
  ErrorCode,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import type { KafkaConnection } from '../../helpers/clients/common.ts';
import {
  javaAcls,
  javaDescribedPartitions,
  javaDescribeGroupOffsets,
  javaGroupCommand,
  javaLeaderElection,
} from '../../helpers/clients/java-admin.ts';
import { javaConsoleConsume } from '../../helpers/clients/java-console.ts';
import { kafkajsClient, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

// An authorizer, so that the ACL APIs work; every plaintext client (the proxy included) is a super user.
const authorizer = {
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'super.users': 'User:ANONYMOUS',
};
// Two brokers each, so that a partition can be led by a replica other than its preferred one; the
// controller must not move leaders back by itself while a test looks.
const brokerConfig = { ...authorizer, 'auto.leader.rebalance.enable': false };
const [clusterA, clusterB] = await Promise.all([
  useKafkaCluster({ name: 'union-admin-a', brokers: 2, brokerConfig }),
  useKafkaCluster({ name: 'union-admin-b', brokers: 2, brokerConfig }),
]);
const clusters = { a: clusterA, b: clusterB } as const;
type Route = keyof typeof clusters;
const ROUTES = Object.keys(clusters) as Route[];

const fannedPort = await freePortBlock(8);
const confinedPort = await freePortBlock(8);
const routes = `
    routes:
      - { name: a, id: 0, target: { cluster: kafka-a } }
      - { name: b, id: 1, target: { cluster: kafka-b } }`;
/** What the proxy answered clients to CONSUMER_GROUP_DESCRIBE, per group id: the error code. */
const consumerGroupDescribed: { groupId: string; errorCode: number; members: number }[] = [];
/** The cursors of the DESCRIBE_TOPIC_PARTITIONS pages the proxy answered (null: the last page). */
const pageCursors: ({ topicName: string; partitionIndex: number } | null)[] = [];
function noteResponse(apiKey: number, version: number, frame: Buffer): void {
  if (apiKey !== ApiKey.CONSUMER_GROUP_DESCRIBE && apiKey !== ApiKey.DESCRIBE_TOPIC_PARTITIONS) return;
  const header = readResponseHeader(frame, responseHeaderVersion(apiKey, version));
  if (apiKey === ApiKey.DESCRIBE_TOPIC_PARTITIONS) {
    const page = decodeResponseBody(apiKey, version, frame, header.bodyOffset) as {
      nextCursor: { topicName: string; partitionIndex: number } | null;
    };
    pageCursors.push(page.nextCursor === null ? null : { ...page.nextCursor });
    return;
  }
  const body = decodeResponseBody(apiKey, version, frame, header.bodyOffset) as {
    groups: { groupId: string; errorCode: number; members: unknown[] }[];
  };
  for (const group of body.groups)
    consumerGroupDescribed.push({ groupId: group.groupId, errorCode: group.errorCode, members: group.members.length });
}

const running = await useProxy(
  `
clusterDefinitions:
  - { name: kafka-a, bootstrapServers: "${clusterA.bootstrapServers}" }
  - { name: kafka-b, bootstrapServers: "${clusterB.bootstrapServers}" }
routerDefinitions:
  - name: fanned
    type: TopicRouter
    config:
      defaultRoute: a
      topics: [{ prefix: "b.", route: b }]
      groups: [{ prefix: "b-", route: b }]${routes}
  - name: confined
    type: TopicRouter
    config:
      defaultRoute: a
      topics: [{ prefix: "b.", route: b }]
      clusterAdmin: { acls: b }${routes}
virtualClusters:
  - name: fanned
    target: { router: fanned }
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: "127.0.0.1:${fannedPort}" }
  - name: confined
    target: { router: confined }
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: "127.0.0.1:${confinedPort}" }
`,
  { inspectResponse: noteResponse },
);
const viaFanned: KafkaConnection = { bootstrapServers: running.bootstrap('fanned', 'ports') };
const viaConfined: KafkaConnection = { bootstrapServers: running.bootstrap('confined', 'ports') };
const direct = (route: Route): KafkaConnection => ({ bootstrapServers: clusters[route].bootstrapServers });

async function createTopics(connection: KafkaConnection, topics: readonly string[], partitions: number): Promise<void> {
  const admin = kafkajsClient(connection).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions })) });
  } finally {
    await admin.disconnect();
  }
}

/** How many ACLs of `principal` `kafka-acls --list` shows for a topic. */
async function aclsListed(connection: KafkaConnection, topic: string, principal: string): Promise<number> {
  const listed = await javaAcls(connection, ['--list', '--topic', topic]);
  return listed.split('\n').filter((line) => line.includes(`principal=${principal},`)).length;
}

const readAcl = (topic: string) => ['--topic', topic, '--allow-principal', 'User:alice', '--operation', 'Read'];

test('ACLs created through the proxy land on every cluster, are listed once and deleted everywhere', async () => {
  await javaAcls(viaFanned, ['--add', ...readAcl('acl-fanned')]);
  for (const route of ROUTES) assert.equal(await aclsListed(direct(route), 'acl-fanned', 'User:alice'), 1, route);
  assert.equal(await aclsListed(viaFanned, 'acl-fanned', 'User:alice'), 1, 'the same ACL of both routes shown once');

  await javaAcls(viaFanned, ['--remove', '--force', ...readAcl('acl-fanned')]);
  for (const route of ROUTES) assert.equal(await aclsListed(direct(route), 'acl-fanned', 'User:alice'), 0, route);
  assert.equal(await aclsListed(viaFanned, 'acl-fanned', 'User:alice'), 0);
});

test('with clusterAdmin.acls naming a route, ACLs are created, listed and deleted on that route only', async () => {
  // An ACL made on the other cluster directly is none of the confined router's business.
  await javaAcls(direct('a'), ['--add', ...readAcl('acl-confined')]);
  await javaAcls(viaConfined, ['--add', ...readAcl('acl-confined'), '--operation', 'Write']);
  assert.equal(await aclsListed(direct('b'), 'acl-confined', 'User:alice'), 2, 'read and write on route b');
  assert.equal(await aclsListed(direct('a'), 'acl-confined', 'User:alice'), 1, 'route a keeps only its own');
  assert.equal(await aclsListed(viaConfined, 'acl-confined', 'User:alice'), 2, "route b's ACLs, once");

  await javaAcls(viaConfined, ['--remove', '--force', ...readAcl('acl-confined'), '--operation', 'Write']);
  assert.equal(await aclsListed(direct('b'), 'acl-confined', 'User:alice'), 0);
  assert.equal(await aclsListed(direct('a'), 'acl-confined', 'User:alice'), 1, 'untouched on route a');
  assert.equal(await aclsListed(viaConfined, 'acl-confined', 'User:alice'), 0);
});

test('kafka-consumer-groups --describe through the proxy: a KIP-848 group on its home route, and a classic group spanning routes', async () => {
  await createTopics(viaFanned, ['kip848', 'b.kip848', 'classic', 'b.classic'], 2);
  for (const topic of ['kip848', 'b.kip848', 'classic', 'b.classic'])
    await kafkajsProduce(
      viaFanned,
      topic,
      [0, 1, 2, 3].map((i) => ({ key: `k${i}`, value: `${topic} ${i}` })),
    );
  // Groups confined to their home routes (a: "kip848", b: "b-" groups), with the broker assigning.
  const consumerProtocol = { 'group.protocol': 'consumer' };
  await javaConsoleConsume(viaFanned, { topic: 'kip848', groupId: 'kip848-a', count: 4 }, consumerProtocol);
  await javaConsoleConsume(viaFanned, { topic: 'b.kip848', groupId: 'b-kip848', count: 4 }, consumerProtocol);
  // A classic group whose members are assigned partitions of both routes.
  await javaConsoleConsume(viaFanned, {
    topic: 'classic',
    topics: ['classic', 'b.classic'],
    groupId: 'classic-ab',
    count: 8,
  });

  for (const [group, topics] of [
    ['kip848-a', ['kip848']],
    ['b-kip848', ['b.kip848']],
    ['classic-ab', ['classic', 'b.classic']],
  ] as const) {
    const rows = await javaDescribeGroupOffsets(viaFanned, group);
    assert.deepEqual(
      rows.map((row) => `${row.topic}/${row.partition}`).sort(),
      topics.flatMap((topic) => [`${topic}/0`, `${topic}/1`]).sort(),
      group,
    );
    assert.equal(
      rows.reduce((sum, row) => sum + (row.currentOffset ?? 0), 0),
      4 * topics.length,
      `${group} offsets`,
    );
    assert.ok(
      rows.every((row) => row.lag === 0),
      `${group}: no lag`,
    );
    const state = await javaGroupCommand(viaFanned, ['--describe', '--state', '--group', group]);
    assert.match(state, new RegExp(`^${group}\\s.*\\sEmpty\\s+0\\s*$`, 'm'), `${group} is described: ${state}`);
  }
  // The KIP-848 groups were described by their home coordinators; the classic one made the tool fall back.
  const described = (group: string) => consumerGroupDescribed.filter((answer) => answer.groupId === group);
  assert.ok(described('kip848-a').length > 0 && described('kip848-a').every((a) => a.errorCode === ErrorCode.NONE));
  assert.ok(described('b-kip848').length > 0 && described('b-kip848').every((a) => a.errorCode === ErrorCode.NONE));
  assert.ok(
    described('classic-ab').length > 0 &&
      described('classic-ab').every((a) => a.errorCode === ErrorCode.GROUP_ID_NOT_FOUND),
  );
});

type PartitionView = { partitionId: number; leader: number; replicas: number[] };

/**
 * A topic's partitions as a route's cluster reports them, once `settled` holds: the broker that
 * answers applies the controller's changes a moment after the controller made them.
 */
async function partitionsOn(
  route: Route,
  topic: string,
  settled: (partitions: PartitionView[]) => boolean,
): Promise<PartitionView[]> {
  const admin = kafkajsClient(direct(route)).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [described] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      const partitions = described!.partitions
        .map(({ partitionId, leader, replicas }) => ({ partitionId, leader, replicas }))
        .sort((x, y) => x.partitionId - y.partitionId);
      if (settled(partitions) || Date.now() > deadline) return partitions;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * A topic created directly on a route's cluster whose partition 0 is led by broker 1 while its
 * preferred replica is broker 2 (replicas reordered after creation), and partition 1 by its
 * preferred replica.
 */
async function unbalancedTopic(route: Route, topic: string): Promise<void> {
  const admin = kafkajsClient(direct(route)).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        {
          topic,
          replicaAssignment: [
            { partition: 0, replicas: [1, 2] },
            { partition: 1, replicas: [2, 1] },
          ],
        },
      ],
    });
    await admin.alterPartitionReassignments({
      topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [2, 1] }] }],
    });
  } finally {
    await admin.disconnect();
  }
  const [zero] = await partitionsOn(route, topic, ([p]) => p?.leader === 1 && p.replicas[0] === 2);
  assert.deepEqual([zero?.leader, zero?.replicas], [1, [2, 1]], `${topic}-0 is led by a replica that is not preferred`);
}

/** Each partition's leader on a route's cluster, once every partition is led by its preferred replica. */
async function leadersOn(route: Route, topic: string): Promise<number[]> {
  const partitions = await partitionsOn(route, topic, (all) => all.every((p) => p.leader === p.replicas[0]));
  return partitions.map((p) => p.leader);
}

test('kafka-leader-election through the proxy: all partitions on every route, and one topic on its owner', async () => {
  await unbalancedTopic('a', 'elect');
  await unbalancedTopic('b', 'b.elect');
  const all = await javaLeaderElection(viaFanned, ['--election-type', 'preferred', '--all-topic-partitions']);
  // "Successfully completed leader election (PREFERRED) for partitions b.elect-0, elect-0"
  const elected = /Successfully completed leader election \(PREFERRED\) for partitions (.*)$/m.exec(all)?.[1];
  const partitions = elected?.split(', ') ?? [];
  assert.equal(new Set(partitions).size, partitions.length, `each partition once: ${all}`);
  assert.deepEqual(
    partitions.filter((partition) => /^(b\.)?elect-/.test(partition)).sort(),
    ['b.elect-0', 'elect-0'],
    all,
  );
  assert.deepEqual(await leadersOn('a', 'elect'), [2, 2], 'elected on route a');
  assert.deepEqual(await leadersOn('b', 'b.elect'), [2, 2], 'elected on route b');

  // One topic of the route that is not the default: its owner answers (nothing left to elect).
  const one = await javaLeaderElection(viaFanned, [
    '--election-type',
    'preferred',
    '--topic',
    'b.elect',
    '--partition',
    '1',
  ]);
  assert.match(one, /Valid replica already elected for partitions b\.elect-1\s*$/m);
});

test('kafka-topics --describe pages through DESCRIBE_TOPIC_PARTITIONS across routes: every partition once', async () => {
  // Route a's topics sort before and after route b's, so the pages alternate between routes.
  const topics = { 'a-paged': 5, 'b.paged-a': 5, 'b.paged-b': 3, 'c-paged': 4 } as const;
  for (const [topic, partitions] of Object.entries(topics)) await createTopics(viaFanned, [topic], partitions);
  pageCursors.length = 0;
  const listed = await javaDescribedPartitions(viaFanned, ['--partition-size-limit-per-response', '2']);
  const cursors = pageCursors.filter((cursor) => cursor !== null).map((c) => `${c.topicName}/${c.partitionIndex}`);
  for (const topic of Object.keys(topics))
    assert.ok(
      cursors.some((cursor) => cursor.startsWith(`${topic}/`)),
      `a page ends within ${topic}: ${cursors.join(' ')}`,
    );
  assert.equal(new Set(listed).size, listed.length, `no partition listed twice: ${listed.join(' ')}`);
  const ours = listed.filter((row) => row.split('/')[0]! in topics);
  assert.deepEqual(
    ours.sort(),
    Object.entries(topics)
      .flatMap(([topic, partitions]) => Array.from({ length: partitions }, (_, p) => `${topic}/${p}`))
      .sort(),
  );
});
