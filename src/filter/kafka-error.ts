import { SwitchyardError } from '../errors.ts';
import { type ErrorCode, errorCodeName } from '../protocol/generated/error-codes.ts';

/**
 * A Kafka error: a code plus an optional message for responses that carry one. The code is
 * `errorCode` because `code` is SwitchyardError's machine-readable string.
 */
export class KafkaError extends SwitchyardError {
  readonly errorCode: ErrorCode;

  constructor(errorCode: ErrorCode, message?: string) {
    super('ERR_KAFKA', message ?? errorCodeName(errorCode) ?? `Kafka error ${errorCode}`);
    this.errorCode = errorCode;
  }
}
