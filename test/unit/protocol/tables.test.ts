import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultMetadataResponse } from '../../../src/protocol/generated/messages/metadata-response.ts';
import {
  ApiKey,
  apiInfo,
  apiKeyName,
  codecsFor,
  DecodeError,
  decodeResponseBody,
  ErrorCode,
  encodeResponse,
  errorCodeName,
  findBrokerIdFields,
  findFields,
  isRetriableError,
  isSupportedVersion,
  messageCodecs,
} from '../../../src/protocol/index.ts';

describe('generated tables', () => {
  it("ApiKey and apiKeyName use Kafka's ApiKeys names", () => {
    assert.equal(ApiKey.PRODUCE, 0);
    assert.equal(ApiKey.METADATA, 3);
    assert.equal(ApiKey.API_VERSIONS, 18);
    assert.equal(ApiKey.DESCRIBE_TOPIC_PARTITIONS, 75);
    assert.equal(apiKeyName(1), 'FETCH');
    assert.equal(apiKeyName(4), undefined, 'LEADER_AND_ISR has no valid version any more');
    assert.equal(apiKeyName(31999), undefined);
  });

  it("ErrorCode comes from Kafka's Errors, with names and retriability", () => {
    assert.equal(ErrorCode.NONE, 0);
    assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
    assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
    assert.equal(ErrorCode.INVALID_REQUEST, 42);
    assert.equal(errorCodeName(35), 'UNSUPPORTED_VERSION');
    assert.equal(isRetriableError(ErrorCode.NOT_LEADER_OR_FOLLOWER), true);
    assert.equal(isRetriableError(ErrorCode.TOPIC_AUTHORIZATION_FAILED), false);
  });

  it('the version table and the codecs cover exactly the valid versions of the specs', () => {
    const info = apiInfo(ApiKey.METADATA)!;
    assert.deepEqual([info.minVersion, info.maxVersion, info.firstFlexibleRequestVersion], [0, 13, 9]);
    assert.equal(isSupportedVersion(ApiKey.METADATA, 13), true);
    assert.equal(isSupportedVersion(ApiKey.METADATA, 14), false);
    const codecs = messageCodecs[ApiKey.METADATA];
    assert.deepEqual([codecs.response.minVersion, codecs.response.maxVersion], [0, 13]);
    assert.equal(codecsFor(ApiKey.FETCH)?.request.name, 'FetchRequest');
  });

  it('exposes spec metadata at run time: every brokerId field of a response version', () => {
    const schema = messageCodecs[ApiKey.METADATA].response.schema;
    const paths = findFields(schema, 12, (f) => f.entityType === 'brokerId').map((l) => l.path.join('.'));
    assert.deepEqual(paths, [
      'brokers.nodeId',
      'controllerId',
      'topics.partitions.leaderId',
      'topics.partitions.replicaNodes',
      'topics.partitions.isrNodes',
      'topics.partitions.offlineReplicas',
    ]);
    const fetch = messageCodecs[ApiKey.FETCH].response.schema;
    assert.deepEqual(
      findBrokerIdFields(fetch, 16).map((l) => l.path.join('.')),
      [
        'responses.partitions.currentLeader.leaderId',
        'responses.partitions.preferredReadReplica',
        'nodeEndpoints.nodeId',
      ],
      'FETCH preferredReadReplica is found by name although the spec does not mark it',
    );
    const host = findFields(schema, 12, (f) => f.name === 'host')[0]!;
    assert.equal(host.field.primitive, 'string');
    assert.equal(schema.fields.find((f) => f.name === 'brokers')?.struct?.fields[0]?.mapKey, true);
  });
});

describe('decode errors', () => {
  it('name the API, the version and the byte offset within the frame', () => {
    const frame = encodeResponse(ApiKey.METADATA, 12, 1, {
      ...defaultMetadataResponse(),
      brokers: [{ nodeId: 1, host: 'broker-1', port: 9092, rack: null }],
    });
    const truncated = frame.subarray(0, 20);
    assert.throws(
      () => decodeResponseBody(ApiKey.METADATA, 12, truncated, 9),
      (e) =>
        e instanceof DecodeError &&
        e.apiKey === 3 &&
        e.apiVersion === 12 &&
        e.offset === 19 &&
        /MetadataResponse v12 at byte 19/.test(e.message),
    );
  });

  it('reject trailing bytes after a body and unsupported versions', () => {
    const frame = encodeResponse(ApiKey.METADATA, 1, 1, defaultMetadataResponse());
    assert.throws(
      () => decodeResponseBody(ApiKey.METADATA, 1, Buffer.concat([frame, Buffer.from([0])]), 8),
      /1 bytes left/,
    );
    assert.throws(() => decodeResponseBody(ApiKey.METADATA, 99, frame, 8), DecodeError);
  });
});
