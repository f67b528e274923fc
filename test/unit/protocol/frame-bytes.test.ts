// FrameBytes: reads and writes by offset in the whole frame, however the frame is cut into pieces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FrameBytes } from '../../../src/protocol/frames/frame-bytes.ts';

const bytes = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 200) & 0xff));

/** Every way of cutting `bytes` into three pieces at two offsets a step apart. */
function* cuttings(): Generator<Buffer[]> {
  for (let first = 1; first < bytes.length - 1; first++) {
    for (const second of [first + 1, first + 3, bytes.length - 1]) {
      if (second <= first || second >= bytes.length) continue;
      const copy = Buffer.from(bytes);
      yield [copy.subarray(0, first), copy.subarray(first, second), copy.subarray(second)];
    }
  }
}

describe('FrameBytes', () => {
  it('reads every integer width at every offset as the whole buffer does, wherever the pieces break', () => {
    for (const pieces of cuttings()) {
      const frame = new FrameBytes().reset(pieces, 5);
      assert.equal(frame.length, bytes.length);
      assert.equal(frame.bodyOffset, 5);
      for (let at = 0; at + 4 <= bytes.length; at++) {
        assert.equal(frame.readUInt8(at), bytes.readUInt8(at));
        assert.equal(frame.readInt8(at), bytes.readInt8(at));
        assert.equal(frame.readUInt16BE(at), bytes.readUInt16BE(at));
        assert.equal(frame.readInt16BE(at), bytes.readInt16BE(at));
        assert.equal(frame.readInt32BE(at), bytes.readInt32BE(at), `int32 at ${at}`);
        assert.equal(frame.readUInt32BE(at), bytes.readUInt32BE(at));
      }
    }
  });

  it('gives a view of a range inside one piece, and writes and copies across pieces', () => {
    for (const pieces of cuttings()) {
      const frame = new FrameBytes().reset(pieces, 0);
      const view = frame.view(0, pieces[0]!.length);
      assert.ok(view !== undefined && view.buffer === pieces[0]!.buffer, 'a view of the piece itself');
      assert.equal(frame.view(0, pieces[0]!.length + 1), undefined, 'no view across two pieces');
      const copied = Buffer.alloc(20);
      frame.copy(copied, 0, 30, 50);
      assert.deepEqual(copied, bytes.subarray(30, 50));
      frame.write(Buffer.alloc(20, 0xab), 30);
      assert.deepEqual(Buffer.concat(pieces).subarray(30, 50), Buffer.alloc(20, 0xab));
      assert.deepEqual(Buffer.concat(pieces).subarray(0, 30), bytes.subarray(0, 30));
      assert.deepEqual(Buffer.concat(pieces).subarray(50), bytes.subarray(50));
    }
  });

  it('refuses an offset outside the frame', () => {
    const frame = new FrameBytes().reset([bytes.subarray(0, 10), bytes.subarray(10, 20)], 0);
    assert.throws(() => frame.readUInt8(20), RangeError);
    assert.throws(() => frame.readInt32BE(18), RangeError);
    assert.throws(() => frame.readUInt8(-1), RangeError);
  });
});
