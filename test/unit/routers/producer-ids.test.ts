// The producer-id table and the PRODUCE batch walk of the virtual producer ids
// (src/routers/producer-ids), on PRODUCE frames built by our codec: which batches are rewritten,
// which are left alone, and that nothing is written when a producer still lacks a real id.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameBytes } from '../../../src/protocol/frames/frame-bytes.ts';
import { ApiKey, decodeRequestBody, encodeRequest, requestBodyOffset } from '../../../src/protocol/index.ts';
import {
  decodeRecordBatch,
  encodeRecordBatch,
  type RecordBatch,
  RecordBatchView,
  splitBatches,
} from '../../../src/protocol/records/index.ts';
import { ProduceBatches } from '../../../src/routers/producer-ids/produce-batches.ts';
import { ProducerTable } from '../../../src/routers/producer-ids/producer-table.ts';

function batch(producerId: bigint, options: Partial<RecordBatch> = {}): Promise<Buffer> {
  return encodeRecordBatch({
    baseOffset: 0n,
    partitionLeaderEpoch: -1,
    compression: 'none',
    timestampType: 'CreateTime',
    isTransactional: false,
    isControl: false,
    hasDeleteHorizon: false,
    lastOffsetDelta: 1,
    baseTimestamp: 1_700_000_000_000n,
    maxTimestamp: 1_700_000_000_001n,
    producerId,
    producerEpoch: 4,
    baseSequence: 10,
    records: [
      { attributes: 0, timestampDelta: 0n, offsetDelta: 0, key: null, value: Buffer.from('a'), headers: [] },
      { attributes: 0, timestampDelta: 1n, offsetDelta: 1, key: null, value: Buffer.from('b'), headers: [] },
    ],
    ...options,
  });
}

/** A PRODUCE frame of `version` with one topic and one partition per records field. */
function produceFrame(version: number, records: Buffer[]): { frame: Buffer; bodyOffset: number } {
  const frame = encodeRequest(ApiKey.PRODUCE, version, 7, 'test', {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [
      {
        name: 'orders',
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        partitionData: records.map((bytes, index) => ({ index, records: bytes })),
      },
    ],
  } as never);
  return { frame, bodyOffset: requestBodyOffset(frame) };
}

function whole(frame: Buffer, bodyOffset: number): FrameBytes {
  return new FrameBytes().reset([frame], bodyOffset);
}

/** Producer id, epoch and sequence of every batch in `records`, each checked for a valid CRC. */
async function producersIn(records: Buffer): Promise<[bigint, number, number][]> {
  const found: [bigint, number, number][] = [];
  for (const view of splitBatches(records).batches) {
    assert.ok(view instanceof RecordBatchView);
    view.ensureValid();
    const decoded = await decodeRecordBatch(view);
    found.push([decoded.producerId, decoded.producerEpoch, decoded.baseSequence]);
  }
  return found;
}

/** The same for every records field of a PRODUCE frame. */
async function producersInFrame(frame: Buffer, version: number): Promise<[bigint, number, number][]> {
  const body = decodeRequestBody(ApiKey.PRODUCE, version, frame, requestBodyOffset(frame)) as {
    topicData: { partitionData: { records: Buffer | null }[] }[];
  };
  const found: [bigint, number, number][] = [];
  for (const topic of body.topicData) {
    for (const { records } of topic.partitionData) if (records !== null) found.push(...(await producersIn(records)));
  }
  return found;
}

describe('ProducerTable', () => {
  const table = new ProducerTable(['payments', 'main', 'archive']);

  it('orders routes by name, and a route hands out only ids of its residue class', () => {
    assert.deepEqual(table.routes, ['archive', 'main', 'payments']);
    assert.equal(table.indexOf('main'), 1);
    assert.equal(table.isHomeOf(7, 1), true);
    assert.equal(table.isHomeOf(7, 2), false);
    assert.throws(() => table.indexOf('elsewhere'), /no route 'elsewhere'/);
  });

  it('obtains a real id once per producer and route, however many ask at once', async () => {
    let calls = 0;
    const obtain = async () => {
      calls++;
      return 40;
    };
    const [first, second] = await Promise.all([table.acquire(2, 7, obtain), table.acquire(2, 7, obtain)]);
    assert.deepEqual([first, second, calls], [40, 40, 1]);
    assert.equal(table.realOn(2, 7), 40);
    assert.equal(table.virtualOf(2, 40), 7);
    assert.equal(table.virtualOf(2, 41), 41);
  });

  it('remembers no failure: the next acquisition asks again', async () => {
    await assert.rejects(
      table.acquire(0, 7, () => Promise.reject(new Error('busy'))),
      /busy/,
    );
    assert.equal(table.realOn(0, 7), undefined);
    assert.equal(await table.acquire(0, 7, async () => 12), 12);
  });

  it('forgets a producer on every route when its client asks for a new id', () => {
    table.forget(7);
    assert.equal(table.realOn(0, 7), undefined);
    assert.equal(table.realOn(2, 7), undefined);
    assert.equal(table.virtualOf(2, 40), 40);
  });

  it('keeps at most its capacity of mappings per route, forgetting the oldest', async () => {
    const small = new ProducerTable(['a', 'b'], 2);
    for (const [virtual, real] of [
      [1, 100],
      [3, 101],
      [5, 102],
    ]) {
      await small.acquire(0, virtual!, async () => real!);
    }
    assert.equal(small.size(0), 2);
    assert.equal(small.realOn(0, 1), undefined);
    assert.equal(small.realOn(0, 5), 102);
  });
});

describe('ProduceBatches, frame path', () => {
  for (const version of [3, 8, 9, 12, 13]) {
    it(`v${version}: batches of the route's own producers are forwarded untouched`, async () => {
      const table = new ProducerTable(['main', 'payments']);
      const { frame, bodyOffset } = produceFrame(version, [await batch(4n), await batch(4n)]);
      const before = Buffer.from(frame);
      assert.equal(new ProduceBatches(table).offerFrame(version, whole(frame, bodyOffset), 0), true);
      assert.deepEqual(frame, before);
    });

    it(`v${version}: a producer of another route is rewritten to its real id, epoch and sequence kept`, async () => {
      const table = new ProducerTable(['main', 'payments']);
      await table.acquire(1, 4, async () => 9_000_000_001);
      const { frame, bodyOffset } = produceFrame(version, [await batch(4n), await batch(4n, { compression: 'zstd' })]);
      assert.equal(new ProduceBatches(table).offerFrame(version, whole(frame, bodyOffset), 1), true);
      assert.deepEqual(await producersInFrame(frame, version), [
        [9_000_000_001n, 4, 10],
        [9_000_000_001n, 4, 10],
      ]);
    });
  }

  it('a frame in pieces cut anywhere, inside batch headers too, is rewritten exactly as the whole frame', async () => {
    const table = new ProducerTable(['main', 'payments']);
    await table.acquire(1, 4, async () => 9_000_000_001);
    const { frame, bodyOffset } = produceFrame(13, [await batch(4n), await batch(4n, { compression: 'zstd' })]);
    const expected = Buffer.from(frame);
    assert.equal(new ProduceBatches(table).offerFrame(13, whole(expected, bodyOffset), 1), true);
    const batches = new ProduceBatches(table);
    for (let cut = bodyOffset; cut < frame.length; cut++) {
      const copy = Buffer.from(frame);
      const pieces = [copy.subarray(0, cut), copy.subarray(cut, cut + 7), copy.subarray(cut + 7)];
      assert.equal(batches.offerFrame(13, new FrameBytes().reset(pieces, bodyOffset), 1), true);
      assert.deepEqual(copy, expected, `cut at ${cut}`);
    }
  });

  it('a producer without a real id on the route yet: nothing written, the decoded path names it', async () => {
    const table = new ProducerTable(['main', 'payments']);
    const { frame, bodyOffset } = produceFrame(9, [await batch(4n), await batch(6n)]);
    const before = Buffer.from(frame);
    const batches = new ProduceBatches(table);
    assert.equal(batches.offerFrame(9, whole(frame, bodyOffset), 1), false);
    assert.deepEqual(frame, before);
    const records = [await batch(4n), await batch(6n)];
    const request = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 1000,
      topicData: [{ name: 'orders', topicId: '', partitionData: records.map((r, index) => ({ index, records: r })) }],
    };
    assert.deepEqual([...batches.missingIn(request as never, 1)].sort(), [4, 6]);
    await table.acquire(1, 4, async () => 11);
    await table.acquire(1, 6, async () => 13);
    batches.rewriteDecoded(request as never, 1);
    assert.deepEqual(
      [...(await producersIn(records[0]!)), ...(await producersIn(records[1]!))].map(([id]) => id),
      [11n, 13n],
    );
  });

  it('transactional batches and batches without a producer are never rewritten', async () => {
    const table = new ProducerTable(['main', 'payments']);
    const { frame, bodyOffset } = produceFrame(9, [await batch(4n, { isTransactional: true }), await batch(-1n)]);
    const before = Buffer.from(frame);
    assert.equal(new ProduceBatches(table).offerFrame(9, whole(frame, bodyOffset), 1), true);
    assert.deepEqual(frame, before);
  });

  it('a body that cannot be walked goes to the decoded path, unchanged', async () => {
    const table = new ProducerTable(['main', 'payments']);
    const { frame, bodyOffset } = produceFrame(9, [await batch(4n)]);
    const cut = frame.subarray(0, frame.length - 30);
    const before = Buffer.from(cut);
    assert.equal(new ProduceBatches(table).offerFrame(9, whole(cut, bodyOffset), 1), false);
    assert.deepEqual(cut, before);
  });
});
