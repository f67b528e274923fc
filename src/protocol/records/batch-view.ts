import { COMPRESSION_TYPES, type CompressionType } from '../compression/types.ts';
import { crc32c } from './crc32c.ts';
import { CorruptRecordsError, RecordsDecodeError } from './errors.ts';

export type TimestampType = 'CreateTime' | 'LogAppendTime';

// Record batch v2 layout (KIP-98): byte offsets of the header fields.
export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
export const RECORDS = 61;
/** baseOffset and batchLength precede what batchLength counts. */
export const LOG_OVERHEAD = 12;

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_FLAG = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;
/** KIP-534: the baseTimestamp holds the delete horizon of a compacted batch. */
export const DELETE_HORIZON_FLAG = 0x40;

/**
 * A record batch (magic 2) read in place: the getters read header fields straight from the bytes,
 * and nothing is decompressed or decoded. `position` is where the batch starts in the `records`
 * bytes it came from, which is what error offsets are relative to.
 */
export class RecordBatchView {
  readonly magic = 2;
  /** The whole batch, from baseOffset to its last byte. */
  readonly bytes: Buffer;
  readonly position: number;

  constructor(bytes: Buffer, position: number) {
    this.bytes = bytes;
    this.position = position;
  }

  get baseOffset(): bigint {
    return this.bytes.readBigInt64BE(BASE_OFFSET);
  }
  get batchLength(): number {
    return this.bytes.readInt32BE(BATCH_LENGTH);
  }
  get partitionLeaderEpoch(): number {
    return this.bytes.readInt32BE(PARTITION_LEADER_EPOCH);
  }
  get crc(): number {
    return this.bytes.readUInt32BE(CRC);
  }
  get attributes(): number {
    return this.bytes.readInt16BE(ATTRIBUTES);
  }
  /** The codec; an id Kafka does not define is a RecordsDecodeError. */
  get compression(): CompressionType {
    const id = this.bytes[ATTRIBUTES + 1]! & COMPRESSION_MASK;
    const type = COMPRESSION_TYPES[id];
    if (type === undefined) throw new RecordsDecodeError(`unknown compression codec ${id}`, this.position + ATTRIBUTES);
    return type;
  }
  get timestampType(): TimestampType {
    return this.bytes[ATTRIBUTES + 1]! & TIMESTAMP_TYPE_FLAG ? 'LogAppendTime' : 'CreateTime';
  }
  get isTransactional(): boolean {
    return (this.bytes[ATTRIBUTES + 1]! & TRANSACTIONAL_FLAG) !== 0;
  }
  get isControl(): boolean {
    return (this.bytes[ATTRIBUTES + 1]! & CONTROL_FLAG) !== 0;
  }
  get hasDeleteHorizon(): boolean {
    return (this.bytes[ATTRIBUTES + 1]! & DELETE_HORIZON_FLAG) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.bytes.readInt32BE(LAST_OFFSET_DELTA);
  }
  get lastOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta);
  }
  get baseTimestamp(): bigint {
    return this.bytes.readBigInt64BE(BASE_TIMESTAMP);
  }
  get maxTimestamp(): bigint {
    return this.bytes.readBigInt64BE(MAX_TIMESTAMP);
  }
  get producerId(): bigint {
    return this.bytes.readBigInt64BE(PRODUCER_ID);
  }
  get producerEpoch(): number {
    return this.bytes.readInt16BE(PRODUCER_EPOCH);
  }
  get baseSequence(): number {
    return this.bytes.readInt32BE(BASE_SEQUENCE);
  }
  get recordCount(): number {
    return this.bytes.readInt32BE(RECORD_COUNT);
  }
  /** The records section as stored (compressed when `compression` is not 'none'); a view. */
  get recordsBytes(): Buffer {
    return this.bytes.subarray(RECORDS);
  }

  /** CRC32C of everything after the crc field, as Kafka computes it. */
  computeCrc(): number {
    return crc32c(this.bytes, ATTRIBUTES, this.bytes.length);
  }

  isValid(): boolean {
    return this.computeCrc() === this.crc;
  }

  /** Throws CorruptRecordsError unless the stored crc matches. */
  ensureValid(): void {
    const computed = this.computeCrc();
    if (computed !== this.crc) throw new CorruptRecordsError(this.crc, computed, this.position + CRC);
  }
}
