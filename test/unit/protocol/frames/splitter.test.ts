import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FrameSizeError,
  FrameSplitter,
  STREAM_HEAD_BYTES,
  STREAM_MIN_FRAME_BYTES,
} from '../../../../src/protocol/frames/index.ts';
import { DecodeError } from '../../../../src/protocol/wire/errors.ts';
import { SeededRandom, thrown } from '../records/helpers.ts';

function frame(payload: Buffer): Buffer {
  const f = Buffer.allocUnsafe(4 + payload.length);
  f.writeInt32BE(payload.length, 0);
  payload.copy(f, 4);
  return f;
}

function collect(max?: number): { splitter: FrameSplitter; frames: Buffer[] } {
  const frames: Buffer[] = [];
  return { splitter: new FrameSplitter((f) => frames.push(f), max), frames };
}

test('a frame inside one chunk is a view of that chunk, size prefix included', () => {
  const { splitter, frames } = collect();
  const chunk = Buffer.concat([frame(Buffer.from('abc')), frame(Buffer.from('de'))]);
  splitter.push(chunk);
  assert.equal(frames.length, 2);
  assert.equal(frames[0]!.buffer, chunk.buffer);
  assert.equal(frames[0]!.byteOffset, chunk.byteOffset);
  assert.deepEqual(frames[0], frame(Buffer.from('abc')));
  assert.deepEqual(frames[1], frame(Buffer.from('de')));
});

test('a frame straddling chunks is copied into a buffer of exactly its size', () => {
  const { splitter, frames } = collect();
  const f = frame(Buffer.from('hello world'));
  splitter.push(f.subarray(0, 6));
  assert.equal(frames.length, 0);
  splitter.push(f.subarray(6));
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.length, f.length);
  assert.deepEqual(frames[0], f);
});

test('a size prefix split across chunks is reassembled', () => {
  const { splitter, frames } = collect();
  const f = frame(Buffer.from('xyz'));
  for (const byte of f) splitter.push(Buffer.from([byte]));
  assert.deepEqual(frames, [f]);
});

test('an empty payload is a frame of four bytes', () => {
  const { splitter, frames } = collect();
  splitter.push(frame(Buffer.alloc(0)));
  assert.deepEqual(frames, [frame(Buffer.alloc(0))]);
});

test('bufferedBytes reports the memory held for an incomplete frame', () => {
  const { splitter } = collect();
  const f = frame(Buffer.alloc(100));
  splitter.push(f.subarray(0, 2));
  assert.equal(splitter.bufferedBytes, 2);
  splitter.push(f.subarray(2, 10));
  assert.equal(splitter.bufferedBytes, 104);
  splitter.push(f.subarray(10));
  assert.equal(splitter.bufferedBytes, 0);
});

test('a size above the limit is a FrameSizeError naming the stream offset, before allocation', () => {
  const { splitter, frames } = collect(10);
  const ok = frame(Buffer.alloc(10));
  const bad = Buffer.alloc(4);
  bad.writeInt32BE(11, 0);
  const err = thrown(() => splitter.push(Buffer.concat([ok, bad])));
  assert.equal(frames.length, 1);
  assert.ok(err instanceof FrameSizeError && err instanceof DecodeError);
  assert.equal(err.offset, 14);
  assert.equal(err.size, 11);
});

test('a negative size is a FrameSizeError even when its prefix straddles chunks', () => {
  const { splitter } = collect();
  splitter.push(Buffer.from([0xff, 0xff]));
  assert.throws(
    () => splitter.push(Buffer.from([0xff, 0xfe])),
    (e: unknown) => e instanceof FrameSizeError && e.offset === 0,
  );
});

test('a huge size prefix does not allocate (int32 max against the default limit)', () => {
  const { splitter } = collect();
  assert.throws(() => splitter.push(Buffer.from([0x7f, 0xff, 0xff, 0xff])), FrameSizeError);
});

test('after an error the splitter keeps failing', () => {
  const { splitter } = collect(1);
  assert.throws(() => splitter.push(Buffer.from([0, 0, 0, 2, 1, 1])), FrameSizeError);
  assert.throws(() => splitter.push(frame(Buffer.alloc(0))), FrameSizeError);
});

test('property: any chunking of a stream of random frames yields the same frames', () => {
  const rnd = new SeededRandom(42);
  for (let round = 0; round < 200; round++) {
    const payloads = Array.from({ length: rnd.int(0, 20) }, () =>
      rnd.bytes(rnd.pick([0, 1, 3, 4, 5, rnd.int(0, 300)])),
    );
    const stream = Buffer.concat(payloads.map(frame));
    const { splitter, frames } = collect(300);
    let pos = 0;
    while (pos < stream.length) {
      const n = rnd.pick([1, 2, 3, 4, 5, rnd.int(1, 700)]);
      splitter.push(stream.subarray(pos, pos + n));
      pos += n;
    }
    assert.deepEqual(
      frames.map((f) => f.subarray(4)),
      payloads,
      `round ${round}`,
    );
    assert.equal(splitter.bufferedBytes, 0);
  }
});

test('fuzz: random byte streams only ever produce frames or FrameSizeError', () => {
  const rnd = new SeededRandom(7);
  for (let round = 0; round < 500; round++) {
    const stream = rnd.bytes(rnd.int(0, 200));
    const { splitter, frames } = collect(rnd.int(0, 64));
    let total = 0;
    try {
      let pos = 0;
      while (pos < stream.length) {
        const n = rnd.int(1, 40);
        splitter.push(stream.subarray(pos, pos + n));
        pos += n;
      }
    } catch (e) {
      assert.ok(e instanceof FrameSizeError, String(e));
    }
    for (const f of frames) total += f.length;
    assert.ok(total <= stream.length);
  }
});

/** A splitter whose streamer takes every frame offered (or none), recording what it is given. */
function streaming(accept: boolean) {
  const events: string[] = [];
  const pieces: Buffer[] = [];
  const frames: Buffer[] = [];
  const splitter = new FrameSplitter((f) => frames.push(f), undefined, {
    onHead(head, frameLength) {
      events.push(`head ${head.length}/${frameLength}`);
      if (accept) pieces.push(head);
      return accept;
    },
    onRest(slice, last) {
      events.push(`rest ${slice.length}${last ? ' last' : ''}`);
      pieces.push(slice);
    },
  });
  return { splitter, events, pieces, frames };
}

test('a large straddling frame taken by the streamer arrives as views of the chunks, in order, then framing resumes', () => {
  const { splitter, events, pieces, frames } = streaming(true);
  const big = frame(Buffer.alloc(STREAM_MIN_FRAME_BYTES, 7));
  const small = frame(Buffer.from('next'));
  const chunks = [big.subarray(0, 1000), big.subarray(1000, 9000), Buffer.concat([big.subarray(9000), small])];
  for (const chunk of chunks) splitter.push(chunk);
  assert.deepEqual(events, [`head 1000/${big.length}`, 'rest 8000', `rest ${big.length - 9000} last`]);
  assert.equal(pieces[1]!.buffer, chunks[1]!.buffer, 'the rest is not copied');
  assert.deepEqual(Buffer.concat(pieces), big);
  assert.deepEqual(frames, [small], 'the frame after the streamed one is split as usual');
  assert.equal(splitter.bufferedBytes, 0);
});

test('a declined or small straddling frame is reassembled whole', () => {
  const declined = streaming(false);
  const big = frame(Buffer.alloc(STREAM_MIN_FRAME_BYTES, 1));
  declined.splitter.push(big.subarray(0, 600));
  declined.splitter.push(big.subarray(600));
  assert.deepEqual(declined.frames, [big]);

  const small = streaming(true);
  const f = frame(Buffer.alloc(STREAM_MIN_FRAME_BYTES - 5, 2));
  small.splitter.push(f.subarray(0, 600));
  small.splitter.push(f.subarray(600));
  assert.deepEqual(small.events, [], 'below the streaming size nothing is offered');
  assert.deepEqual(small.frames, [f]);
});

test('a head shorter than STREAM_HEAD_BYTES is gathered (a small copy) and offered once it is that long', () => {
  const { splitter, events, pieces, frames } = streaming(true);
  const big = frame(Buffer.alloc(STREAM_MIN_FRAME_BYTES, 3));
  splitter.push(big.subarray(0, 100));
  assert.equal(splitter.bufferedBytes, STREAM_HEAD_BYTES);
  splitter.push(big.subarray(100, 5000));
  splitter.push(big.subarray(5000));
  assert.deepEqual(events, [
    `head ${STREAM_HEAD_BYTES}/${big.length}`,
    `rest ${5000 - STREAM_HEAD_BYTES}`,
    `rest ${big.length - 5000} last`,
  ]);
  assert.deepEqual(Buffer.concat(pieces), big);
  assert.deepEqual(frames, []);
});

test('fuzz: with a streamer, whole frames and streamed pieces rebuild the byte stream exactly, whatever the chunking', () => {
  const random = new SeededRandom(1203);
  for (let round = 0; round < 20; round++) {
    const sent = Array.from({ length: 12 }, () =>
      frame(
        random.bytes(
          random.next() < 0.4 ? random.int(STREAM_MIN_FRAME_BYTES, 3 * STREAM_MIN_FRAME_BYTES) : random.int(0, 2000),
        ),
      ),
    );
    const stream = Buffer.concat(sent);
    const received: Buffer[] = [];
    let open = false;
    const splitter = new FrameSplitter(
      (f) => {
        assert.equal(open, false, 'no whole frame while one is streaming');
        received.push(Buffer.from(f));
      },
      undefined,
      {
        onHead(head) {
          open = random.next() < 0.7;
          if (open) received.push(Buffer.from(head));
          return open;
        },
        onRest(slice, last) {
          received.push(Buffer.from(slice));
          if (last) open = false;
        },
      },
    );
    for (let pos = 0; pos < stream.length; ) {
      const end = Math.min(stream.length, pos + random.int(1, 20_000));
      splitter.push(stream.subarray(pos, end));
      pos = end;
    }
    assert.equal(open, false);
    assert.deepEqual(Buffer.concat(received), stream);
  }
});
