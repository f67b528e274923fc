import { ByteReader } from '../wire/reader.ts';
import { ByteWriter } from '../wire/writer.ts';
import { RecordsDecodeError } from './errors.ts';

/** Control record types by id (ControlRecordTypeSchema); Kafka maps other ids to UNKNOWN. */
export const CONTROL_RECORD_TYPES = [
  'ABORT',
  'COMMIT',
  'LEADER_CHANGE',
  'SNAPSHOT_HEADER',
  'SNAPSHOT_FOOTER',
  'KRAFT_VERSION',
  'KRAFT_VOTERS',
] as const;
export type ControlRecordType = (typeof CONTROL_RECORD_TYPES)[number] | 'UNKNOWN';

export interface ControlRecordKey {
  readonly version: number;
  readonly typeId: number;
  readonly type: ControlRecordType;
}

/** A transaction marker's value (EndTxnMarker). */
export interface EndTxnMarker {
  readonly version: number;
  readonly coordinatorEpoch: number;
}

function reader(bytes: Buffer | null, what: string): ByteReader {
  if (bytes === null) throw new RecordsDecodeError(`${what} is null`, 0);
  return new ByteReader(bytes);
}

function relabel<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof RecordsDecodeError) throw e;
    const err = e as { reason?: string; offset?: number };
    throw new RecordsDecodeError(`${what}: ${err.reason ?? String(e)}`, err.offset ?? 0);
  }
}

/** Decodes the key of a record in a control batch; offsets in errors are within the key. */
export function decodeControlRecordKey(key: Buffer | null): ControlRecordKey {
  return relabel('control record key', () => {
    const r = reader(key, 'control record key');
    const version = r.int16();
    if (version < 0) r.fail(`negative control record key version ${version}`);
    const typeId = r.int16();
    return { version, typeId, type: CONTROL_RECORD_TYPES[typeId] ?? 'UNKNOWN' };
  });
}

/** Decodes the value of an ABORT or COMMIT control record. */
export function decodeEndTxnMarker(value: Buffer | null): EndTxnMarker {
  return relabel('transaction marker', () => {
    const r = reader(value, 'transaction marker');
    const version = r.int16();
    // Kafka reads newer versions as version 0, whose fields every later version keeps first.
    if (version < 0) r.fail(`negative transaction marker version ${version}`);
    return { version, coordinatorEpoch: r.int32() };
  });
}

export function encodeControlRecordKey(type: 'ABORT' | 'COMMIT'): Buffer {
  const w = ByteWriter.into(Buffer.allocUnsafe(4));
  w.int16(0);
  w.int16(CONTROL_RECORD_TYPES.indexOf(type));
  return w.finish();
}

export function encodeEndTxnMarker(coordinatorEpoch: number): Buffer {
  const w = ByteWriter.into(Buffer.allocUnsafe(6));
  w.int16(0);
  w.int32(coordinatorEpoch);
  return w.finish();
}
