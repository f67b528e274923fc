import { DecodeError } from '../wire/errors.ts';

/** Compressed data is malformed or uses a form Kafka does not (`offset`: where in the caller's buffer). */
export class DecompressionError extends DecodeError {
  constructor(reason: string, offset: number, options?: { cause?: unknown }) {
    super(reason, offset, { message: 'compressed records' });
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Decompressing would produce more than the configured limit (a decompression bomb, or a limit too low). */
export class DecompressionLimitError extends DecompressionError {
  readonly limit: number;

  constructor(limit: number, offset: number) {
    super(`decompressed data would exceed the limit of ${limit} bytes`, offset);
    this.limit = limit;
  }
}
