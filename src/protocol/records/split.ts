import { LOG_OVERHEAD, MAGIC, RECORDS, RecordBatchView } from './batch-view.ts';
import { RecordsDecodeError } from './errors.ts';
import { LEGACY_MIN_SIZE_V0, LEGACY_MIN_SIZE_V1, LegacyMessageView } from './legacy-view.ts';

export type BatchView = RecordBatchView | LegacyMessageView;

export interface SplitRecords {
  /** Every complete batch (magic 2) or legacy message (magic 0/1), in order, as views. */
  readonly batches: BatchView[];
  /** What follows the last complete batch: empty, or a partial batch a fetch response may end with. */
  readonly tail: Buffer;
}

export interface SplitOptions {
  /**
   * Brokers cut fetch responses at a byte limit, so their last batch may be partial; consumers ignore
   * it. Allow that here (it lands in `tail`); otherwise a partial batch is a RecordsDecodeError.
   */
  readonly allowPartialTail?: boolean;
}

const MIN_SIZES = [LEGACY_MIN_SIZE_V0, LEGACY_MIN_SIZE_V1, RECORDS - LOG_OVERHEAD];

/**
 * Cuts a `records` field into batches by reading only each entry's size and magic: nothing is
 * copied, checked, decompressed or decoded (see `ensureValid` and the decoders for that).
 */
export function splitBatches(records: Buffer, options: SplitOptions = {}): SplitRecords {
  const batches: BatchView[] = [];
  const len = records.length;
  let pos = 0;
  while (pos < len) {
    const remaining = len - pos;
    if (remaining < LOG_OVERHEAD) {
      if (options.allowPartialTail) break;
      throw new RecordsDecodeError(`${remaining} bytes left, too few for a batch header`, pos);
    }
    const size = records.readInt32BE(pos + 8);
    if (size < LEGACY_MIN_SIZE_V0) throw new RecordsDecodeError(`batch size ${size} below the minimum`, pos + 8);
    const end = pos + LOG_OVERHEAD + size;
    if (end > len) {
      if (options.allowPartialTail) break;
      throw new RecordsDecodeError(`batch of ${size} bytes but only ${remaining - LOG_OVERHEAD} remain`, pos + 8);
    }
    const magic = records[pos + MAGIC]!;
    const minSize = MIN_SIZES[magic];
    if (minSize === undefined) throw new RecordsDecodeError(`unknown magic ${magic}`, pos + MAGIC);
    if (size < minSize) throw new RecordsDecodeError(`magic ${magic} batch size ${size} below the minimum`, pos + 8);
    const bytes = records.subarray(pos, end);
    batches.push(magic === 2 ? new RecordBatchView(bytes, pos) : new LegacyMessageView(bytes, pos));
    pos = end;
  }
  return { batches, tail: records.subarray(pos) };
}
