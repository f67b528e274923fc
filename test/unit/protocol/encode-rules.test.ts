import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultFetchResponse } from '../../../src/protocol/generated/messages/fetch-response.ts';
import { defaultMetadataResponse } from '../../../src/protocol/generated/messages/metadata-response.ts';
import { ApiKey, ByteWriter, EncodeError, messageCodecs } from '../../../src/protocol/index.ts';

describe("encoding follows Kafka's rules for fields a version lacks", () => {
  const metadata = messageCodecs[ApiKey.METADATA].response;
  const fetch = messageCodecs[ApiKey.FETCH].response;

  it('drops an ignorable field silently', () => {
    const w = new ByteWriter();
    metadata.encode(w, { ...defaultMetadataResponse(), throttleTimeMs: 100 }, 0);
    assert.equal(w.length, 8, 'v0 is just two empty arrays');
  });

  it('refuses a non-default value of a non-ignorable field, tagged or not', () => {
    const topic = {
      errorCode: 0,
      name: 't',
      topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      isInternal: false,
      partitions: [],
      topicAuthorizedOperations: 5,
    };
    assert.throws(
      () => metadata.encode(new ByteWriter(), { ...defaultMetadataResponse(), topics: [topic] }, 7),
      (e) => e instanceof EncodeError && /topicAuthorizedOperations/.test(e.message),
    );
    const endpoints = [{ nodeId: 1, host: 'h', port: 1, rack: null }];
    assert.throws(
      () => fetch.encode(new ByteWriter(), { ...defaultFetchResponse(), nodeEndpoints: endpoints }, 15),
      (e) => e instanceof EncodeError && /nodeEndpoints/.test(e.message),
    );
  });

  it('refuses versions outside the spec and values a field cannot hold', () => {
    assert.throws(() => metadata.encode(new ByteWriter(), defaultMetadataResponse(), 14), EncodeError);
    assert.throws(
      () => metadata.encode(new ByteWriter(), { ...defaultMetadataResponse(), controllerId: 2 ** 31 }, 12),
      EncodeError,
    );
    assert.throws(
      () =>
        metadata.encode(
          new ByteWriter(),
          {
            ...defaultMetadataResponse(),
            brokers: [{ nodeId: 1, host: null as unknown as string, port: 1, rack: null }],
          },
          12,
        ),
      EncodeError,
    );
  });
});
