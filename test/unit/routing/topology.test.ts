// The topology cache and the service obtained at initialization (routing.md §7), without sockets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LevelTopologyService, TopologyCache } from '../../../src/routing/topology.ts';
import { NodeInterner } from '../../../src/routing/virtual-nodes.ts';

const partition = (partitionIndex: number, leaderId: number) => ({
  partitionIndex,
  leaderId,
  replicaNodes: [leaderId, 5],
  isrNodes: [leaderId],
  offlineReplicas: [],
});
const metadata = (topics: { name: string; errorCode?: number; partitions?: ReturnType<typeof partition>[] }[]) => ({
  brokers: [{ nodeId: 2, host: 'kafka-a', port: 9092, rack: 'r1' }],
  topics: topics.map((t) => ({
    name: t.name,
    errorCode: t.errorCode ?? 0,
    topicId: `${t.name.padEnd(21, 'x')}A`,
    partitions: t.partitions ?? [partition(0, 2)],
  })),
});

function setUp() {
  const cache = new TopologyCache();
  const nodes = new NodeInterner('union');
  const service = new LevelTopologyService(cache, nodes, ['a', 'b'], undefined);
  return { cache, nodes, service };
}

test('R126: METADATA keeps omitted topics and topics with an authorization error, and drops UNKNOWN_TOPIC_OR_PARTITION', () => {
  const { cache, service, nodes } = setUp();
  cache.update('a', 3, 12, undefined, metadata([{ name: 'kept' }, { name: 'denied' }, { name: 'gone' }]));
  cache.update(
    'a',
    3,
    12,
    undefined,
    metadata([
      { name: 'denied', errorCode: 29 },
      { name: 'gone', errorCode: 3 },
    ]),
  );
  assert.equal(service.partitionInfo('kept', 0)?.leader, nodes.broker(2));
  assert.equal(service.partitionInfo('denied', 0)?.leader, nodes.broker(2));
  assert.equal(service.partitionInfo('gone', 0), undefined);
});

test('R129: partitionInfo() and brokerInfo() return cached replicas, ISR, host, port and rack, or undefined', () => {
  const { cache, service, nodes } = setUp();
  cache.update('a', 3, 12, undefined, metadata([{ name: 't', partitions: [partition(0, 2), partition(1, -1)] }]));
  const info = service.partitionInfo('t', 0, 'a')!;
  assert.deepEqual(info.replicas, [nodes.broker(2), nodes.broker(5)]);
  assert.deepEqual(info.isr, [nodes.broker(2)]);
  assert.equal(service.partitionInfo('t', 1)?.leader, undefined, 'no leader');
  assert.deepEqual(service.brokerInfo(nodes.broker(2) as never), { host: 'kafka-a', port: 9092, rack: 'r1' });
  assert.equal(service.brokerInfo(nodes.broker(7) as never), undefined);
  assert.equal(service.partitionInfo('unknown', 0), undefined);
});

test('R115 (lookups): a topic cached on two routes needs its route', () => {
  const { cache, service } = setUp();
  cache.update('a', 3, 12, undefined, metadata([{ name: 'both' }]));
  cache.update('b', 3, 12, undefined, metadata([{ name: 'both' }]));
  assert.throws(() => service.partitionInfo('both', 0), { code: 'ERR_AMBIGUOUS_TOPIC' });
  assert.ok(service.partitionInfo('both', 0, 'b'));
});

test('R127: invalidateRoute(r) clears partitions, brokers, topic ids and coordinators of r only', () => {
  const { cache, service, nodes } = setUp();
  cache.update('a', 3, 12, undefined, metadata([{ name: 'x' }]));
  cache.update('b', 3, 12, undefined, metadata([{ name: 'y' }]));
  cache.update(
    'a',
    10,
    4,
    { key: '', keyType: 0, coordinatorKeys: ['g'] },
    { coordinators: [{ key: 'g', nodeId: 2, errorCode: 0 }] },
  );
  service.invalidateRoute('a');
  assert.equal(service.partitionInfo('x', 0), undefined);
  assert.ok(service.partitionInfo('y', 0));
  assert.deepEqual(
    service.brokerInfo(nodes.broker(2) as never),
    { host: 'kafka-a', port: 9092, rack: 'r1' },
    'route b still knows its broker',
  );
  assert.equal(cache.route('a').coordinators.size, 0);
  assert.throws(() => service.invalidateRoute('nope'), { code: 'ERR_UNKNOWN_ROUTE' });
});

test('R118, R119: coordinators are cached per (route, key type, key); before v4 the key comes from the request', () => {
  const { cache } = setUp();
  cache.update('a', 10, 3, { key: 'same', keyType: 0 }, { errorCode: 0, nodeId: 4 });
  cache.update('a', 10, 3, { key: 'same', keyType: 1 }, { errorCode: 0, nodeId: 6 });
  cache.update('a', 10, 0, { key: 'old' }, { errorCode: 0, nodeId: 8 });
  const coordinators = cache.route('a').coordinators;
  assert.equal(coordinators.get('0\u0000same'), 4);
  assert.equal(coordinators.get('1\u0000same'), 6);
  assert.equal(coordinators.get('0\u0000old'), 8, 'v0 means a group');
  cache.update('a', 10, 3, { key: 'same', keyType: 0 }, { errorCode: 15, nodeId: -1 });
  assert.equal(coordinators.has('0\u0000same'), false, 'an error removes the entry');
});

test('R131: discovery through the service obtained in initialize() rejects, while lookups read the shared cache', async () => {
  const { cache, service } = setUp();
  cache.update('a', 3, 12, undefined, metadata([{ name: 'x' }]));
  await assert.rejects(service.leaders(new Map([['a', ['x']]])), { code: 'ERR_TOPOLOGY_DISCOVERY_UNAVAILABLE' });
  await assert.rejects(service.coordinators('a', 0, ['g']), { code: 'ERR_TOPOLOGY_DISCOVERY_UNAVAILABLE' });
  await assert.rejects(service.topicNames('a', []), { code: 'ERR_TOPOLOGY_DISCOVERY_UNAVAILABLE' });
  assert.ok(service.partitionInfo('x', 0));
});

test('R113, R114, R116: leaders() asks only for uncached topics, once per route, and returns a snapshot', async () => {
  const cache = new TopologyCache();
  const nodes = new NodeInterner('union');
  const sent: { route: string; topics: string[] }[] = [];
  const service = new LevelTopologyService(cache, nodes, ['a', 'b'], async (route, _header, body) => {
    const topics = (body as { topics: { name: string }[] }).topics.map((t) => t.name);
    sent.push({ route, topics });
    const response = metadata(
      topics.map((name) =>
        name === 'missing' ? { name, errorCode: 3 } : { name, partitions: [partition(0, 2), partition(1, -1)] },
      ),
    );
    cache.update(route, 3, 12, undefined, response);
    return response;
  });
  cache.update('a', 3, 12, undefined, metadata([{ name: 'cached' }]));
  const leaders = await service.leaders(
    new Map([
      ['a', ['cached', 'fresh', 'missing']],
      ['b', ['other']],
    ]),
  );
  assert.deepEqual(sent, [
    { route: 'a', topics: ['fresh', 'missing'] },
    { route: 'b', topics: ['other'] },
  ]);
  assert.equal(leaders.leaderOf('fresh', 0), nodes.broker(2));
  assert.equal(leaders.leaderOf('fresh', 1), undefined, 'no leader');
  assert.equal(leaders.leaderOf('missing', 0), undefined, 'unknown topic');
  sent.length = 0;
  await service.leaders(new Map([['a', ['cached', 'fresh']]]));
  assert.deepEqual(sent, [], 'everything cached: nothing sent');
  service.invalidateRoute('a');
  assert.equal(leaders.leaderOf('cached', 0), nodes.broker(2), 'the snapshot outlives the invalidation');
});

test('R92: nodes are interned per level; nodes of different levels differ', () => {
  const level = new NodeInterner('union');
  const other = new NodeInterner('union/b/split');
  assert.equal(level.broker(3), level.broker(3));
  assert.notEqual(level.broker(3) as unknown, other.broker(3) as unknown);
  assert.equal(level.own(other.broker(3) as never), undefined);
});
