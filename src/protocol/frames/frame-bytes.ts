/**
 * The bytes of one frame (size prefix included) as the proxy holds them: one buffer, or, for a
 * large frame, the pieces it arrived in (views of the socket reads, in order, never copied
 * together). Reads and writes take offsets in the whole frame, wherever the pieces break it, so a
 * walk over the frame (`forEachRequestRecords`, the response skims) and an in-place change of a
 * few bytes (a record batch header) work the same on both.
 *
 * One instance is reused for every frame of its owner: a holder must not keep it, or a view of it,
 * past the call it was given in.
 */
export class FrameBytes {
  /** The frame's length in bytes. */
  length = 0;
  /** Where the body starts (after the request or response header). */
  bodyOffset = 0;
  #pieces: readonly Buffer[] = [];
  /** Frame offset of each piece's first byte. */
  readonly #starts: number[] = [];
  /** The piece the last access fell in: walks move forward, so the next one is usually there. */
  #at = 0;

  /** Points this instance at `pieces` (one or more views, in order). */
  reset(pieces: readonly Buffer[], bodyOffset: number): this {
    this.#pieces = pieces;
    const starts = this.#starts;
    starts.length = pieces.length;
    let length = 0;
    for (let i = 0; i < pieces.length; i++) {
      starts[i] = length;
      length += pieces[i]!.length;
    }
    this.length = length;
    this.bodyOffset = bodyOffset;
    this.#at = 0;
    return this;
  }

  /** The pieces, in order; one for a frame that arrived whole. */
  get pieces(): readonly Buffer[] {
    return this.#pieces;
  }

  readUInt8(offset: number): number {
    const piece = this.#pieceOf(offset);
    return this.#pieces[piece]![offset - this.#starts[piece]!]!;
  }

  readInt8(offset: number): number {
    const value = this.readUInt8(offset);
    return value > 0x7f ? value - 0x100 : value;
  }

  readUInt16BE(offset: number): number {
    const piece = this.#pieceOf(offset);
    const local = offset - this.#starts[piece]!;
    const buf = this.#pieces[piece]!;
    if (local + 2 <= buf.length) return buf.readUInt16BE(local);
    return (this.readUInt8(offset) << 8) | this.readUInt8(offset + 1);
  }

  readInt16BE(offset: number): number {
    const value = this.readUInt16BE(offset);
    return value > 0x7fff ? value - 0x10000 : value;
  }

  readInt32BE(offset: number): number {
    const piece = this.#pieceOf(offset);
    const local = offset - this.#starts[piece]!;
    const buf = this.#pieces[piece]!;
    if (local + 4 <= buf.length) return buf.readInt32BE(local);
    return (
      (this.readUInt8(offset) << 24) |
      (this.readUInt8(offset + 1) << 16) |
      (this.readUInt8(offset + 2) << 8) |
      this.readUInt8(offset + 3)
    );
  }

  readUInt32BE(offset: number): number {
    return this.readInt32BE(offset) >>> 0;
  }

  /**
   * The bytes `[start, end)`: a view of the frame itself when they lie in one piece (writes to it
   * change the frame), otherwise undefined; see `copy` and `write` for ranges across pieces.
   */
  view(start: number, end: number): Buffer | undefined {
    const piece = this.#pieceOf(start);
    const local = start - this.#starts[piece]!;
    const buf = this.#pieces[piece]!;
    return end - start <= buf.length - local ? buf.subarray(local, local + (end - start)) : undefined;
  }

  /** Copies the bytes `[start, end)` to `target` from `targetStart`. */
  copy(target: Buffer, targetStart: number, start: number, end: number): void {
    for (let offset = start; offset < end; ) {
      const piece = this.#pieceOf(offset);
      const local = offset - this.#starts[piece]!;
      const buf = this.#pieces[piece]!;
      const take = Math.min(end - offset, buf.length - local);
      buf.copy(target, targetStart + (offset - start), local, local + take);
      offset += take;
    }
  }

  /** Writes `source` into the frame from `offset`, across pieces if need be. */
  write(source: Buffer, offset: number): void {
    for (let done = 0; done < source.length; ) {
      const piece = this.#pieceOf(offset + done);
      const local = offset + done - this.#starts[piece]!;
      const buf = this.#pieces[piece]!;
      const take = Math.min(source.length - done, buf.length - local);
      source.copy(buf, local, done, done + take);
      done += take;
    }
  }

  /** The index of the piece holding `offset`; RangeError outside the frame. */
  #pieceOf(offset: number): number {
    if (offset < 0 || offset >= this.length)
      throw new RangeError(`offset ${offset} is outside the frame of ${this.length} bytes`);
    const starts = this.#starts;
    let piece = this.#at;
    if (offset < starts[piece]!) piece = 0;
    while (piece + 1 < starts.length && starts[piece + 1]! <= offset) piece++;
    this.#at = piece;
    return piece;
  }
}
