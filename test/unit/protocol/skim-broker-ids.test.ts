// The skim that tells a routing level whether a PRODUCE or FETCH response holds a broker id to
// translate: whenever the decoded body has one (a non-negative id in a field of the §5.6 rule), the
// skim says so, for every version, on bodies our codec encodes and on damaged ones; and the usual
// response, ids -1 and no leader hints, is answered "none" so that it passes undecoded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, ByteReader, codecsFor, skimBrokerIds } from '../../../src/protocol/index.ts';
import { nodeIdFields, rewriteNodeIds } from '../../../src/routing/node-id-fields.ts';
import { randomMessage, seededRng } from '../../differential/random-message.ts';
import { type Body, encodeAt, responseCodec } from './response-bodies.ts';

function versions(apiKey: number): number[] {
  const codec = responseCodec(apiKey);
  return Array.from({ length: codec.maxVersion - codec.minVersion + 1 }, (_, i) => codec.minVersion + i);
}

/** What the level's decode-and-translate path finds: any non-negative id in a broker-id field. */
function decodedHoldsIds(apiKey: number, version: number, frame: Buffer, offset: number): boolean {
  const body = responseCodec(apiKey).decode(new ByteReader(frame, offset), version);
  let found = false;
  rewriteNodeIds(nodeIdFields('response', apiKey, version), body, (id) => {
    found = true;
    return id;
  });
  return found;
}

/** Drops the leader hints (the tagged `currentLeader`) at every depth. */
function withoutLeaderHints(value: unknown): void {
  if (Array.isArray(value)) for (const element of value) withoutLeaderHints(element);
  else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const record = value as Body;
    delete record.currentLeader;
    for (const field of Object.values(record)) withoutLeaderHints(field);
  }
}

/**
 * A response as brokers send it in the steady state: a random body (topics, partitions, records,
 * other tagged fields) with every broker id -1, no leader hint and no node endpoints.
 */
function usualBody(apiKey: number, version: number, seed = version): Body {
  const codec = responseCodec(apiKey);
  const rng = seededRng(seed);
  let body: Body;
  do body = randomMessage(codec.schema, version, rng);
  while (!Array.isArray(body.responses) || (body.responses as unknown[]).length === 0);
  withoutLeaderHints(body);
  rewriteNodeIds(nodeIdFields('response', apiKey, version), body, () => -1);
  return version >= (apiKey === ApiKey.PRODUCE ? 10 : 16) ? { ...body, nodeEndpoints: [] } : body;
}

/** `usualBody` with one change to its first partition (some partition arrays may be empty). */
function withFirstPartition(apiKey: number, version: number, change: Body): Body {
  const array = apiKey === ApiKey.PRODUCE ? 'partitionResponses' : 'partitions';
  for (let seed = version; ; seed += 1000) {
    const body = usualBody(apiKey, version, seed);
    const [topic] = body.responses as Body[];
    const partitions = topic![array] as Body[];
    if (partitions.length === 0) continue;
    partitions[0] = { ...partitions[0], ...change };
    return body;
  }
}

for (const apiKey of [ApiKey.PRODUCE, ApiKey.FETCH]) {
  describe(`skimBrokerIds: ${codecsFor(apiKey)!.name}`, () => {
    for (const version of versions(apiKey)) {
      it(`v${version}: the usual response, every id -1 and no leader hint, holds none`, () => {
        const { frame, offset } = encodeAt(responseCodec(apiKey), usualBody(apiKey, version), version);
        assert.equal(decodedHoldsIds(apiKey, version, frame, offset), false);
        assert.equal(skimBrokerIds(apiKey, version, frame, offset), false);
      });

      it(`v${version}: whenever the decoder finds an id, the skim does (random bodies)`, () => {
        const rng = seededRng(apiKey * 1000 + version);
        let withIds = 0;
        for (let i = 0; i < 300; i++) {
          const { frame, offset } = encodeAt(
            responseCodec(apiKey),
            randomMessage(responseCodec(apiKey).schema, version, rng),
            version,
          );
          const expected = decodedHoldsIds(apiKey, version, frame, offset);
          if (expected) {
            withIds++;
            assert.equal(skimBrokerIds(apiKey, version, frame, offset), true, `random body ${i}`);
          }
        }
        // Versions without id fields have nothing to find; the others must have been exercised.
        if (nodeIdFields('response', apiKey, version).ids.length > 0) assert.ok(withIds > 0);
      });

      it(`v${version}: on damaged bodies never throws, and finds every id the decoder finds`, () => {
        const rng = seededRng(apiKey * 7000 + version);
        for (let i = 0; i < 300; i++) {
          const { frame, offset } = encodeAt(
            responseCodec(apiKey),
            randomMessage(responseCodec(apiKey).schema, version, rng),
            version,
          );
          const damaged = Buffer.from(frame.subarray(0, offset + Math.floor(rng() * (frame.length - offset + 1))));
          for (let flips = Math.floor(rng() * 3); flips > 0 && damaged.length > offset; flips--) {
            damaged[offset + Math.floor(rng() * (damaged.length - offset))] = Math.floor(rng() * 256);
          }
          const skimmed = skimBrokerIds(apiKey, version, damaged, offset);
          assert.equal(typeof skimmed, 'boolean');
          let decoded: boolean;
          try {
            decoded = decodedHoldsIds(apiKey, version, damaged, offset);
          } catch {
            continue; // Undecodable: a skim answering true sends it to the decoder, which reports it.
          }
          if (decoded) assert.equal(skimmed, true, `damaged body ${i}`);
        }
      });
    }
  });
}

describe('skimBrokerIds: the ids that must be found', () => {
  it('FETCH v11+: a preferred read replica', () => {
    for (const version of versions(ApiKey.FETCH).filter((v) => v >= 11)) {
      const body = withFirstPartition(ApiKey.FETCH, version, { preferredReadReplica: 2 });
      const { frame, offset } = encodeAt(responseCodec(ApiKey.FETCH), body, version);
      assert.equal(skimBrokerIds(ApiKey.FETCH, version, frame, offset), true, `v${version}`);
    }
  });

  it('PRODUCE v10+ and FETCH v12+: a current-leader hint, even of leader -1', () => {
    const cases = [
      ...versions(ApiKey.PRODUCE)
        .filter((v) => v >= 10)
        .map((version) => ({ apiKey: ApiKey.PRODUCE, version })),
      ...versions(ApiKey.FETCH)
        .filter((v) => v >= 12)
        .map((version) => ({ apiKey: ApiKey.FETCH, version })),
    ];
    for (const { apiKey, version } of cases) {
      const body = withFirstPartition(apiKey, version, { currentLeader: { leaderId: -1, leaderEpoch: 3 } });
      const { frame, offset } = encodeAt(responseCodec(apiKey), body, version);
      assert.equal(skimBrokerIds(apiKey, version, frame, offset), true, `${apiKey} v${version}`);
    }
  });

  it('PRODUCE v10+ and FETCH v16+: node endpoints', () => {
    for (const [apiKey, first] of [
      [ApiKey.PRODUCE, 10],
      [ApiKey.FETCH, 16],
    ] as const) {
      for (const version of versions(apiKey).filter((v) => v >= first)) {
        const body = {
          ...usualBody(apiKey, version),
          nodeEndpoints: [{ nodeId: 4, host: 'broker-4', port: 9092, rack: null }],
        };
        const { frame, offset } = encodeAt(responseCodec(apiKey), body, version);
        assert.equal(skimBrokerIds(apiKey, version, frame, offset), true, `${apiKey} v${version}`);
      }
    }
  });

  it('has no answer for responses it was not generated for', () => {
    assert.equal(skimBrokerIds(ApiKey.METADATA, 12, Buffer.alloc(16), 8), undefined);
  });
});
