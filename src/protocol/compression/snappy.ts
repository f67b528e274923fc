import { compressSync, uncompressSync } from 'snappy';
import { DecompressionError, DecompressionLimitError } from './errors.ts';
import type { Codec } from './types.ts';

// snappy-java's stream framing ("xerial"), which the Java producer writes and Kafka reads: a magic,
// two int32 versions, then blocks of int32 length + raw snappy. Kafka also reads plain raw snappy
// (anything without the magic), as some non-Java clients write it.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
/** snappy-java's default block size, which Kafka's producer uses. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

function isXerialHeader(data: Buffer, at: number): boolean {
  return data.length - at >= XERIAL_HEADER_SIZE && data.compare(XERIAL_MAGIC, 0, 8, at, at + 8) === 0;
}

/** The uncompressed length a raw snappy block declares in its uvarint preamble, or -1 if malformed. */
function declaredLength(data: Buffer, start: number, end: number): number {
  let value = 0;
  for (let shift = 0, at = start; shift < 35 && at < end; shift += 7) {
    const b = data[at++]!;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value;
  }
  return -1;
}

function rawBlock(data: Buffer, start: number, end: number, budget: number, maxBytes: number, offset: number): Buffer {
  const length = declaredLength(data, start, end);
  if (length < 0) throw new DecompressionError('malformed snappy block length', offset + start);
  if (length > budget) throw new DecompressionLimitError(maxBytes, offset + start);
  try {
    return uncompressSync(data.subarray(start, end), { asBuffer: true }) as Buffer;
  } catch (e) {
    throw new DecompressionError(`invalid snappy block: ${(e as Error).message}`, offset + start, { cause: e });
  }
}

export const snappy: Codec = {
  compress(data) {
    const blocks = Math.ceil(data.length / XERIAL_BLOCK_SIZE);
    const parts: Buffer[] = [];
    const header = Buffer.allocUnsafe(XERIAL_HEADER_SIZE);
    XERIAL_MAGIC.copy(header, 0);
    header.writeInt32BE(1, 8);
    header.writeInt32BE(1, 12);
    parts.push(header);
    for (let i = 0; i < blocks; i++) {
      const block = compressSync(data.subarray(i * XERIAL_BLOCK_SIZE, (i + 1) * XERIAL_BLOCK_SIZE));
      const length = Buffer.allocUnsafe(4);
      length.writeInt32BE(block.length, 0);
      parts.push(length, block);
    }
    return Buffer.concat(parts);
  },

  decompress(data, { maxBytes, offset }) {
    if (!isXerialHeader(data, 0)) return rawBlock(data, 0, data.length, maxBytes, maxBytes, offset);
    const blocks: Buffer[] = [];
    let total = 0;
    let at = 0;
    while (at < data.length) {
      // snappy-java accepts concatenated streams, each with its own header.
      if (isXerialHeader(data, at)) {
        at += XERIAL_HEADER_SIZE;
        continue;
      }
      if (data.length - at < 4) throw new DecompressionError('truncated snappy block length', offset + at);
      const length = data.readInt32BE(at);
      if (length < 0 || length > data.length - at - 4) {
        throw new DecompressionError(`snappy block length ${length} exceeds the data`, offset + at);
      }
      const block = rawBlock(data, at + 4, at + 4 + length, maxBytes - total, maxBytes, offset);
      total += block.length;
      blocks.push(block);
      at += 4 + length;
    }
    return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total);
  },
};
