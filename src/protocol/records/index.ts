export type { DecodeRecordsOptions, KafkaRecord, RecordBatch, RecordHeader } from './batch-codec.ts';
export {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  decodeRecordBatch,
  encodeRecordBatch,
  recompressRecordBatch,
} from './batch-codec.ts';
export type { TimestampType } from './batch-view.ts';
export { RecordBatchView } from './batch-view.ts';
export type { ControlRecordKey, ControlRecordType, EndTxnMarker } from './control.ts';
export {
  CONTROL_RECORD_TYPES,
  decodeControlRecordKey,
  decodeEndTxnMarker,
  encodeControlRecordKey,
  encodeEndTxnMarker,
} from './control.ts';
export { crc32c } from './crc32c.ts';
export { crc32cAfterChange } from './crc32c-update.ts';
export { CorruptRecordsError, RecordsDecodeError } from './errors.ts';
export type { LegacyRecord } from './legacy-codec.ts';
export { decodeLegacyMessages } from './legacy-codec.ts';
export { LegacyMessageView } from './legacy-view.ts';
export type { BatchView, SplitOptions, SplitRecords } from './split.ts';
export { splitBatches } from './split.ts';
