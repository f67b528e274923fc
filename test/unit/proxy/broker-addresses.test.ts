// Address rewriting is driven by the message specs. These tests pin down that every `host` field
// of every response is either rewritten or deliberately left alone, so a Kafka release that adds a
// broker address somewhere fails here until the proxy handles it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiInfos, codecsFor, findFields } from '../../../src/protocol/index.ts';
import { brokerAddressStructs, forEachBrokerAddress } from '../../../src/proxy/response/broker-addresses.ts';

/** Host fields that are not broker addresses clients connect to, with the reason. */
const NOT_BROKER_ADDRESSES: Readonly<Record<string, string>> = {
  'DESCRIBE_GROUPS groups.members.clientHost': 'the address of a group member (a client)',
  'CONSUMER_GROUP_DESCRIBE groups.members.clientHost': 'the address of a group member (a client)',
  'SHARE_GROUP_DESCRIBE groups.members.clientHost': 'the address of a group member (a client)',
  'STREAMS_GROUP_DESCRIBE groups.members.clientHost': 'the address of a group member (a client)',
  'STREAMS_GROUP_DESCRIBE groups.members.userEndpoint.host': 'a Kafka Streams application endpoint',
  'STREAMS_GROUP_HEARTBEAT partitionsByUserEndpoint.userEndpoint.host': 'a Kafka Streams application endpoint',
  'DESCRIBE_ACLS resources.acls.host': 'an ACL host pattern',
  'DELETE_ACLS filterResults.matchingAcls.host': 'an ACL host pattern',
  'DESCRIBE_QUORUM nodes.listeners.host': 'controller endpoints: rewritten or redacted by config-addresses.ts',
  'VOTE nodeEndpoints.host': 'controller-to-controller Raft traffic',
  'BEGIN_QUORUM_EPOCH nodeEndpoints.host': 'controller-to-controller Raft traffic',
  'END_QUORUM_EPOCH nodeEndpoints.host': 'controller-to-controller Raft traffic',
  'FETCH_SNAPSHOT nodeEndpoints.host': 'controller-to-controller Raft traffic',
};

test('every host field of every response version is rewritten or listed as not a broker address', () => {
  const unhandled: string[] = [];
  for (const info of apiInfos) {
    if (info === undefined) continue;
    const schema = codecsFor(info.apiKey)!.response.schema;
    for (let version = info.minVersion; version <= info.maxVersion; version++) {
      const structs = brokerAddressStructs(info.apiKey, version).map((s) => s.path.join('.'));
      for (const { path } of findFields(schema, version, (field) => /host/i.test(field.name))) {
        const name = `${info.name} ${path.join('.')}`;
        if (structs.includes(path.slice(0, -1).join('.')) || name in NOT_BROKER_ADDRESSES) continue;
        unhandled.push(`${name} (v${version})`);
      }
    }
  }
  assert.deepEqual(unhandled, []);
});

test('the broker addresses of METADATA, FIND_COORDINATOR, DESCRIBE_CLUSTER and nodeEndpoints are found', () => {
  const paths = (apiKey: number, version: number): string[] =>
    brokerAddressStructs(apiKey, version).map((s) => `${s.path.join('.') || '(root)'}#${s.idField}`);
  assert.deepEqual(paths(3, 12), ['brokers#nodeId']);
  assert.deepEqual(paths(10, 3), ['(root)#nodeId']);
  assert.deepEqual(paths(10, 4), ['coordinators#nodeId']);
  assert.deepEqual(paths(60, 0), ['brokers#brokerId']);
  assert.deepEqual(paths(0, 12), ['nodeEndpoints#nodeId']);
  assert.deepEqual(paths(1, 17), ['nodeEndpoints#nodeId']);
  assert.deepEqual(paths(0, 9), [], 'PRODUCE before v10 carries no addresses and stays undecoded');
});

test('rewriting replaces host and port of every listed broker and skips negative ids', () => {
  const body = {
    brokers: [
      { nodeId: 1, host: 'kafka-1', port: 9092 },
      { nodeId: 2, host: 'kafka-2', port: 9092 },
    ],
    topics: [],
  };
  const seen: number[] = [];
  forEachBrokerAddress(3, 12, body, (nodeId) => {
    seen.push(nodeId);
    return { host: 'proxy', port: 9000 + nodeId };
  });
  assert.deepEqual(seen, [1, 2]);
  assert.deepEqual(body.brokers, [
    { nodeId: 1, host: 'proxy', port: 9001 },
    { nodeId: 2, host: 'proxy', port: 9002 },
  ]);
  const noCoordinator = { nodeId: -1, host: '', port: -1, errorCode: 15 };
  forEachBrokerAddress(10, 3, noCoordinator, () => ({ host: 'proxy', port: 1 }));
  assert.deepEqual(noCoordinator, { nodeId: -1, host: '', port: -1, errorCode: 15 });
});
