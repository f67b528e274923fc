// Which message fields carry broker ids (routing.md §5.6–§5.8), derived from Kafka's specs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiInfo, codecsFor, findFields, versionIn } from '../../../src/protocol/index.ts';
import { nodeIdFields, rewriteNodeIds } from '../../../src/routing/node-id-fields.ts';

const paths = (direction: 'request' | 'response', apiKey: number, version: number): string[] =>
  nodeIdFields(direction, apiKey, version).ids.map((location) => location.path.join('.'));

/** §5.6's table: fields that MUST be translated, by api key and version. */
const REQUIRED: readonly [apiKey: number, version: number, path: string][] = [
  [3, 12, 'brokers.nodeId'],
  [3, 12, 'controllerId'],
  [3, 12, 'topics.partitions.leaderId'],
  [3, 12, 'topics.partitions.replicaNodes'],
  [3, 12, 'topics.partitions.isrNodes'],
  [3, 12, 'topics.partitions.offlineReplicas'],
  [0, 10, 'responses.partitionResponses.currentLeader.leaderId'],
  [0, 10, 'nodeEndpoints.nodeId'],
  [1, 11, 'responses.partitions.preferredReadReplica'],
  [1, 12, 'responses.partitions.currentLeader.leaderId'],
  [1, 16, 'nodeEndpoints.nodeId'],
  [10, 3, 'nodeId'],
  [10, 4, 'coordinators.nodeId'],
  [60, 0, 'controllerId'],
  [60, 0, 'brokers.brokerId'],
  [75, 0, 'topics.partitions.leaderId'],
  [75, 0, 'topics.partitions.eligibleLeaderReplicas'],
  [75, 0, 'topics.partitions.lastKnownElr'],
  [46, 0, 'topics.partitions.replicas'],
  [46, 0, 'topics.partitions.addingReplicas'],
  [46, 0, 'topics.partitions.removingReplicas'],
  [55, 0, 'topics.partitions.leaderId'],
  [55, 0, 'topics.partitions.currentVoters.replicaId'],
  [55, 0, 'topics.partitions.observers.replicaId'],
  [55, 2, 'nodes.nodeId'],
];

test('R103: every response field of §5.6 is found in the versions that carry it', () => {
  for (const [apiKey, version, path] of REQUIRED) {
    assert.ok(paths('response', apiKey, version).includes(path), `api ${apiKey} v${version} response: ${path}`);
  }
});

/** Response fields the rule matches that are deliberately left alone, with the reason. None today. */
const EXCLUDED_RESPONSE_FIELDS = new Set<string>();

test('R103: a spec field marked as a broker id, or named like one, in any response is handled or listed as excluded', () => {
  const unhandled: string[] = [];
  for (let apiKey = 0; apiKey < 200; apiKey++) {
    const info = apiInfo(apiKey);
    const schema = codecsFor(apiKey)?.response.schema;
    if (info === undefined || schema === undefined) continue;
    for (let version = info.minVersion; version <= info.maxVersion; version++) {
      const handled = new Set(paths('response', apiKey, version));
      const candidates = findFields(schema, version, (field) => {
        if (field.entityType === 'brokerId') return true;
        return (
          field.primitive === 'int32' &&
          /^(leaderId|nodeId|brokerId|controllerId|replicaId|preferredReadReplica)$|(Replicas|Nodes|Elr)$/.test(
            field.name,
          )
        );
      });
      for (const { path } of candidates) {
        const name = `${apiKey} v${version} ${path.join('.')}`;
        if (!handled.has(path.join('.')) && !EXCLUDED_RESPONSE_FIELDS.has(name)) unhandled.push(name);
      }
    }
  }
  assert.deepEqual(unhandled, []);
});

test('R105: the request fields of §5.7 are translated, and the sender replica ids of FETCH, LIST_OFFSETS and OFFSET_FOR_LEADER_EPOCH are not', () => {
  assert.ok(paths('request', 19, 7).includes('topics.assignments.brokerIds'));
  assert.ok(paths('request', 37, 3).includes('topics.assignments.brokerIds'));
  assert.ok(paths('request', 45, 0).includes('topics.partitions.replicas'));
  assert.ok(paths('request', 64, 0).includes('brokerId'));
  assert.ok(!paths('request', 1, 12).includes('replicaId'));
  assert.ok(!paths('request', 1, 15).includes('replicaState.replicaId'));
  assert.ok(!paths('request', 2, 5).includes('replicaId'));
  assert.ok(!paths('request', 23, 3).includes('replicaId'));
});

test('R106: broker config resource names are rewritten as ids, other resources and names are not', () => {
  const fields = nodeIdFields('request', 32, 4);
  const body = {
    resources: [
      { resourceType: 4, resourceName: '3', configurationKeys: null },
      { resourceType: 8, resourceName: '12', configurationKeys: null },
      { resourceType: 4, resourceName: '', configurationKeys: null },
      { resourceType: 2, resourceName: '5', configurationKeys: null },
      { resourceType: 4, resourceName: '007', configurationKeys: null },
    ],
  };
  rewriteNodeIds(fields, body, (id) => id * 10);
  assert.deepEqual(
    body.resources.map((r) => r.resourceName),
    ['30', '120', '', '5', '007'],
  );
  const response = nodeIdFields('response', 32, 4);
  const answer = { results: [{ resourceType: 4, resourceName: '30' }] };
  rewriteNodeIds(response, answer, (id) => id / 10);
  assert.equal(answer.results[0]!.resourceName, '3');
});

test('R101: negative ids in a message are left alone; a stop from the mapping is reported', () => {
  const fields = nodeIdFields('response', 3, 12);
  const body = {
    brokers: [{ nodeId: 1 }],
    controllerId: -1,
    topics: [{ partitions: [{ leaderId: -1, replicaNodes: [1, 2], isrNodes: [], offlineReplicas: [] }] }],
  };
  assert.equal(
    rewriteNodeIds(fields, body, (id) => id + 100),
    true,
  );
  assert.equal(body.controllerId, -1);
  assert.equal(body.topics[0]!.partitions[0]!.leaderId, -1);
  assert.deepEqual(body.topics[0]!.partitions[0]!.replicaNodes, [101, 102]);
  assert.equal(
    rewriteNodeIds(fields, body, () => undefined),
    false,
  );
  assert.ok(versionIn([0, 1], 1));
});
