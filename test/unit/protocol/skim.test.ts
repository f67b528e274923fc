// The skim of a response's top-level tagged endpoints field answers what a full decode would, for
// every version it covers, on bodies our codec encodes (whole or in pieces) and on damaged ones.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameBytes } from '../../../src/protocol/frames/frame-bytes.ts';
import {
  ApiKey,
  ByteReader,
  codecsFor,
  skimTaggedEndpoints,
  taggedEndpointsField,
} from '../../../src/protocol/index.ts';
import { randomMessage, seededRng } from '../../differential/random-message.ts';
import { encodeAt, responseCodec } from './response-bodies.ts';

/** Every version from the one that added nodeEndpoints to the newest of the pinned specs. */
function versionsFrom(apiKey: number, first: number): number[] {
  const last = codecsFor(apiKey)!.response.maxVersion;
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

const covered = [
  { apiKey: ApiKey.PRODUCE, versions: versionsFrom(ApiKey.PRODUCE, 10) },
  { apiKey: ApiKey.FETCH, versions: versionsFrom(ApiKey.FETCH, 16) },
];

function endpoint(nodeId: number) {
  return { nodeId, host: `broker-${nodeId}.example`, port: 9092 + nodeId, rack: nodeId % 2 ? 'r1' : null };
}

/** A body with topics, partitions and records, so that the skim has something to step over. */
function busyBody(apiKey: number, version: number, seed: number): Record<string, unknown> {
  const codec = responseCodec(apiKey);
  let body: Record<string, unknown>;
  const rng = seededRng(seed);
  do body = randomMessage(codec.schema, version, rng);
  while (!Array.isArray(body.responses) || (body.responses as unknown[]).length === 0);
  return body;
}

function decodedHasEndpoints(apiKey: number, version: number, frame: Buffer, offset: number): boolean {
  const body = responseCodec(apiKey).decode(new ByteReader(frame, offset), version);
  return ((body.nodeEndpoints as unknown[] | undefined) ?? []).length > 0;
}

describe('skimTaggedEndpoints', () => {
  for (const { apiKey, versions } of covered) {
    for (const version of versions) {
      const name = `${codecsFor(apiKey)!.name} v${version}`;
      const codec = responseCodec(apiKey);

      it(`${name}: false when the body has no nodeEndpoints`, () => {
        const body = { ...busyBody(apiKey, version, version), nodeEndpoints: [] };
        const { frame, offset } = encodeAt(codec, body, version);
        assert.equal(skimTaggedEndpoints(apiKey, version, frame, offset), false);
      });

      it(`${name}: true when the body carries nodeEndpoints`, () => {
        const body = { ...busyBody(apiKey, version, version + 100), nodeEndpoints: [endpoint(1), endpoint(2)] };
        const { frame, offset } = encodeAt(codec, body, version);
        assert.equal(skimTaggedEndpoints(apiKey, version, frame, offset), true);
      });

      it(`${name}: other top-level tagged fields, before and after, do not confuse it`, () => {
        const base = busyBody(apiKey, version, version + 200);
        const unknownTaggedFields = [
          { tag: 7, data: Buffer.from([1, 2, 3]) },
          { tag: 90, data: Buffer.alloc(300, 5) },
        ];
        const without = encodeAt(codec, { ...base, nodeEndpoints: [], unknownTaggedFields }, version);
        assert.equal(skimTaggedEndpoints(apiKey, version, without.frame, without.offset), false);
        const withIt = encodeAt(codec, { ...base, nodeEndpoints: [endpoint(3)], unknownTaggedFields }, version);
        assert.equal(skimTaggedEndpoints(apiKey, version, withIt.frame, withIt.offset), true);
      });

      it(`${name}: agrees with the decoder on random bodies`, () => {
        const rng = seededRng(apiKey * 1000 + version);
        for (let i = 0; i < 300; i++) {
          const { frame, offset } = encodeAt(codec, randomMessage(codec.schema, version, rng), version);
          const expected = decodedHasEndpoints(apiKey, version, frame, offset);
          assert.equal(skimTaggedEndpoints(apiKey, version, frame, offset), expected, `random body ${i}`);
          // The same frame in the pieces a large response arrives in.
          const cut = 1 + Math.floor(rng() * (frame.length - 1));
          const pieces = new FrameBytes().reset([frame.subarray(0, cut), frame.subarray(cut)], offset);
          assert.equal(skimTaggedEndpoints(apiKey, version, pieces), expected, `random body ${i} cut at ${cut}`);
        }
      });

      it(`${name}: on damaged bodies never throws, and answers as the decoder whenever that decodes`, () => {
        const rng = seededRng(apiKey * 7000 + version);
        for (let i = 0; i < 400; i++) {
          const { frame, offset } = encodeAt(codec, randomMessage(codec.schema, version, rng), version);
          const damaged = Buffer.from(frame.subarray(0, offset + Math.floor(rng() * (frame.length - offset + 1))));
          for (let flips = Math.floor(rng() * 3); flips > 0 && damaged.length > offset; flips--) {
            damaged[offset + Math.floor(rng() * (damaged.length - offset))] =
              rng() < 0.5 ? 0xff : Math.floor(rng() * 256);
          }
          const skimmed = skimTaggedEndpoints(apiKey, version, damaged, offset);
          assert.equal(typeof skimmed, 'boolean');
          let decoded: boolean | undefined;
          try {
            decoded = decodedHasEndpoints(apiKey, version, damaged, offset);
          } catch {
            continue; // Undecodable: the skim's answer only sends it to the decoder, which reports it.
          }
          assert.equal(skimmed, decoded, `damaged body ${i}`);
        }
      });
    }
  }

  it('answers undefined for responses it does not cover', () => {
    const frame = Buffer.alloc(64);
    assert.equal(skimTaggedEndpoints(ApiKey.PRODUCE, 9, frame, 8), undefined);
    assert.equal(skimTaggedEndpoints(ApiKey.FETCH, 15, frame, 8), undefined);
    assert.equal(skimTaggedEndpoints(ApiKey.METADATA, 12, frame, 8), undefined);
    assert.equal(taggedEndpointsField(ApiKey.PRODUCE, 9), undefined);
    assert.equal(taggedEndpointsField(ApiKey.PRODUCE, 10), 'nodeEndpoints');
    for (const { apiKey, versions } of covered) {
      for (const version of versions) assert.equal(taggedEndpointsField(apiKey, version), 'nodeEndpoints');
      assert.equal(taggedEndpointsField(apiKey, versions.at(-1)! + 1), undefined);
    }
  });
});
