import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { DecompressionError, DecompressionLimitError } from './errors.ts';
import type { Codec } from './types.ts';

// Kafka compresses with the LZ4 frame format: independent blocks, no checksums beyond the header
// checksum. lz4-napi writes the same (with 64 KiB or, for larger inputs, 256 KiB blocks, both of
// which Kafka reads).
const FRAME_MAGIC = 0x184d2204;
const BLOCK_MAX_SIZES = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

/** xxHash32 (seed 0) of fewer than 16 bytes: all a frame descriptor needs. */
function xxh32Short(data: Buffer, start: number, end: number): number {
  let h = (PRIME5 + (end - start)) | 0;
  let at = start;
  for (; at + 4 <= end; at += 4) {
    h = (h + Math.imul(data.readUInt32LE(at), PRIME3)) | 0;
    h = Math.imul((h << 17) | (h >>> 15), PRIME4);
  }
  for (; at < end; at++) {
    h = (h + Math.imul(data[at]!, PRIME5)) | 0;
    h = Math.imul((h << 11) | (h >>> 21), PRIME1);
  }
  h = Math.imul(h ^ (h >>> 15), PRIME2);
  h = Math.imul(h ^ (h >>> 13), PRIME3);
  return (h ^ (h >>> 16)) >>> 0;
}

interface FrameLayout {
  /** Offset of the header checksum byte. */
  readonly checksumAt: number;
  /** The frame's maximum block size. */
  readonly blockMax: number;
  /** An upper bound of the decompressed size, from the block sizes. */
  readonly maxOutput: number;
}

/**
 * Walks the frame's block headers without decompressing, to bound the output before lz4 allocates
 * it: every compressed block decompresses to at most the frame's block maximum.
 */
function layout(data: Buffer, offset: number): FrameLayout {
  const fail = (reason: string, at: number): never => {
    throw new DecompressionError(`invalid lz4 frame: ${reason}`, offset + at);
  };
  if (data.length < 7) fail('truncated frame header', 0);
  if (data.readUInt32LE(0) !== FRAME_MAGIC) fail('not an lz4 frame (bad magic)', 0);
  const flags = data[4]!;
  if (flags >>> 6 !== 1) fail(`unsupported frame version ${flags >>> 6}`, 4);
  const blockChecksums = (flags & 0x10) !== 0;
  const contentChecksum = (flags & 0x04) !== 0;
  const blockMax = BLOCK_MAX_SIZES[(data[5]! >>> 4) & 7]!;
  if (blockMax === 0) fail('invalid block maximum size', 5);
  const hasContentSize = (flags & 0x08) !== 0;
  const checksumAt = 6 + (hasContentSize ? 8 : 0) + ((flags & 0x01) !== 0 ? 4 : 0);
  if (data.length <= checksumAt) fail('truncated frame header', data.length);
  let at = checksumAt + 1;
  let maxOutput = 0;
  for (;;) {
    if (data.length - at < 4) fail('truncated block header', at);
    const word = data.readUInt32LE(at);
    if (word === 0) break;
    const size = word & 0x7fffffff;
    const uncompressed = word >>> 31 === 1;
    if (size > blockMax) fail(`block of ${size} bytes exceeds the frame's maximum of ${blockMax}`, at);
    at += 4 + size + (blockChecksums ? 4 : 0);
    if (at > data.length) fail('truncated block', data.length);
    maxOutput += uncompressed ? size : blockMax;
  }
  if (contentChecksum && data.length - at < 8) fail('truncated content checksum', at);
  // A declared content size is only a hint to lz4 but must not exceed what the blocks can hold.
  if (hasContentSize && Number(data.readBigUInt64LE(6)) > maxOutput) fail('content size exceeds the blocks', 6);
  return { checksumAt, blockMax, maxOutput };
}

export const lz4: Codec = {
  compress: (data) => compressFrameSync(data),

  decompress(data, { maxBytes, offset, legacyLz4HeaderChecksum }) {
    // Writers fill every block but the last, so the bound overshoots by less than one block: allow
    // that slack up front (lz4 allocates at most maxBytes + one block) and check the exact size after.
    const { checksumAt, blockMax, maxOutput } = layout(data, offset);
    if (maxOutput >= maxBytes + blockMax) throw new DecompressionLimitError(maxBytes, offset);
    let frame = data;
    if (legacyLz4HeaderChecksum) {
      // lz4 checks the header checksum; give it the correct one in a copy rather than trusting the old.
      frame = Buffer.from(data);
      frame[checksumAt] = (xxh32Short(frame, 4, checksumAt) >>> 8) & 0xff;
    }
    let out: Buffer;
    try {
      out = decompressFrameSync(frame);
    } catch (e) {
      throw new DecompressionError(`invalid lz4 data: ${(e as Error).message}`, offset, { cause: e });
    }
    if (out.length > maxBytes) throw new DecompressionLimitError(maxBytes, offset);
    return out;
  },
};
