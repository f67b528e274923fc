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
 * Takes frames that need no reassembly: offered the head of each large frame that straddles
 * chunks, it may accept it, and then receives the rest of that frame slice by slice, as views of the
 * chunks it arrives in, instead of one reassembled frame.
 */
export interface FrameStreamer {
  /**
   * A frame of `frameLength` bytes (size prefix included) starts with `head`: at least
   * STREAM_HEAD_BYTES bytes but not the whole frame, a view of the chunk (or a small copy when the
   * chunk held less). Returns true to take the rest through onRest(); false to get the whole frame
   * from onFrame as usual.
   */
  onHead(head: Buffer, frameLength: number): boolean;
  /** The next bytes of the accepted frame, in order; `last` is true on its final slice. */
  onRest(slice: Buffer, last: boolean): void;
}

/**
 * Below this size a straddling frame is copied: one small copy costs less than writing it in pieces.
 * Produce batches and fetch responses, the frames that matter, are far larger.
 */
export const STREAM_MIN_FRAME_BYTES = 16 * 1024;
/** A streamed frame's head holds at least this much, enough for any request header and PRODUCE's acks. */
export const STREAM_HEAD_BYTES = 512;

/**
 * Cuts a TCP byte stream into Kafka frames (int32 size + payload). Each frame handed to `onFrame`
 * includes its 4-byte size prefix, so an unchanged frame can be forwarded as it is. A frame that lies
 * within one chunk is a view of that chunk (no copy); a frame straddling chunks is either offered to
 * the optional streamer (large frames only) or copied, once, into a buffer of exactly its size. The
 * splitter is unusable after it has thrown.
 */
export class FrameSplitter {
  private readonly maxFrameSize: number;
  private readonly onFrame: (frame: Buffer) => void;
  private readonly streamer: FrameStreamer | undefined;
  /** Bytes of the streamed frame not seen yet (0 when no frame is being streamed). */
  private streamRemaining = 0;
  /** The start of a large frame gathered until it is STREAM_HEAD_BYTES long, then offered; or null. */
  private head: Buffer | null = null;
  private headFilled = 0;
  private headFrameLength = 0;
  /** The frame being assembled across chunks, allocated at its exact size, or null. */
  private partial: Buffer | null = null;
  private partialFilled = 0;
  /**
   * Size-prefix bytes of the next frame when a chunk ended inside them (0 to 3 are held), kept as
   * a number: no buffer per splitter.
   */
  private prefix = 0;
  private prefixFilled = 0;
  /** Stream position of the first byte of the next chunk, for error offsets. */
  private streamOffset = 0;
  private failed: FrameSizeError | null = null;

  constructor(onFrame: (frame: Buffer) => void, maxFrameSize = DEFAULT_MAX_FRAME_SIZE, streamer?: FrameStreamer) {
    if (!Number.isInteger(maxFrameSize) || maxFrameSize < 0 || maxFrameSize > 0x7fffffff) {
      throw new RangeError(`maxFrameSize must be an int32 >= 0, got ${maxFrameSize}`);
    }
    this.onFrame = onFrame;
    this.maxFrameSize = maxFrameSize;
    this.streamer = streamer;
  }

  /** Bytes held for an incomplete frame (what this splitter costs in memory right now). */
  get bufferedBytes(): number {
    if (this.head !== null) return this.head.length;
    return this.partial !== null ? this.partial.length : this.prefixFilled;
  }

  /**
   * Feeds one chunk; calls `onFrame` for every frame it completes (and the streamer for the pieces
   * of the frames it took), in order.
   */
  push(chunk: Buffer): void {
    if (this.failed !== null) throw this.failed;
    const len = chunk.length;
    const base = this.streamOffset;
    this.streamOffset = base + len;
    let pos = 0;

    const head = this.head;
    if (head !== null) {
      const take = Math.min(STREAM_HEAD_BYTES - this.headFilled, len);
      chunk.copy(head, this.headFilled, 0, take);
      this.headFilled += take;
      pos = take;
      if (this.headFilled < STREAM_HEAD_BYTES) return;
      this.head = null;
      this.offerHead(head, this.headFrameLength);
    }

    const streaming = this.streamRemaining;
    if (streaming > 0 && pos < len) {
      const take = Math.min(streaming, len - pos);
      this.streamRemaining = streaming - take;
      this.streamer!.onRest(pos === 0 && take === len ? chunk : chunk.subarray(pos, pos + take), take === streaming);
      pos += take;
    }

    if (this.prefixFilled > 0) {
      const held = this.prefixFilled;
      const take = Math.min(4 - held, len - pos);
      let prefix = this.prefix;
      for (let i = pos; i < pos + take; i++) prefix = (prefix << 8) | chunk[i]!;
      this.prefix = prefix;
      this.prefixFilled = held + take;
      pos += take;
      if (this.prefixFilled < 4) return;
      this.prefixFilled = 0;
      this.prefix = 0;
      const size = prefix | 0;
      this.checkSize(size, base + pos - 4);
      const frame = Buffer.allocUnsafe(size + 4);
      frame.writeInt32BE(size, 0);
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
        if (this.streamer !== undefined && end - pos >= STREAM_MIN_FRAME_BYTES) {
          if (len - pos >= STREAM_HEAD_BYTES) {
            this.offerHead(chunk.subarray(pos, len), end - pos);
          } else {
            // Too little to decide on (a broker often writes a fetch response's header apart from
            // its records): the head is gathered first, a small copy.
            this.head = Buffer.allocUnsafe(STREAM_HEAD_BYTES);
            chunk.copy(this.head, 0, pos, len);
            this.headFilled = len - pos;
            this.headFrameLength = end - pos;
          }
          return;
        }
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
      let prefix = 0;
      for (let i = pos; i < len; i++) prefix = (prefix << 8) | chunk[i]!;
      this.prefix = prefix;
      this.prefixFilled = len - pos;
    }
  }

  /**
   * Offers the head of a large frame to the streamer: taken, the rest is streamed; declined, the
   * frame is reassembled from the head on.
   */
  private offerHead(head: Buffer, frameLength: number): void {
    if (this.streamer!.onHead(head, frameLength)) {
      this.streamRemaining = frameLength - head.length;
      return;
    }
    const frame = Buffer.allocUnsafe(frameLength);
    head.copy(frame, 0);
    this.partial = frame;
    this.partialFilled = head.length;
  }

  private checkSize(size: number, offset: number): void {
    if (size < 0 || size > this.maxFrameSize) {
      this.failed = new FrameSizeError(size, this.maxFrameSize, offset);
      throw this.failed;
    }
  }
}
