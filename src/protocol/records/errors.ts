import { DecodeError } from '../wire/errors.ts';

/** A malformed record batch or message set; `offset` is relative to the `records` bytes being read. */
export class RecordsDecodeError extends DecodeError {
  constructor(reason: string, offset: number) {
    super(reason, offset, { message: 'records' });
  }
}

/** A batch's stored checksum does not match its bytes. */
export class CorruptRecordsError extends RecordsDecodeError {
  readonly stored: number;
  readonly computed: number;

  constructor(stored: number, computed: number, offset: number) {
    super(`checksum mismatch: stored ${stored}, computed ${computed}`, offset);
    this.stored = stored;
    this.computed = computed;
  }
}
