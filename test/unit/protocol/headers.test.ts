import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions-response.ts';
import { defaultMetadataRequest } from '../../../src/protocol/generated/messages/metadata-request.ts';
import { defaultMetadataResponse } from '../../../src/protocol/generated/messages/metadata-response.ts';
import {
  ApiKey,
  DecodeError,
  decodeRequestBody,
  decodeResponseBody,
  encodeRequest,
  encodeResponse,
  readRequestHeader,
  readResponseCorrelationId,
  readResponseHeader,
  requestBodyOffset,
  requestHeaderVersion,
  responseHeaderVersion,
  writeCorrelationId,
  writeResponseCorrelationId,
} from '../../../src/protocol/index.ts';

/** A request frame built by hand: size, api key, version, correlation id, then `rest`. */
function frame(apiKey: number, apiVersion: number, correlationId: number, rest: number[]): Buffer {
  const body = Buffer.alloc(8 + rest.length);
  body.writeInt16BE(apiKey, 0);
  body.writeInt16BE(apiVersion, 2);
  body.writeInt32BE(correlationId, 4);
  Buffer.from(rest).copy(body, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

describe('request headers', () => {
  it('reads a v1 header (non-flexible request): int16 client id, body right after', () => {
    const f = frame(ApiKey.METADATA, 4, 77, [0, 3, 0x61, 0x62, 0x63, 0xee]);
    assert.deepEqual(readRequestHeader(f), {
      apiKey: 3,
      apiVersion: 4,
      correlationId: 77,
      clientId: 'abc',
      headerVersion: 1,
      bodyOffset: 17,
      known: true,
    });
  });

  it('reads a v2 header (flexible request): the client id stays an int16 string, then tagged fields', () => {
    const f = frame(ApiKey.METADATA, 12, 5, [0xff, 0xff, 1, 9, 2, 0xaa, 0xbb, 0xee]);
    const h = readRequestHeader(f);
    assert.equal(h.headerVersion, 2);
    assert.equal(h.clientId, null);
    assert.equal(h.bodyOffset, 19);
    assert.deepEqual(h.unknownTaggedFields, [{ tag: 9, data: Buffer.from([0xaa, 0xbb]) }]);
  });

  it('still yields api key, version and correlation id for an unknown api key or version', () => {
    for (const [apiKey, apiVersion] of [
      [32000, 0],
      [ApiKey.METADATA, 999],
      [-1, 0],
    ] as const) {
      const h = readRequestHeader(frame(apiKey, apiVersion, 1234, [0x7f]));
      assert.equal(h.apiKey, apiKey);
      assert.equal(h.apiVersion, apiVersion);
      assert.equal(h.correlationId, 1234);
      assert.equal(h.known, false);
    }
  });

  it('throws DecodeError for a frame too short for the fixed part, or a malformed known header', () => {
    assert.throws(() => readRequestHeader(Buffer.from([0, 0, 0, 4, 0, 3, 0, 1])), DecodeError);
    assert.throws(
      () => readRequestHeader(frame(ApiKey.METADATA, 4, 1, [0, 9, 0x61])),
      (e) => e instanceof DecodeError && e.apiKey === 3 && e.apiVersion === 4 && e.offset >= 12,
    );
  });

  it('swaps the correlation id in place', () => {
    const f = frame(ApiKey.PRODUCE, 9, 1, [0, 0, 0]);
    writeCorrelationId(f, -42);
    assert.equal(readRequestHeader(f).correlationId, -42);
  });

  it('encodeRequest writes size + header + body in one exact frame that decodes back', () => {
    const body = { ...defaultMetadataRequest(), topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'orders' }] };
    const f = encodeRequest(ApiKey.METADATA, 12, 99, 'client-1', body);
    assert.equal(f.readInt32BE(0), f.length - 4);
    const h = readRequestHeader(f);
    assert.equal(h.clientId, 'client-1');
    assert.deepEqual(decodeRequestBody(ApiKey.METADATA, 12, f, h.bodyOffset).topics, body.topics);
  });
});

describe('response headers', () => {
  it('uses header v1 for flexible responses and v0 otherwise, except API_VERSIONS which is always v0', () => {
    assert.equal(responseHeaderVersion(ApiKey.METADATA, 8), 0);
    assert.equal(responseHeaderVersion(ApiKey.METADATA, 9), 1);
    assert.equal(responseHeaderVersion(ApiKey.API_VERSIONS, 3), 0);
    assert.equal(requestHeaderVersion(ApiKey.API_VERSIONS, 3), 2);
    assert.equal(requestHeaderVersion(ApiKey.API_VERSIONS, 2), 1);
  });

  it('encodeResponse of API_VERSIONS v3 has no header tagged fields; METADATA v12 has them', () => {
    const api = encodeResponse(ApiKey.API_VERSIONS, 3, 7, defaultApiVersionsResponse());
    assert.equal(readResponseHeader(api, 0).bodyOffset, 8);
    const f = encodeResponse(ApiKey.METADATA, 12, 8, defaultMetadataResponse());
    const h = readResponseHeader(f, responseHeaderVersion(ApiKey.METADATA, 12));
    assert.equal(h.bodyOffset, 9);
    assert.equal(h.correlationId, 8);
    assert.equal(decodeResponseBody(ApiKey.METADATA, 12, f, h.bodyOffset).controllerId, -1);
  });

  it('reads and swaps the correlation id of a response frame in place', () => {
    const f = encodeResponse(ApiKey.API_VERSIONS, 0, 1, defaultApiVersionsResponse());
    writeResponseCorrelationId(f, 555);
    assert.equal(readResponseCorrelationId(f), 555);
  });

  it('keeps unknown response-header tagged fields', () => {
    const f = Buffer.from([0, 0, 0, 8, 0, 0, 0, 3, 1, 4, 1, 0x55]);
    assert.deepEqual(readResponseHeader(f, 1), {
      correlationId: 3,
      headerVersion: 1,
      bodyOffset: 12,
      unknownTaggedFields: [{ tag: 4, data: Buffer.from([0x55]) }],
    });
  });
});

describe('requestBodyOffset', () => {
  it('agrees with readRequestHeader for header v1 and v2, null client ids and tagged fields', () => {
    const frames = [
      frame(ApiKey.METADATA, 4, 2, [0, 3, 0x61, 0x62, 0x63, 0xee]),
      frame(ApiKey.METADATA, 4, 3, [0xff, 0xff, 0xee]),
      frame(ApiKey.METADATA, 12, 4, [0, 1, 0x61, 0, 0xee]),
      frame(ApiKey.METADATA, 12, 5, [0, 1, 0x61, 2, 0, 1, 0x99, 5, 2, 0x98, 0x97, 0xee]),
    ];
    for (const f of frames) {
      if (readRequestHeader(f).known) assert.equal(requestBodyOffset(f), readRequestHeader(f).bodyOffset);
    }
  });

  it('answers -1 for truncated headers and versions the specs lack', () => {
    assert.equal(requestBodyOffset(frame(ApiKey.METADATA, 4, 1, [0, 9, 0x61])), -1);
    assert.equal(requestBodyOffset(frame(ApiKey.METADATA, 12, 1, [0, 1, 0x61, 2, 0])), -1);
    assert.equal(requestBodyOffset(frame(ApiKey.METADATA, 999, 1, [0, 0])), -1);
    assert.equal(requestBodyOffset(Buffer.alloc(8)), -1);
  });
});
