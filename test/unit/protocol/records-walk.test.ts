// The generated walk of a PRODUCE request finds exactly the records fields a full decode finds, at
// the same byte positions, in every version, whether the frame is one buffer or in pieces, and
// refuses damaged bodies instead of guessing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameBytes } from '../../../src/protocol/frames/frame-bytes.ts';
import {
  ApiKey,
  ByteReader,
  codecsFor,
  forEachRequestRecords,
  hasRecordsWalk,
  type MessageCodec,
} from '../../../src/protocol/index.ts';
import { randomMessage, seededRng } from '../../differential/random-message.ts';
import { encodeAt as encodeBodyAt } from './response-bodies.ts';

const codec = codecsFor(ApiKey.PRODUCE)!.request as MessageCodec<Record<string, unknown>>;
const versions = Array.from({ length: codec.maxVersion - codec.minVersion + 1 }, (_, i) => codec.minVersion + i);

/** The body encoded at an offset of a larger buffer, as it sits in a frame after size and header. */
const encodeAt = (body: Record<string, unknown>, version: number) => encodeBodyAt(codec, body, version);

/** A body with several topics and partitions, some records null, some empty. */
function busyBody(version: number, seed: number): Record<string, unknown> {
  const rng = seededRng(seed);
  let body: Record<string, unknown>;
  do body = randomMessage(codec.schema, version, rng);
  while (!Array.isArray(body.topicData) || (body.topicData as unknown[]).length === 0);
  return body;
}

/** [start, end) of every non-null records field, from a full decode (records decode as views of the frame). */
function decodedLocations(frame: Buffer, offset: number, version: number): [number, number][] {
  const body = codec.decode(new ByteReader(frame, offset), version) as {
    topicData: { partitionData: { records: Buffer | null }[] }[];
  };
  return body.topicData.flatMap((topic) =>
    topic.partitionData.flatMap(({ records }) => {
      if (records === null) return [];
      const start = records.byteOffset - frame.byteOffset;
      return [[start, start + records.length] as [number, number]];
    }),
  );
}

/** The frame cut at `cuts` (ascending offsets) into pieces, as a large frame arrives in socket reads. */
function inPieces(frame: Buffer, cuts: readonly number[]): Buffer[] {
  const bounds = [0, ...cuts, frame.length];
  return bounds.slice(1).map((end, i) => frame.subarray(bounds[i], end));
}

function walked(frame: Buffer, offset: number, version: number, end = frame.length, cuts: readonly number[] = []) {
  const found: [number, number][] = [];
  const requestFrame = new FrameBytes().reset(inPieces(frame.subarray(0, end), cuts), offset);
  const ok = forEachRequestRecords(ApiKey.PRODUCE, version, requestFrame, (seen, start, stop) => {
    assert.equal(seen, requestFrame);
    found.push([start, stop]);
  });
  return { ok, found };
}

describe('forEachRequestRecords (PRODUCE)', () => {
  for (const version of versions) {
    it(`v${version}: visits every non-null records field where the decode finds it`, () => {
      for (let seed = 0; seed < 20; seed++) {
        const { frame, offset } = encodeAt(busyBody(version, version * 100 + seed), version);
        const { ok, found } = walked(frame, offset, version);
        assert.equal(ok, true);
        assert.deepEqual(found, decodedLocations(frame, offset, version));
      }
    });

    it(`v${version}: a frame in pieces, cut anywhere (inside counts, lengths and records), is walked the same`, () => {
      for (let seed = 0; seed < 20; seed++) {
        const { frame, offset } = encodeAt(busyBody(version, version * 100 + seed), version);
        const rng = seededRng(seed);
        const cuts = new Set<number>();
        for (let n = 0; n < 1 + Math.floor(rng() * 12); n++) cuts.add(1 + Math.floor(rng() * (frame.length - 1)));
        const pieces = [...cuts].sort((a, b) => a - b);
        assert.deepEqual(walked(frame, offset, version, frame.length, pieces), walked(frame, offset, version));
        // Every single byte its own piece: no read may assume its bytes lie in one piece.
        const everyByte = Array.from({ length: frame.length - 1 }, (_, i) => i + 1);
        assert.deepEqual(walked(frame, offset, version, frame.length, everyByte), walked(frame, offset, version));
      }
    });

    it(`v${version}: a truncated body answers false`, () => {
      const { frame, offset } = encodeAt(busyBody(version, version), version);
      for (const cut of [1, 2, 5, Math.floor((frame.length - offset) / 2)]) {
        const end = frame.length - cut;
        let decodes = true;
        try {
          codec.decode(new ByteReader(frame.subarray(0, end), offset), version);
        } catch {
          decodes = false;
        }
        // Only bodies a decode refuses are expected to be refused by the walk as well.
        if (!decodes) assert.equal(walked(frame, offset, version, end).ok, false, `cut ${cut}`);
      }
    });
  }

  it('has a walk for every PRODUCE version and none for requests without records', () => {
    for (const version of versions) assert.equal(hasRecordsWalk(ApiKey.PRODUCE, version), true);
    assert.equal(hasRecordsWalk(ApiKey.FETCH, 12), false);
    assert.equal(
      forEachRequestRecords(ApiKey.FETCH, 12, new FrameBytes().reset([Buffer.alloc(8)], 0), () =>
        assert.fail('no visit'),
      ),
      false,
    );
  });

  it('what the visitor throws reaches the caller', () => {
    const { frame, offset } = encodeAt(
      { ...busyBody(9, 1), topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.alloc(3) }] }] },
      9,
    );
    assert.throws(
      () =>
        forEachRequestRecords(ApiKey.PRODUCE, 9, new FrameBytes().reset([frame], offset), () => {
          throw new RangeError('stop');
        }),
      /stop/,
    );
  });
});
