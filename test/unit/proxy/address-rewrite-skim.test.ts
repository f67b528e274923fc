// Which response frames the proxy decodes for broker addresses: PRODUCE and FETCH responses only
// when their skim finds `nodeEndpoints` (whole, or in the pieces a large one arrives in), responses
// whose addresses are elsewhere always, the rest never.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, encodeResponse, messageCodecs } from '../../../src/protocol/index.ts';
import { piecesNeedAddressRewrite, responseNeedsAddressRewrite } from '../../../src/proxy/response/broker-addresses.ts';

const endpoint = { nodeId: 2, host: 'broker-2.example', port: 9094, rack: null };

function produceFrame(version: number, nodeEndpoints: (typeof endpoint)[]): Buffer {
  return encodeResponse(ApiKey.PRODUCE, version, 42, {
    responses: [{ name: 'orders', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionResponses: [] }],
    throttleTimeMs: 0,
    nodeEndpoints,
  } as never);
}

function fetchFrame(version: number, nodeEndpoints: (typeof endpoint)[]): Buffer {
  return encodeResponse(ApiKey.FETCH, version, 42, {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 7,
    responses: [],
    nodeEndpoints,
  } as never);
}

describe('responseNeedsAddressRewrite', () => {
  it('PRODUCE v10+ responses without nodeEndpoints pass undecoded', () => {
    for (const version of [10, 11, 12, 13]) {
      assert.equal(responseNeedsAddressRewrite(ApiKey.PRODUCE, version, produceFrame(version, [])), false);
    }
  });

  it('PRODUCE v10+ responses with nodeEndpoints are decoded', () => {
    for (const version of [10, 11, 12, 13]) {
      assert.equal(responseNeedsAddressRewrite(ApiKey.PRODUCE, version, produceFrame(version, [endpoint])), true);
    }
  });

  it('FETCH v16+ responses are decoded exactly when they carry nodeEndpoints', () => {
    for (const version of [16, 17, 18]) {
      assert.equal(responseNeedsAddressRewrite(ApiKey.FETCH, version, fetchFrame(version, [])), false);
      assert.equal(responseNeedsAddressRewrite(ApiKey.FETCH, version, fetchFrame(version, [endpoint])), true);
    }
  });

  it('responses of versions without addresses are never decoded', () => {
    assert.equal(responseNeedsAddressRewrite(ApiKey.PRODUCE, 9, produceFrame(9, [])), false);
    assert.equal(responseNeedsAddressRewrite(ApiKey.FETCH, 15, fetchFrame(15, [])), false);
  });

  it('METADATA responses are always decoded: their addresses are not in a tagged field', () => {
    const frame = encodeResponse(ApiKey.METADATA, 12, 1, messageCodecs[ApiKey.METADATA].response.defaults());
    assert.equal(responseNeedsAddressRewrite(ApiKey.METADATA, 12, frame), true);
  });

  it('tagged fields in the response header are stepped over', () => {
    for (const [endpoints, expected] of [
      [[], false],
      [[endpoint], true],
    ] as const) {
      const plain = produceFrame(11, [...endpoints]);
      // Header v1 after the correlation id: one tagged field (tag 5, two bytes) instead of none.
      const frame = Buffer.concat([plain.subarray(0, 8), Buffer.from([1, 5, 2, 0xaa, 0xbb]), plain.subarray(9)]);
      frame.writeInt32BE(frame.length - 4, 0);
      assert.equal(responseNeedsAddressRewrite(ApiKey.PRODUCE, 11, frame), expected);
    }
  });

  it('a truncated frame is sent to the decoder, which reports it', () => {
    const frame = produceFrame(11, []);
    assert.equal(responseNeedsAddressRewrite(ApiKey.PRODUCE, 11, frame.subarray(0, frame.length - 3)), true);
    assert.equal(responseNeedsAddressRewrite(ApiKey.PRODUCE, 11, frame.subarray(0, 6)), true);
  });
});

describe('piecesNeedAddressRewrite', () => {
  it('a FETCH v16+ response in pieces, cut anywhere, is answered as the whole frame is', () => {
    for (const version of [16, 17, 18]) {
      for (const endpoints of [[], [endpoint]]) {
        const frame = fetchFrame(version, endpoints);
        // The head is what the splitter offers first: the response header lies in it.
        for (let cut = 12; cut < frame.length; cut++) {
          const pieces = [frame.subarray(0, cut), frame.subarray(cut)];
          assert.equal(
            piecesNeedAddressRewrite(ApiKey.FETCH, version, pieces[0]!, pieces),
            endpoints.length > 0,
            `v${version}, ${endpoints.length} endpoints, cut at ${cut}`,
          );
        }
      }
    }
  });

  it('a head too short for the response header is sent to the decoder', () => {
    const frame = fetchFrame(17, []);
    const head = frame.subarray(0, 6);
    assert.equal(piecesNeedAddressRewrite(ApiKey.FETCH, 17, head, [head, frame.subarray(6)]), true);
  });
});
