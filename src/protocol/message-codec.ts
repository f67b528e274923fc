// The uniform interface over every generated message codec, and the wrapper that turns any failure
// inside a generated reader into a DecodeError naming the API, version and byte offset.
import type { MessageSchema } from './schema.ts';
import { DecodeError, EncodeError } from './wire/errors.ts';
import type { ByteReader } from './wire/reader.ts';
import type { ByteWriter } from './wire/writer.ts';

export interface MessageCodec<T> {
  /** Kafka's message name, e.g. `MetadataResponse`; also the TypeScript type name. */
  readonly name: string;
  readonly schema: MessageSchema;
  /** Lowest and highest version this codec reads and writes (all valid versions of the spec). */
  readonly minVersion: number;
  readonly maxVersion: number;
  /** Lowest flexible version, or -1 when no version is flexible. */
  readonly firstFlexibleVersion: number;
  /** Reads one message; throws only DecodeError. The reader may have bytes left afterwards. */
  decode(r: ByteReader, version: number): T;
  encode(w: ByteWriter, msg: T, version: number): void;
  /** Exactly the number of bytes `encode` writes. */
  size(msg: T, version: number): number;
  /** A fresh message with every field at its spec default. */
  defaults(): T;
}

export interface ApiCodecs<Req, Res> {
  readonly apiKey: number;
  /** Kafka's `ApiKeys` name, e.g. `METADATA`. */
  readonly name: string;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
}

export function makeCodec<T>(
  schema: MessageSchema,
  read: (r: ByteReader, version: number) => T,
  write: (w: ByteWriter, msg: T, version: number) => void,
  size: (msg: T, version: number) => number,
  defaults: () => T,
): MessageCodec<T> {
  const [minVersion, maxVersion] = schema.validVersions ?? [0, -1];
  const name = schema.name;
  const context = { apiKey: schema.apiKey, apiVersion: 0, message: name };
  const checkEncodable = (version: number): void => {
    if (!(version >= minVersion && version <= maxVersion)) {
      throw new EncodeError(`${name} has no version ${version} (valid: ${minVersion}-${maxVersion})`);
    }
  };
  return {
    name,
    schema,
    minVersion,
    maxVersion,
    firstFlexibleVersion: schema.flexibleVersions?.[0] ?? -1,
    decode(r: ByteReader, version: number): T {
      if (!(version >= minVersion && version <= maxVersion)) {
        throw new DecodeError(`unsupported version (valid: ${minVersion}-${maxVersion})`, r.offset, {
          ...context,
          apiVersion: version,
        });
      }
      try {
        return read(r, version);
      } catch (err) {
        throw asDecodeError(err, r.offset, { ...context, apiVersion: version });
      }
    },
    encode(w: ByteWriter, msg: T, version: number): void {
      checkEncodable(version);
      write(w, msg, version);
    },
    size(msg: T, version: number): number {
      checkEncodable(version);
      return size(msg, version);
    },
    defaults,
  };
}

/**
 * Decoders promise to throw only DecodeError; anything else escaping a generated reader (a bug, or a
 * stack overflow on absurd nesting) is reported as one too, at the reader's position.
 */
export function asDecodeError(
  err: unknown,
  offset: number,
  context: { apiKey?: number | undefined; apiVersion?: number; message?: string },
): DecodeError {
  const ctx = {
    ...(context.apiKey !== undefined ? { apiKey: context.apiKey } : {}),
    ...(context.apiVersion !== undefined ? { apiVersion: context.apiVersion } : {}),
    ...(context.message !== undefined ? { message: context.message } : {}),
  };
  if (err instanceof DecodeError) return err.withContext(ctx);
  const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new DecodeError(reason, offset, ctx);
}
