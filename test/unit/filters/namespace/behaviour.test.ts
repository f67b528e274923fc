// What the Namespace filter does beyond renaming entity-typed fields: ACL bindings, coordinator
// keys, paging through every topic, regular expressions, topic ids, principal-based prefixes and
// its configuration.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigurationError, parseConfiguration } from '../../../../src/config/index.ts';
import '../../../../src/filters/index.ts';
import { PRINCIPAL_PLACEHOLDER } from '../../../../src/filters/namespace/prefix.ts';
import { ApiKey, ErrorCode } from '../../../../src/index.ts';
import type { KafkaError } from '../../../../src/pipeline/kafka-error.ts';
import { namespaceFilter, user } from './harness.ts';

/** The error a refused request is answered with. */
function errorOf(result: { readonly decision: object } | undefined): KafkaError {
  assert.ok(result !== undefined && 'error' in result.decision, 'the request is answered with an error');
  return result.decision.error as KafkaError;
}

/** The response a request is answered with. */
/** The error code a request is refused with (the error response then carries it in each result). */
function refusalOf(result: { readonly decision: object } | undefined): number {
  assert.ok(result !== undefined && 'error' in result.decision, 'the request is refused');
  return (result.decision.error as { code: number }).code;
}

const ANY = 1;
const TOPIC = 2;
const CLUSTER = 4;
const LITERAL = 3;
const PREFIXED = 4;
const MATCH = 2;

const aclFilter = (resourceTypeFilter: number, resourceNameFilter: string | null, patternTypeFilter: number) => ({
  resourceTypeFilter,
  resourceNameFilter,
  patternTypeFilter,
  principalFilter: null,
  hostFilter: null,
  operation: 1,
  permissionType: 1,
});
const binding = (resourceType: number, resourceName: string, patternType: number) => ({
  resourceType,
  resourceName,
  patternType,
  acls: [],
});

test('ACL bindings: names are prefixed, the literal wildcard is the whole namespace, other bindings are hidden', async () => {
  const ns = await namespaceFilter('t1.');
  const create = {
    creations: [
      {
        resourceType: TOPIC,
        resourceName: 'orders',
        resourcePatternType: LITERAL,
        principal: 'User:x',
        host: '*',
        operation: 2,
        permissionType: 3,
      },
      {
        resourceType: TOPIC,
        resourceName: '*',
        resourcePatternType: LITERAL,
        principal: 'User:x',
        host: '*',
        operation: 2,
        permissionType: 3,
      },
      {
        resourceType: 3,
        resourceName: 'app-',
        resourcePatternType: PREFIXED,
        principal: 'User:x',
        host: '*',
        operation: 2,
        permissionType: 3,
      },
    ],
  };
  assert.equal((await ns.request(ApiKey.CREATE_ACLS, 3, create))?.decision.kind, 'forwardModified');
  assert.deepEqual(
    create.creations.map((c) => [c.resourceName, c.resourcePatternType]),
    [
      ['t1.orders', LITERAL],
      ['t1.', PREFIXED],
      ['t1.app-', PREFIXED],
    ],
  );

  const described = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    resources: [
      binding(TOPIC, 't1.orders', LITERAL),
      binding(TOPIC, 't1.', PREFIXED),
      binding(TOPIC, 't2.orders', LITERAL),
      binding(TOPIC, '*', LITERAL),
      binding(TOPIC, 't', PREFIXED),
      binding(CLUSTER, 'kafka-cluster', LITERAL),
    ],
  };
  await ns.response(ApiKey.DESCRIBE_ACLS, 3, described);
  assert.deepEqual(
    described.resources.map((r) => [r.resourceName, r.patternType]),
    [
      ['orders', LITERAL],
      ['*', LITERAL],
    ],
  );
});

test('ACLs outside the namespace cannot be created, and delete filters that could reach them are refused', async () => {
  const ns = await namespaceFilter('t1.');
  const cluster = {
    creations: [
      {
        resourceType: CLUSTER,
        resourceName: 'kafka-cluster',
        resourcePatternType: LITERAL,
        principal: 'User:x',
        host: '*',
        operation: 2,
        permissionType: 3,
      },
    ],
  };
  const refused = await ns.request(ApiKey.CREATE_ACLS, 3, cluster);
  assert.equal(refusalOf(refused), ErrorCode.CLUSTER_AUTHORIZATION_FAILED);

  for (const filter of [
    aclFilter(TOPIC, null, ANY),
    aclFilter(TOPIC, 'orders', MATCH),
    aclFilter(CLUSTER, 'kafka-cluster', LITERAL),
  ]) {
    const result = await ns.request(ApiKey.DELETE_ACLS, 3, { filters: [filter] });
    assert.notEqual(refusalOf(result), ErrorCode.NONE, JSON.stringify(filter));
  }
  const named = { filters: [aclFilter(TOPIC, 'orders', ANY), aclFilter(ANY, '*', LITERAL)] };
  assert.equal((await ns.request(ApiKey.DELETE_ACLS, 3, named))?.decision.kind, 'forwardModified');
  assert.deepEqual(
    named.filters.map((f) => [f.resourceNameFilter, f.patternTypeFilter]),
    [
      ['t1.orders', ANY],
      ['t1.', PREFIXED],
    ],
  );
});

test('FIND_COORDINATOR keys of groups and transactions are prefixed, and come back without it', async () => {
  const ns = await namespaceFilter('t1.');
  const request = { key: '', keyType: 1, coordinatorKeys: ['tx-1', 'tx-2'] };
  await ns.request(ApiKey.FIND_COORDINATOR, 4, request);
  assert.deepEqual(request.coordinatorKeys, ['t1.tx-1', 't1.tx-2']);
  const old = { key: 'billing', keyType: 0, coordinatorKeys: [] };
  await ns.request(ApiKey.FIND_COORDINATOR, 3, old);
  assert.equal(old.key, 't1.billing');
  const response = {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    nodeId: 0,
    host: '',
    port: 0,
    coordinators: [{ key: 't1.tx-1', nodeId: 1, host: 'h', port: 1, errorCode: 0, errorMessage: null }],
  };
  await ns.response(ApiKey.FIND_COORDINATOR, 4, response);
  assert.equal(response.coordinators[0]!.key, 'tx-1');
});

test('DESCRIBE_TOPIC_PARTITIONS for every topic pages from the namespace and stops where it ends', async () => {
  const ns = await namespaceFilter('t1.');
  const request = { topics: [], responsePartitionLimit: 2000, cursor: null };
  await ns.request(ApiKey.DESCRIBE_TOPIC_PARTITIONS, 0, request);
  assert.deepEqual(request.cursor, { topicName: 't1.', partitionIndex: 0 });
  const response = { throttleTimeMs: 0, topics: [], nextCursor: { topicName: 't2.a', partitionIndex: 0 } };
  await ns.response(ApiKey.DESCRIBE_TOPIC_PARTITIONS, 0, response);
  assert.equal(response.nextCursor, null);
});

test('regular expressions of subscriptions and transaction listings are narrowed to the namespace', async () => {
  const ns = await namespaceFilter('t1.');
  const heartbeat = {
    groupId: 'g',
    subscribedTopicRegex: 'orders-.*',
    subscribedTopicNames: null,
    topicPartitions: null,
  };
  await ns.request(ApiKey.CONSUMER_GROUP_HEARTBEAT, 1, heartbeat);
  assert.equal(heartbeat.subscribedTopicRegex, '^t1\\.(?:orders-.*)');
  assert.ok(new RegExp(heartbeat.subscribedTopicRegex).test('t1.orders-1'));
  assert.ok(!new RegExp(heartbeat.subscribedTopicRegex).test('t2.orders-1'));
  const listing = { stateFilters: [], producerIdFilters: [], durationFilter: -1n, transactionalIdPattern: 'app-.*' };
  await ns.request(ApiKey.LIST_TRANSACTIONS, 2, listing);
  assert.equal(listing.transactionalIdPattern, '^t1\\.(?:app-.*)');
});

const FETCH_BY_ID = (topicId: string) => ({
  replicaId: -1,
  maxWaitMs: 0,
  minBytes: 1,
  maxBytes: 1,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [{ topic: '', topicId, partitions: [] }],
  forgottenTopicsData: [],
  rackId: '',
});

test("a topic id is resolved once per session: the tenant's passes unchanged, another tenant's is UNKNOWN_TOPIC_ID", async () => {
  const ns = await namespaceFilter('t1.');
  ns.topics.set('OWNOWNOWNOWNOWNOWNOWNQ', 't1.orders');
  ns.topics.set('FOREIGNFOREIGNFOREIGNQ', 't2.orders');
  assert.equal((await ns.request(ApiKey.FETCH, 13, FETCH_BY_ID('OWNOWNOWNOWNOWNOWNOWNQ')))?.decision.kind, 'forward');
  assert.equal((await ns.request(ApiKey.FETCH, 13, FETCH_BY_ID('OWNOWNOWNOWNOWNOWNOWNQ')))?.decision.kind, 'forward');
  assert.equal(ns.lookups, 1);
  const refused = await ns.request(ApiKey.FETCH, 13, FETCH_BY_ID('FOREIGNFOREIGNFOREIGNQ'));
  assert.equal(errorOf(refused).code, ErrorCode.UNKNOWN_TOPIC_ID);
});

test("a response to no request of the session (an earlier filter's own) shows nothing", async () => {
  const ns = await namespaceFilter(`${PRINCIPAL_PLACEHOLDER}.`);
  const listing = {
    throttleTimeMs: 0,
    errorCode: 0,
    groups: [{ groupId: 'alice.g', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' }],
  };
  await ns.response(ApiKey.LIST_GROUPS, 5, listing);
  assert.deepEqual(listing.groups, []);
});

test('topic ids learned from metadata responses need no lookup', async () => {
  const ns = await namespaceFilter('t1.');
  const topic = (name: string, topicId: string) => ({
    errorCode: 0,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: 0,
  });
  const metadata = {
    throttleTimeMs: 0,
    brokers: [],
    clusterId: null,
    controllerId: 0,
    topics: [topic('t1.orders', 'OWNOWNOWNOWNOWNOWNOWNQ'), topic('t2.x', 'FOREIGNFOREIGNFOREIGNQ')],
    clusterAuthorizedOperations: 0,
    errorCode: 0,
  };
  await ns.response(ApiKey.METADATA, 12, metadata);
  assert.deepEqual(
    metadata.topics.map((t) => t.name),
    ['orders'],
  );
  assert.equal((await ns.request(ApiKey.FETCH, 13, FETCH_BY_ID('OWNOWNOWNOWNOWNOWNOWNQ')))?.decision.kind, 'forward');
  assert.equal((await ns.request(ApiKey.FETCH, 13, FETCH_BY_ID('FOREIGNFOREIGNFOREIGNQ')))?.decision.kind, 'error');
  assert.equal(ns.lookups, 0);
});

test("a prefix from the principal follows the session's subject; names a topic cannot hold are refused", async () => {
  const ns = await namespaceFilter(`${PRINCIPAL_PLACEHOLDER}.`, user('alice'));
  const create = {
    topics: [{ name: 'inbox', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1,
    validateOnly: false,
  };
  await ns.request(ApiKey.CREATE_TOPICS, 7, create);
  assert.equal(create.topics[0]!.name, 'alice.inbox');

  ns.subject = user('CN=bob,O=example');
  const refused = await ns.request(ApiKey.CREATE_TOPICS, 7, {
    ...create,
    topics: [{ ...create.topics[0]!, name: 'inbox' }],
  });
  assert.equal(refused?.decision.kind, 'error');
  assert.equal(refused?.close, true);
  const error = errorOf(refused);
  assert.equal(error.code, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.match(error.message, /characters a topic name cannot contain/);
});

test("a principal whose name holds the separator is refused: alice.x's namespace would lie inside alice's", async () => {
  const ns = await namespaceFilter(`${PRINCIPAL_PLACEHOLDER}.`, user('alice.x'));
  const refused = await ns.request(ApiKey.DELETE_GROUPS, 2, { groupsNames: ['g'] });
  assert.equal(errorOf(refused).code, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  assert.match(errorOf(refused).message, /contains '\.'/);
});

const yaml = (prefix: string) => `
clusterDefinitions:
  - name: main
    bootstrapServers: 127.0.0.1:9092
filterDefinitions:
  - name: tenant
    type: Namespace
    config:
      prefix: "${prefix}"
virtualClusters:
  - name: vc
    target: { cluster: main }
    filters: [tenant]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:9192
`;

test('a prefix a topic name cannot start with is reported at its line', async () => {
  await assert.rejects(parseConfiguration(yaml('tenant a/'), { sourceName: 'proxy.yaml' }), (error) => {
    assert.ok(error instanceof ConfigurationError);
    assert.match(
      error.message,
      /proxy\.yaml:9:15: error: Filter 'tenant' has invalid config at '\/prefix': must match pattern/,
    );
    return true;
  });
  // Without a separator after the principal, `bob`'s namespace would hold `bobby`'s.
  await assert.rejects(
    parseConfiguration(yaml(`team-${PRINCIPAL_PLACEHOLDER}`), { sourceName: 'proxy.yaml' }),
    /must match pattern/,
  );
  await parseConfiguration(yaml(`team-${PRINCIPAL_PLACEHOLDER}.`), { sourceName: 'proxy.yaml' });
});
