import { type ErrorCode, errorCodeName } from '../protocol/generated/error-codes.ts';

/**
 * A Kafka error: a code plus an optional message for responses that carry one (routing.md §3.0).
 * Unlike Switchyard's own errors it extends Error directly, because its `code` is Kafka's numeric
 * error code, not a Switchyard error string.
 */
export class KafkaError extends Error {
  override readonly name = 'KafkaError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message?: string) {
    super(message ?? errorCodeName(code) ?? `Kafka error ${code}`);
    this.code = code;
  }
}
