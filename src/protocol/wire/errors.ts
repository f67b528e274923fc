import { SwitchyardError } from '../../errors.ts';

export interface DecodeErrorContext {
  /** Api key of the message being decoded, when known. */
  readonly apiKey?: number;
  /** Version of the message being decoded, when known. */
  readonly apiVersion?: number;
  /** Human-readable name of the message or structure, e.g. `MetadataResponse`. */
  readonly message?: string;
}

/**
 * The only error a decoder throws on malformed input: it names where in the buffer the problem is
 * (`offset` is absolute within the buffer handed to the reader) and, once a message decoder has
 * seen it, which API and version was being decoded.
 */
export class DecodeError extends SwitchyardError {
  readonly offset: number;
  readonly apiKey?: number;
  readonly apiVersion?: number;
  /** The bare reason, without the location prefix the message carries. */
  readonly reason: string;

  constructor(reason: string, offset: number, context: DecodeErrorContext = {}) {
    super('ERR_PROTOCOL_DECODE', DecodeError.describe(reason, offset, context));
    this.reason = reason;
    this.offset = offset;
    if (context.apiKey !== undefined) this.apiKey = context.apiKey;
    if (context.apiVersion !== undefined) this.apiVersion = context.apiVersion;
  }

  private static describe(reason: string, offset: number, context: DecodeErrorContext): string {
    const what =
      context.message ?? (context.apiKey !== undefined ? `api key ${context.apiKey}` : undefined) ?? 'Kafka message';
    const version = context.apiVersion !== undefined ? ` v${context.apiVersion}` : '';
    return `cannot decode ${what}${version} at byte ${offset}: ${reason}`;
  }

  /** The same error with the API and version filled in (a low-level reader does not know them). */
  withContext(context: DecodeErrorContext): DecodeError {
    if (this.apiKey !== undefined && this.apiVersion !== undefined) return this;
    return new DecodeError(this.reason, this.offset, {
      apiKey: this.apiKey ?? context.apiKey,
      apiVersion: this.apiVersion ?? context.apiVersion,
      message: context.message,
    });
  }
}

/**
 * Thrown by writers when a value cannot be represented on the wire (an int16 out of range, a
 * string too long for its length prefix, a null where the version does not allow one).
 */
export class EncodeError extends SwitchyardError {
  constructor(message: string) {
    super('ERR_PROTOCOL_ENCODE', message);
  }
}
