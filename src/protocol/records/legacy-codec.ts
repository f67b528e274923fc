import { decompress } from '../compression/index.ts';
import { DecodeError } from '../wire/errors.ts';
import { ByteReader } from '../wire/reader.ts';
import { DEFAULT_MAX_DECOMPRESSED_BYTES, type DecodeRecordsOptions } from './batch-codec.ts';
import type { TimestampType } from './batch-view.ts';
import { RecordsDecodeError } from './errors.ts';
import { LEGACY_TIMESTAMP, LegacyMessageView } from './legacy-view.ts';
import { splitBatches } from './split.ts';

/** A message of format v0/v1 with its absolute offset (for a compressed message, each wrapped one). */
export interface LegacyRecord {
  readonly magic: 0 | 1;
  readonly offset: bigint;
  /** -1 for magic 0. */
  readonly timestamp: bigint;
  readonly timestampType: TimestampType | null;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

interface KeyValue {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Where the value starts in the message. */
  readonly valueAt: number;
}

function keyValue(message: LegacyMessageView): KeyValue {
  const r = new ByteReader(message.bytes, message.magic === 0 ? LEGACY_TIMESTAMP : LEGACY_TIMESTAMP + 8);
  try {
    // Like Kafka, any negative length means null.
    const keyLength = r.int32();
    const key = keyLength < 0 ? null : r.bytes(keyLength);
    const valueLength = r.int32();
    const valueAt = r.offset;
    const value = valueLength < 0 ? null : r.bytes(valueLength);
    if (r.remaining() !== 0) r.fail(`${r.remaining()} bytes follow the message value`);
    return { key, value, valueAt };
  } catch (e) {
    if (e instanceof DecodeError) throw new RecordsDecodeError(e.reason, message.position + e.offset);
    throw e;
  }
}

/**
 * Reads a legacy message: itself if uncompressed, else the messages it wraps (read-only: Switchyard
 * never writes these formats). Throws DecodeError subclasses only.
 */
export async function decodeLegacyMessages(
  message: LegacyMessageView,
  options: DecodeRecordsOptions = {},
): Promise<LegacyRecord[]> {
  const verify = options.verifyChecksum !== false;
  if (verify) message.ensureValid();
  const { key, value, valueAt } = keyValue(message);
  const compression = message.compression;
  if (compression === 'none') {
    return [
      {
        magic: message.magic,
        offset: message.offset,
        timestamp: message.timestamp,
        timestampType: message.timestampType,
        key,
        value,
      },
    ];
  }
  const at = message.position + valueAt;
  if (value === null) throw new RecordsDecodeError('compressed message has a null value', at - 4);
  const data = await decompress(compression, value, {
    maxBytes: options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    offset: at,
    legacyLz4HeaderChecksum: message.magic === 0,
  });
  const records: LegacyRecord[] = [];
  try {
    for (const inner of splitBatches(data).batches) {
      if (!(inner instanceof LegacyMessageView) || inner.magic !== message.magic) {
        throw new RecordsDecodeError(
          `magic ${inner.magic} message inside a magic ${message.magic} one`,
          inner.position,
        );
      }
      if (verify) inner.ensureValid();
      if (inner.compression !== 'none')
        throw new RecordsDecodeError('compressed message inside a compressed one', inner.position);
      const kv = keyValue(inner);
      records.push({
        magic: inner.magic,
        offset: inner.offset,
        timestamp: inner.timestamp,
        timestampType: inner.timestampType,
        key: kv.key,
        value: kv.value,
      });
    }
  } catch (e) {
    if (e instanceof DecodeError) {
      throw new RecordsDecodeError(`${e.reason} (at byte ${e.offset} of the decompressed message set)`, at);
    }
    throw e;
  }
  if (message.magic === 1 && records.length > 0) {
    // Since v1 wrapped messages carry offsets relative to the first, and the wrapper the absolute
    // offset of the last; a log-append time on the wrapper applies to every wrapped message.
    const shift = message.offset - records[records.length - 1]!.offset;
    const logAppend = message.timestampType === 'LogAppendTime';
    return records.map((r) => ({
      ...r,
      offset: r.offset + shift,
      ...(logAppend ? { timestamp: message.timestamp, timestampType: 'LogAppendTime' as const } : {}),
    }));
  }
  return records;
}
