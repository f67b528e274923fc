import { crc32 } from 'node:zlib';
import { COMPRESSION_TYPES, type CompressionType } from '../compression/types.ts';
import type { TimestampType } from './batch-view.ts';
import { CorruptRecordsError, RecordsDecodeError } from './errors.ts';

// Message format v0/v1 (before KIP-98): one message per entry; a compressed message wraps a whole
// message set in its value.
export const LEGACY_OFFSET = 0;
export const LEGACY_SIZE = 8;
export const LEGACY_CRC = 12;
export const LEGACY_MAGIC = 16;
export const LEGACY_ATTRIBUTES = 17;
export const LEGACY_TIMESTAMP = 18;
/** Smallest message (after offset and size): crc, magic, attributes, key length, value length. */
export const LEGACY_MIN_SIZE_V0 = 14;
/** v1 adds an int64 timestamp. */
export const LEGACY_MIN_SIZE_V1 = 22;

/** A legacy message (magic 0 or 1) read in place; nothing is decompressed. */
export class LegacyMessageView {
  readonly magic: 0 | 1;
  readonly bytes: Buffer;
  /** Where the message starts in the `records` bytes it came from. */
  readonly position: number;

  constructor(bytes: Buffer, position: number) {
    this.bytes = bytes;
    this.position = position;
    this.magic = bytes[LEGACY_MAGIC] === 1 ? 1 : 0;
  }

  /** For a compressed message, the offset of the last message it wraps. */
  get offset(): bigint {
    return this.bytes.readBigInt64BE(LEGACY_OFFSET);
  }
  get messageSize(): number {
    return this.bytes.readInt32BE(LEGACY_SIZE);
  }
  get crc(): number {
    return this.bytes.readUInt32BE(LEGACY_CRC);
  }
  get attributes(): number {
    return this.bytes.readInt8(LEGACY_ATTRIBUTES);
  }
  get compression(): CompressionType {
    const id = this.bytes[LEGACY_ATTRIBUTES]! & 0x07;
    const type = COMPRESSION_TYPES[id];
    // zstd arrived with magic 2 only.
    if (type === undefined || type === 'zstd') {
      throw new RecordsDecodeError(
        `unknown compression codec ${id} for magic ${this.magic}`,
        this.position + LEGACY_ATTRIBUTES,
      );
    }
    return type;
  }
  /** null for magic 0, which has no timestamps. */
  get timestampType(): TimestampType | null {
    if (this.magic === 0) return null;
    return this.bytes[LEGACY_ATTRIBUTES]! & 0x08 ? 'LogAppendTime' : 'CreateTime';
  }
  /** -1 (Kafka's NO_TIMESTAMP) for magic 0. */
  get timestamp(): bigint {
    return this.magic === 0 ? -1n : this.bytes.readBigInt64BE(LEGACY_TIMESTAMP);
  }

  /** CRC32 (not CRC32C) of everything after the crc field. */
  computeCrc(): number {
    return crc32(this.bytes.subarray(LEGACY_MAGIC));
  }

  isValid(): boolean {
    return this.computeCrc() === this.crc;
  }

  ensureValid(): void {
    const computed = this.computeCrc();
    if (computed !== this.crc) throw new CorruptRecordsError(this.crc, computed, this.position + LEGACY_CRC);
  }
}
