import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultFetchResponse } from '../../../src/protocol/generated/messages/fetch-response.ts';
import { defaultMetadataResponse } from '../../../src/protocol/generated/messages/metadata-response.ts';
import {
  ApiKey,
  ByteReader,
  ByteWriter,
  type FetchResponse,
  type MetadataResponse,
  messageCodecs,
} from '../../../src/protocol/index.ts';

function encode<T>(
  codec: { size(m: T, v: number): number; encode(w: ByteWriter, m: T, v: number): void },
  m: T,
  v: number,
) {
  const buf = Buffer.alloc(codec.size(m, v));
  codec.encode(ByteWriter.into(buf), m, v);
  return buf;
}

describe('tagged fields', () => {
  const metadata = messageCodecs[ApiKey.METADATA].response;

  it('preserves unknown tagged fields byte for byte at every level, in tag order', () => {
    const msg: MetadataResponse = {
      ...defaultMetadataResponse(),
      brokers: [
        {
          nodeId: 1,
          host: 'b1',
          port: 9092,
          rack: null,
          unknownTaggedFields: [{ tag: 7, data: Buffer.from([1, 2, 3]) }],
        },
      ],
      unknownTaggedFields: [
        { tag: 0, data: Buffer.alloc(0) },
        { tag: 300, data: Buffer.from('opaque') },
      ],
    };
    const bytes = encode(metadata, msg, 12);
    const decoded = metadata.decode(new ByteReader(bytes), 12);
    assert.deepEqual(decoded.unknownTaggedFields, msg.unknownTaggedFields);
    assert.deepEqual(decoded.brokers[0]?.unknownTaggedFields, [{ tag: 7, data: Buffer.from([1, 2, 3]) }]);
    assert.deepEqual(encode(metadata, decoded, 12), bytes);
  });

  it('decodes known tagged fields into typed optional properties and leaves absent ones undefined', () => {
    const fetch = messageCodecs[ApiKey.FETCH].response;
    const msg: FetchResponse = {
      ...defaultFetchResponse(),
      nodeEndpoints: [{ nodeId: 4, host: 'h', port: 1, rack: null }],
    };
    const decoded = fetch.decode(new ByteReader(encode(fetch, msg, 16)), 16);
    assert.deepEqual(decoded.nodeEndpoints, msg.nodeEndpoints);
    const none = fetch.decode(new ByteReader(encode(fetch, defaultFetchResponse(), 16)), 16);
    assert.equal(none.nodeEndpoints, undefined);
  });

  it('interleaves unknown tags with known ones by tag number when re-encoding', () => {
    const fetch = messageCodecs[ApiKey.FETCH].response;
    const msg: FetchResponse = {
      ...defaultFetchResponse(),
      nodeEndpoints: [{ nodeId: 4, host: 'h', port: 1, rack: null }],
      unknownTaggedFields: [{ tag: 5, data: Buffer.from([9]) }],
    };
    const bytes = encode(fetch, msg, 16);
    // The top-level tagged section is last: count 2, then tag 0 (nodeEndpoints) before tag 5.
    const tail = bytes.subarray(bytes.length - 3);
    assert.deepEqual([...tail], [5, 1, 9]);
    assert.deepEqual(fetch.decode(new ByteReader(bytes), 16).unknownTaggedFields, msg.unknownTaggedFields);
  });

  it('rejects a known tagged field whose declared size disagrees with its contents', () => {
    const fetch = messageCodecs[ApiKey.FETCH].response;
    const msg = { ...defaultFetchResponse(), nodeEndpoints: [{ nodeId: 4, host: 'h', port: 1, rack: null }] };
    const good = encode(fetch, msg, 16);
    // The body ends with the top-level tagged section: count 1, tag 0, size 13, then the 13-byte
    // compact array (count, nodeId, host, port, null rack, empty tags).
    const sizeAt = good.length - 14;
    assert.deepEqual([...good.subarray(sizeAt - 2, sizeAt + 1)], [1, 0, 13]);
    const bad = Buffer.concat([good, Buffer.from([0])]);
    bad[sizeAt] = 14;
    assert.throws(() => fetch.decode(new ByteReader(bad), 16), /tagged field 0 of FetchResponse has size 14/);
  });
});
