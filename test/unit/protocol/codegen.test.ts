import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cond } from '../../../tools/codegen/emit-message.ts';
import { apiKeyConstName, buildMessage } from '../../../tools/codegen/model.ts';
import { OPEN, parseVersions, stripJsonComments } from '../../../tools/codegen/spec.ts';

describe('code generator', () => {
  it('strips // comments but not // inside strings', () => {
    const text = '{\n  // a comment\n  "about": "see http://kafka.apache.org // not a comment" // trailing\n}';
    assert.deepEqual(JSON.parse(stripJsonComments(text)), { about: 'see http://kafka.apache.org // not a comment' });
  });

  it('parses version ranges as Kafka writes them', () => {
    assert.deepEqual(parseVersions('3+'), [3, OPEN]);
    assert.deepEqual(parseVersions('0-13'), [0, 13]);
    assert.deepEqual(parseVersions('5'), [5, 5]);
    assert.equal(parseVersions('none'), null);
    assert.throws(() => parseVersions('3-'));
  });

  it('emits the cheapest version test for a range within the versions a struct can have', () => {
    assert.equal(cond([0, OPEN], [0, 13]), 'true');
    assert.equal(cond([9, OPEN], [0, 13]), 'version >= 9');
    assert.equal(cond([0, 4], [0, 13]), 'version <= 4');
    assert.equal(cond([3, 4], [0, 13]), 'version >= 3 && version <= 4');
    assert.equal(cond(null, [0, 13]), 'false');
    assert.equal(cond([14, OPEN], [0, 13]), 'false');
  });

  it("names api keys like Kafka's ApiKeys and nested structs after their message", () => {
    assert.equal(apiKeyConstName('DescribeTopicPartitionsRequest'), 'DESCRIBE_TOPIC_PARTITIONS');
    assert.equal(apiKeyConstName('OffsetForLeaderEpochRequest'), 'OFFSET_FOR_LEADER_EPOCH');
    const m = buildMessage({
      apiKey: 999,
      type: 'request',
      name: 'FooRequest',
      validVersions: '0-3',
      flexibleVersions: '2+',
      fields: [
        { name: 'Topics', type: '[]Topic', versions: '1+', fields: [{ name: 'Name', type: 'string', versions: '1+' }] },
        { name: 'Leader', type: 'FooRequestLeader', versions: '0+', fields: [] },
      ],
    });
    assert.deepEqual(
      m.structs.map((s) => s.tsName),
      ['FooRequestTopic', 'FooRequestLeader', 'FooRequest'],
    );
    assert.deepEqual(m.root.fields[0]?.versions, [1, 3]);
    assert.deepEqual(m.root.fields[0]?.flexible, [2, 3]);
  });
});
