// Helpers the generated codecs call for the rare, non-hot parts of the format: unknown tagged fields,
// version errors and default checks of tagged struct fields.
import type { FieldSchema, StructSchema } from './schema.ts';
import { EncodeError } from './wire/errors.ts';
import type { ByteReader } from './wire/reader.ts';
import type { ByteWriter } from './wire/writer.ts';
import { sizeOfUvarint } from './wire/writer.ts';

/** A tagged field this codec does not know, kept as its raw bytes so it is re-encoded unchanged. */
export interface RawTaggedField {
  readonly tag: number;
  readonly data: Buffer;
}

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);

/** Reads the value of an unknown tag (its size was already read) as a zero-copy slice. */
export function readRawTag(
  r: ByteReader,
  tag: number,
  size: number,
  into: RawTaggedField[] | undefined,
): RawTaggedField[] {
  const list = into ?? [];
  list.push({ tag, data: r.bytes(size) });
  return list;
}

export function writeRawTag(w: ByteWriter, field: RawTaggedField): void {
  w.uvarint(field.tag);
  w.uvarint(field.data.length);
  w.bytes(field.data);
}

/** A whole tagged-field section made only of unknown fields. */
export function writeRawTags(w: ByteWriter, fields: readonly RawTaggedField[] | undefined): void {
  if (fields === undefined) {
    w.uvarint(0);
    return;
  }
  w.uvarint(fields.length);
  for (const f of fields) writeRawTag(w, f);
}

export function sizeOfRawTags(fields: readonly RawTaggedField[] | undefined): number {
  if (fields === undefined) return 0;
  let size = 0;
  for (const f of fields) size += sizeOfUvarint(f.tag) + sizeOfUvarint(f.data.length) + f.data.length;
  return size;
}

/** Kafka refuses to drop a non-default value of a non-ignorable field the version lacks; so do we. */
export function unsupportedField(message: string, field: string, version: number): EncodeError {
  return new EncodeError(`${message}.${field} is set but version ${version} does not carry it`);
}

export function nullField(message: string, field: string, version: number): EncodeError {
  return new EncodeError(`${message}.${field} is null but not nullable in version ${version}`);
}

/**
 * True when `value` equals the struct's default instance (every field at its default, no unknown
 * tagged fields), which is when Kafka leaves a tagged struct field out.
 */
export function isDefaultStruct(value: object, schema: StructSchema): boolean {
  const record = value as Record<string, unknown>;
  const unknown = record.unknownTaggedFields as RawTaggedField[] | undefined;
  if (unknown !== undefined && unknown.length > 0) return false;
  for (const field of schema.fields) {
    if (!isDefaultValue(record[field.name], field)) return false;
  }
  return true;
}

function isDefaultValue(v: unknown, field: FieldSchema): boolean {
  // An absent tagged field is at its default.
  if (v === undefined) return true;
  if (field.isArray) return field.default === null ? v === null : Array.isArray(v) && v.length === 0;
  if (field.struct)
    return field.default === null ? v === null : v !== null && isDefaultStruct(v as object, field.struct);
  if (field.primitive === 'bytes' || field.primitive === 'records') {
    return field.default === null ? v === null : v !== null && (v as Buffer).length === 0;
  }
  return v === field.default;
}
