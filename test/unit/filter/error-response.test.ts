// The API-specific error response, built from the schemas: every error code of the entries the
// request named, for any API and version, encodable at that version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorResponseFor } from '../../../src/filter/error-response.ts';
import { REQUEST_HOOKS, RESPONSE_HOOKS } from '../../../src/filter/generated/hooks.ts';
import {
  ApiKey,
  apiInfos,
  type CreateTopicsResponse,
  codecsFor,
  ErrorCode,
  encodeResponse,
  type FetchRequest,
  type FetchResponse,
  type MetadataResponse,
  type ProduceRequest,
  type ProduceResponse,
} from '../../../src/protocol/index.ts';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const OTHER_ID = 'AAAAAAAAAAAAAAAAAAAAAg';

function encodable(apiKey: number, version: number, body: object): void {
  assert.doesNotThrow(() => encodeResponse(apiKey, version, 1, body as never), 'encodes at the request version');
}

test('PRODUCE: every partition of every topic of the request carries the error', () => {
  for (const version of [3, 9, 13]) {
    const request: ProduceRequest = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [
        {
          name: 'a',
          topicId: TOPIC_ID,
          partitionData: [
            { index: 0, records: null },
            { index: 2, records: null },
          ],
        },
        { name: 'b', topicId: OTHER_ID, partitionData: [{ index: 1, records: null }] },
      ],
    };
    const response = errorResponseFor(
      ApiKey.PRODUCE,
      version,
      request,
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      null,
    ) as ProduceResponse;
    assert.deepEqual(
      // From v13 topics are named by id only.
      response.responses.map((t) => [
        version < 13 ? t.name : t.topicId,
        t.partitionResponses.map((p) => [p.index, p.errorCode]),
      ]),
      [
        [
          version < 13 ? 'a' : TOPIC_ID,
          [
            [0, 29],
            [2, 29],
          ],
        ],
        [version < 13 ? 'b' : OTHER_ID, [[1, 29]]],
      ],
    );
    encodable(ApiKey.PRODUCE, version, response);
  }
});

test('FETCH: the top-level error and each requested partition, named as the response names them', () => {
  const version = 12;
  const request = {
    ...(codecsFor(ApiKey.FETCH)!.request.defaults() as object),
    topics: [
      {
        topic: 'orders',
        topicId: TOPIC_ID,
        partitions: [
          {
            partition: 3,
            currentLeaderEpoch: -1,
            fetchOffset: 0n,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: 1,
          },
        ],
      },
    ],
  } as FetchRequest;
  const response = errorResponseFor(
    ApiKey.FETCH,
    version,
    request,
    ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    null,
  ) as FetchResponse;
  assert.equal(response.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  assert.equal(response.responses[0]!.topic, 'orders');
  assert.deepEqual(
    response.responses[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode]),
    [[3, ErrorCode.TOPIC_AUTHORIZATION_FAILED]],
  );
  encodable(ApiKey.FETCH, version, response);
});

test('CREATE_TOPICS: each topic gets the code and the message', () => {
  const version = 7;
  const request = {
    topics: [{ name: 'x', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  };
  const response = errorResponseFor(
    ApiKey.CREATE_TOPICS,
    version,
    request,
    ErrorCode.POLICY_VIOLATION,
    'not allowed',
  ) as CreateTopicsResponse;
  assert.deepEqual(
    response.topics.map((t) => [t.name, t.errorCode, t.errorMessage]),
    [['x', ErrorCode.POLICY_VIOLATION, 'not allowed']],
  );
  encodable(ApiKey.CREATE_TOPICS, version, response);
});

test('METADATA: each requested topic carries the error, no broker is invented', () => {
  const version = 12;
  const request = {
    topics: [{ topicId: TOPIC_ID, name: 'secret' }],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  };
  const response = errorResponseFor(
    ApiKey.METADATA,
    version,
    request,
    ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    null,
  ) as MetadataResponse;
  assert.deepEqual(
    response.topics.map((t) => [t.name, t.topicId, t.errorCode, t.partitions.length]),
    [['secret', TOPIC_ID, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0]],
  );
  assert.deepEqual(response.brokers, []);
  encodable(ApiKey.METADATA, version, response);
});

test('every API and version yields an encodable error response from a default request', () => {
  for (const info of apiInfos) {
    if (info === undefined) continue;
    const codecs = codecsFor(info.apiKey)!;
    for (let version = info.minVersion; version <= info.maxVersion; version++) {
      const response = errorResponseFor(
        info.apiKey,
        version,
        codecs.request.defaults() as object,
        ErrorCode.UNKNOWN_SERVER_ERROR,
        'x',
      );
      assert.doesNotThrow(() => encodeResponse(info.apiKey, version, 1, response as never), `${info.name} v${version}`);
    }
  }
});

test('the typed hook tables name a request and a response hook for every API', () => {
  for (const info of apiInfos) {
    if (info === undefined) continue;
    assert.equal(REQUEST_HOOKS[info.apiKey], `on${info.requestName}`);
    assert.equal(RESPONSE_HOOKS[info.apiKey], `on${info.responseName}`);
  }
});

test('CREATE_ACLS and DELETE_ACLS: one result per creation and per filter, each with the error', () => {
  const creation = {
    resourceType: 2,
    resourceName: 'orders',
    resourcePatternType: 3,
    principal: 'User:alice',
    host: '*',
    operation: 3,
    permissionType: 3,
  };
  const created = errorResponseFor(
    ApiKey.CREATE_ACLS,
    3,
    { creations: [creation, { ...creation, resourceName: 'payments' }] },
    ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    'refused',
  ) as { results: { errorCode: number; errorMessage: string | null }[] };
  assert.deepEqual(created.results, [
    { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'refused' },
    { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: 'refused' },
  ]);
  encodable(ApiKey.CREATE_ACLS, 3, created);
  const filter = {
    resourceTypeFilter: 2,
    resourceNameFilter: 'orders',
    patternTypeFilter: 3,
    principalFilter: null,
    hostFilter: null,
    operation: 1,
    permissionType: 1,
  };
  const deleted = errorResponseFor(ApiKey.DELETE_ACLS, 3, { filters: [filter] }, ErrorCode.INVALID_REQUEST, null) as {
    filterResults: { errorCode: number; matchingAcls: unknown[] }[];
  };
  assert.equal(deleted.filterResults.length, 1);
  assert.equal(deleted.filterResults[0]!.errorCode, ErrorCode.INVALID_REQUEST);
  assert.deepEqual(deleted.filterResults[0]!.matchingAcls, []);
  encodable(ApiKey.DELETE_ACLS, 3, deleted);
});

test('DESCRIBE_LOG_DIRS: the requested topics are not mistaken for log directories', () => {
  const response = errorResponseFor(
    ApiKey.DESCRIBE_LOG_DIRS,
    4,
    { topics: [{ topic: 'orders', partitions: [0] }] },
    ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
    null,
  ) as { errorCode: number; results: unknown[] };
  assert.equal(response.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.deepEqual(response.results, []);
});
