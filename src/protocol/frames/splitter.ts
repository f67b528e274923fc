import { DecodeError } from '../wire/errors.ts';

/** Kafka's default `socket.request.max.bytes`. */
export const DEFAULT_MAX_FRAME_SIZE = 100 * 1024 * 1024;

/**
 * A frame's size prefix is negative or above the limit. Thrown before anything is allocated for the
 * frame; `offset` is the position of the size prefix in the whole byte stream seen by the splitter.
 */
export class FrameSizeError extends DecodeError {
  readonly size: number;
  readonly maxFrameSize: number;

  constructor(size: number, maxFrameSize: number, offset: number) {
    super(
      size < 0 ? `negative frame size ${size}` : `frame size ${size} exceeds the limit of ${maxFrameSize} bytes`,
      offset,
      { message: 'frame' },
    );
    this.size = size;
    this.maxFrameSize = maxFrameSize;
  }
}

/**
 * Cuts a TCP byte stream into Kafka frames (int32 size + payload). Each frame handed to `onFrame`
 * includes its 4-byte size prefix, so an unchanged frame can be forwarded as it is. A frame that lies
 * within one chunk is a view of that chunk (no copy); only a frame straddling chunks is copied, once,
 * into a buffer of exactly its size. The splitter is unusable after it has thrown.
 */
export class FrameSplitter {
  private readonly maxFrameSize: number;
  private readonly onFrame: (frame: Buffer) => void;
  /** The frame being assembled across chunks, allocated at its exact size, or null. */
  private partial: Buffer | null = null;
  private partialFilled = 0;
  /** Size-prefix bytes of the next frame when a chunk ended inside them (0 to 3 are held). */
  private readonly prefix = Buffer.alloc(4);
  private prefixFilled = 0;
  /** Stream position of the first byte of the next chunk, for error offsets. */
  private streamOffset = 0;
  private failed: FrameSizeError | null = null;

  constructor(onFrame: (frame: Buffer) => void, maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {
    if (!Number.isInteger(maxFrameSize) || maxFrameSize < 0 || maxFrameSize > 0x7fffffff) {
      throw new RangeError(`maxFrameSize must be an int32 >= 0, got ${maxFrameSize}`);
    }
    this.onFrame = onFrame;
    this.maxFrameSize = maxFrameSize;
  }

  /** Bytes held for an incomplete frame (what this splitter costs in memory right now). */
  get bufferedBytes(): number {
    return this.partial !== null ? this.partial.length : this.prefixFilled;
  }

  /** Feeds one chunk; calls `onFrame` for every frame it completes, in order. */
  push(chunk: Buffer): void {
    if (this.failed !== null) throw this.failed;
    const len = chunk.length;
    const base = this.streamOffset;
    this.streamOffset = base + len;
    let pos = 0;

    if (this.prefixFilled > 0) {
      const take = Math.min(4 - this.prefixFilled, len);
      chunk.copy(this.prefix, this.prefixFilled, 0, take);
      this.prefixFilled += take;
      pos = take;
      if (this.prefixFilled < 4) return;
      this.prefixFilled = 0;
      const size = this.prefix.readInt32BE(0);
      this.checkSize(size, base - (4 - take));
      const frame = Buffer.allocUnsafe(size + 4);
      this.prefix.copy(frame, 0);
      this.partial = frame;
      this.partialFilled = 4;
    }

    const partial = this.partial;
    if (partial !== null) {
      const take = Math.min(partial.length - this.partialFilled, len - pos);
      chunk.copy(partial, this.partialFilled, pos, pos + take);
      this.partialFilled += take;
      pos += take;
      if (this.partialFilled < partial.length) return;
      this.partial = null;
      this.onFrame(partial);
    }

    while (len - pos >= 4) {
      const size = (chunk[pos]! << 24) | (chunk[pos + 1]! << 16) | (chunk[pos + 2]! << 8) | chunk[pos + 3]!;
      if (size < 0 || size > this.maxFrameSize) this.checkSize(size, base + pos);
      const end = pos + 4 + size;
      if (end > len) {
        const frame = Buffer.allocUnsafe(size + 4);
        chunk.copy(frame, 0, pos, len);
        this.partial = frame;
        this.partialFilled = len - pos;
        return;
      }
      this.onFrame(chunk.subarray(pos, end));
      pos = end;
    }

    if (pos < len) {
      chunk.copy(this.prefix, 0, pos, len);
      this.prefixFilled = len - pos;
    }
  }

  private checkSize(size: number, offset: number): void {
    if (size < 0 || size > this.maxFrameSize) {
      this.failed = new FrameSizeError(size, this.maxFrameSize, offset);
      throw this.failed;
    }
  }
}
