import { compress, decompress } from '../compression/index.ts';
import { type CompressionType, compressionTypeId } from '../compression/types.ts';
import { DecodeError } from '../wire/errors.ts';
import { ByteReader } from '../wire/reader.ts';
import { ByteWriter, sizeOfVarint, sizeOfVarlong } from '../wire/writer.ts';
import {
  ATTRIBUTES,
  CONTROL_FLAG,
  CRC,
  DELETE_HORIZON_FLAG,
  LOG_OVERHEAD,
  RECORDS,
  type RecordBatchView,
  TIMESTAMP_TYPE_FLAG,
  type TimestampType,
  TRANSACTIONAL_FLAG,
} from './batch-view.ts';
import { crc32c } from './crc32c.ts';
import { RecordsDecodeError } from './errors.ts';

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

/** One record of a v2 batch; key, value and header values are views of the batch (or of its decompressed records). */
export interface KafkaRecord {
  /** Unused by Kafka so far; kept so that a re-encoded record is unchanged. */
  readonly attributes: number;
  /** Added to the batch's baseTimestamp. */
  readonly timestampDelta: bigint;
  /** Added to the batch's baseOffset. */
  readonly offsetDelta: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

/** A decoded record batch (magic 2): the header fields and the records; the input of `encodeRecordBatch`. */
export interface RecordBatch {
  readonly baseOffset: bigint;
  readonly partitionLeaderEpoch: number;
  readonly compression: CompressionType;
  readonly timestampType: TimestampType;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  readonly hasDeleteHorizon: boolean;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: bigint;
  readonly maxTimestamp: bigint;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly records: readonly KafkaRecord[];
}

/** The decompression limit unless one is given: Kafka's default maximum message size is 1 MiB, fetches 50 MiB. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export interface DecodeRecordsOptions {
  /** Decompressing a batch to more than this is a DecompressionLimitError. */
  readonly maxDecompressedBytes?: number;
  /** Check the batch checksum first (default true). */
  readonly verifyChecksum?: boolean;
}

/** The smallest encoded record: length, attributes, timestamp and offset deltas, key, value, header count. */
const MIN_RECORD_SIZE = 7;

/**
 * Decodes a batch's records (decompressing them if needed). Throws DecodeError subclasses only:
 * CorruptRecordsError for a checksum mismatch, DecompressionError/DecompressionLimitError for
 * compressed data, RecordsDecodeError for anything else.
 */
export async function decodeRecordBatch(
  view: RecordBatchView,
  options: DecodeRecordsOptions = {},
): Promise<RecordBatch> {
  if (options.verifyChecksum !== false) view.ensureValid();
  const compression = view.compression;
  const count = view.recordCount;
  const recordsAt = view.position + RECORDS;
  let reader: ByteReader;
  if (compression === 'none') {
    reader = new ByteReader(view.bytes, RECORDS);
  } else {
    const data = await decompress(compression, view.recordsBytes, {
      maxBytes: options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
      offset: recordsAt,
    });
    reader = new ByteReader(data);
  }
  // Offsets name a byte of the `records` bytes; inside decompressed data that is the start of the
  // compressed section, and the reason says where in the decompressed bytes.
  const fail = (reason: string, at: number): never => {
    if (compression === 'none') throw new RecordsDecodeError(reason, view.position + at);
    throw new RecordsDecodeError(`${reason} (at byte ${at} of the decompressed records)`, recordsAt);
  };
  if (count < 0 || count > reader.remaining() / MIN_RECORD_SIZE) {
    throw new RecordsDecodeError(`record count ${count} does not fit in ${reader.remaining()} bytes`, recordsAt - 4);
  }
  const records: KafkaRecord[] = new Array(count);
  try {
    for (let i = 0; i < count; i++) records[i] = readRecord(reader);
  } catch (e) {
    if (e instanceof DecodeError) fail(e.reason, e.offset);
    throw e;
  }
  if (reader.remaining() !== 0) fail(`${reader.remaining()} bytes follow the last of ${count} records`, reader.offset);
  return {
    baseOffset: view.baseOffset,
    partitionLeaderEpoch: view.partitionLeaderEpoch,
    compression,
    timestampType: view.timestampType,
    isTransactional: view.isTransactional,
    isControl: view.isControl,
    hasDeleteHorizon: view.hasDeleteHorizon,
    lastOffsetDelta: view.lastOffsetDelta,
    baseTimestamp: view.baseTimestamp,
    maxTimestamp: view.maxTimestamp,
    producerId: view.producerId,
    producerEpoch: view.producerEpoch,
    baseSequence: view.baseSequence,
    records,
  };
}

function readRecord(r: ByteReader): KafkaRecord {
  const length = r.varint();
  const start = r.offset;
  if (length < 0 || length > r.remaining()) r.fail(`record length ${length} with ${r.remaining()} bytes left`);
  const attributes = r.int8();
  const timestampDelta = r.varlong();
  const offsetDelta = r.varint();
  // Like Kafka, any negative length means null.
  const keyLength = r.varint();
  const key = keyLength < 0 ? null : r.bytes(keyLength);
  const valueLength = r.varint();
  const value = valueLength < 0 ? null : r.bytes(valueLength);
  const headerCount = r.varint();
  if (headerCount < 0 || headerCount > r.remaining() / 2) r.fail(`record header count ${headerCount}`);
  const headers: RecordHeader[] = new Array(headerCount);
  for (let i = 0; i < headerCount; i++) {
    const keySize = r.varint();
    if (keySize < 0) r.fail(`record header key length ${keySize}`);
    const headerKey = r.utf8(keySize);
    const headerValueLength = r.varint();
    headers[i] = { key: headerKey, value: headerValueLength < 0 ? null : r.bytes(headerValueLength) };
  }
  if (r.offset - start !== length) r.fail(`record declares ${length} bytes but holds ${r.offset - start}`);
  return { attributes, timestampDelta, offsetDelta, key, value, headers };
}

// A 64-bit zigzag varint of a value within int32 range is the same bytes as the 32-bit one, which
// is computed without BigInt arithmetic; timestamp deltas nearly always fit.
const INT32_MIN = -0x80000000n;
const INT32_MAX = 0x7fffffffn;

function sizeOfTimestampDelta(delta: bigint): number {
  return delta >= INT32_MIN && delta <= INT32_MAX ? sizeOfVarint(Number(delta)) : sizeOfVarlong(delta);
}

function writeTimestampDelta(w: ByteWriter, delta: bigint): void {
  if (delta >= INT32_MIN && delta <= INT32_MAX) w.varint(Number(delta));
  else w.varlong(delta);
}

function sizeOfNullableBytes(b: Uint8Array | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

function sizeOfRecordBody(record: KafkaRecord): number {
  let size =
    1 +
    sizeOfTimestampDelta(record.timestampDelta) +
    sizeOfVarint(record.offsetDelta) +
    sizeOfNullableBytes(record.key) +
    sizeOfNullableBytes(record.value) +
    sizeOfVarint(record.headers.length);
  for (const h of record.headers) {
    const keyLength = Buffer.byteLength(h.key);
    size += sizeOfVarint(keyLength) + keyLength + sizeOfNullableBytes(h.value);
  }
  return size;
}

function writeNullableBytes(w: ByteWriter, b: Uint8Array | null): void {
  if (b === null) {
    w.varint(-1);
  } else {
    w.varint(b.length);
    w.bytes(b);
  }
}

function writeRecords(w: ByteWriter, records: readonly KafkaRecord[], bodySizes: Int32Array): void {
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    w.varint(bodySizes[i]!);
    w.int8(record.attributes);
    writeTimestampDelta(w, record.timestampDelta);
    w.varint(record.offsetDelta);
    writeNullableBytes(w, record.key);
    writeNullableBytes(w, record.value);
    w.varint(record.headers.length);
    for (const h of record.headers) {
      const keyLength = Buffer.byteLength(h.key);
      w.varint(keyLength);
      w.utf8(h.key, keyLength);
      writeNullableBytes(w, h.value);
    }
  }
}

/**
 * Encodes a batch with `batch.compression`, computing batchLength, the record count and the
 * checksum. An uncompressed batch costs one allocation. Values out of range are an EncodeError.
 */
export async function encodeRecordBatch(batch: RecordBatch): Promise<Buffer> {
  const records = batch.records;
  const bodySizes = new Int32Array(records.length);
  let recordsSize = 0;
  for (let i = 0; i < records.length; i++) {
    const body = sizeOfRecordBody(records[i]!);
    bodySizes[i] = body;
    recordsSize += sizeOfVarint(body) + body;
  }
  let out: Buffer;
  if (batch.compression === 'none') {
    out = Buffer.allocUnsafe(RECORDS + recordsSize);
    writeRecords(ByteWriter.into(out, RECORDS), records, bodySizes);
  } else {
    const plain = Buffer.allocUnsafe(recordsSize);
    writeRecords(ByteWriter.into(plain), records, bodySizes);
    const packed = await compress(batch.compression, plain);
    out = Buffer.allocUnsafe(RECORDS + packed.length);
    packed.copy(out, RECORDS);
  }
  const attributes =
    compressionTypeId(batch.compression) |
    (batch.timestampType === 'LogAppendTime' ? TIMESTAMP_TYPE_FLAG : 0) |
    (batch.isTransactional ? TRANSACTIONAL_FLAG : 0) |
    (batch.isControl ? CONTROL_FLAG : 0) |
    (batch.hasDeleteHorizon ? DELETE_HORIZON_FLAG : 0);
  const w = ByteWriter.into(out);
  w.int64(batch.baseOffset);
  w.int32(out.length - LOG_OVERHEAD);
  w.int32(batch.partitionLeaderEpoch);
  w.int8(2);
  w.uint32(0); // the crc, once the bytes it covers are written
  w.int16(attributes);
  w.int32(batch.lastOffsetDelta);
  w.int64(batch.baseTimestamp);
  w.int64(batch.maxTimestamp);
  w.int64(batch.producerId);
  w.int16(batch.producerEpoch);
  w.int32(batch.baseSequence);
  w.int32(records.length);
  out.writeUInt32BE(crc32c(out, ATTRIBUTES), CRC);
  return out;
}

/** Re-encodes a batch with another codec (or none), keeping every header field and record. */
export async function recompressRecordBatch(
  view: RecordBatchView,
  compression: CompressionType,
  options: DecodeRecordsOptions = {},
): Promise<Buffer> {
  const batch = await decodeRecordBatch(view, options);
  return encodeRecordBatch({ ...batch, compression });
}
