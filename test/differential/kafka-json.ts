// Maps Switchyard messages to and from the JSON of Kafka's generated `XxxDataJsonConverter`s:
// int64 as JSON numbers (kept exact here through the parser's source text), bytes and records as
// base64, uuids as Kafka's base64url strings, tagged fields omitted when at their default.
import type { FieldSchema, StructSchema } from '../../src/protocol/schema.ts';
import { versionIn } from '../../src/protocol/schema.ts';

const BIG_MARK = '\u0000big:';

/** Switchyard message → the JSON text Kafka's converter reads. */
export function toKafkaJsonText(msg: unknown, schema: StructSchema, version: number): string {
  const text = JSON.stringify(toKafkaJson(msg, schema, version));
  // JSON.stringify cannot print bigint; write int64 values as exact JSON numbers.
  return text.replace(/"\\u0000big:(-?\d+)"/g, '$1');
}

function toKafkaJson(msg: unknown, schema: StructSchema, version: number): Record<string, unknown> {
  const record = msg as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of schema.fields) {
    if (!versionIn(field.versions, version)) continue;
    const value = record[field.name];
    if (value === undefined) continue;
    out[field.name] = field.isArray
      ? value === null
        ? null
        : (value as unknown[]).map((e) => valueToJson(e, field, version))
      : valueToJson(value, field, version);
  }
  return out;
}

function valueToJson(value: unknown, field: FieldSchema, version: number): unknown {
  if (value === null) return null;
  if (field.struct) return toKafkaJson(value, field.struct, version);
  switch (field.primitive) {
    case 'int64':
      return `${BIG_MARK}${value}`;
    case 'bytes':
    case 'records':
      return (value as Buffer).toString('base64');
    default:
      return value;
  }
}

/** Parses JSON keeping every number as its source text, so int64 values stay exact. */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, (_key, value, context?: { source?: string }) =>
    typeof value === 'number' ? { num: context?.source ?? String(value) } : value,
  );
}

/**
 * A canonical plain form of a message for comparisons, from either side: only the fields of the
 * version, absent tagged fields at their default, int64 as decimal strings, bytes as base64.
 * `fromKafka` says the input came from `parseJsonExact` of Kafka's converter output.
 */
export function canonical(msg: unknown, schema: StructSchema, version: number, fromKafka: boolean): unknown {
  const record = msg as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of schema.fields) {
    if (!versionIn(field.versions, version)) continue;
    let value = record[field.name];
    if (value === undefined) {
      if (field.taggedVersions === null || !versionIn(field.taggedVersions, version)) {
        throw new Error(`${schema.name}.${field.name} is missing`);
      }
      out[field.name] = canonicalDefault(field, version);
      continue;
    }
    if (field.isArray && value !== null) {
      value = (value as unknown[]).map((e) => canonicalValue(e, field, version, fromKafka));
      out[field.name] = value;
    } else {
      out[field.name] = canonicalValue(value, field, version, fromKafka);
    }
  }
  return out;
}

function canonicalDefault(field: FieldSchema, version: number): unknown {
  if (field.isArray) return field.default === null ? null : [];
  if (field.struct) {
    if (field.default === null) return null;
    const out: Record<string, unknown> = {};
    for (const f of field.struct.fields) {
      if (versionIn(f.versions, version)) out[f.name] = canonicalDefault(f, version);
    }
    return out;
  }
  const d = field.default;
  if (d === null) return null;
  if (typeof d === 'bigint') return d.toString();
  if (field.primitive === 'records') return 'records';
  if (d instanceof Uint8Array) return Buffer.from(d).toString('base64');
  return d;
}

function canonicalValue(value: unknown, field: FieldSchema, version: number, fromKafka: boolean): unknown {
  if (value === null) return null;
  if (field.struct) return canonical(value, field.struct, version, fromKafka);
  const num = (v: unknown): string => (fromKafka ? (v as { num: string }).num : String(v));
  switch (field.primitive) {
    case 'int64':
      return BigInt(num(value)).toString();
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return Number(num(value));
    case 'bytes':
      return fromKafka
        ? Buffer.from(value as string, 'base64').toString('base64')
        : (value as Buffer).toString('base64');
    case 'records':
      // Kafka's converters print records as an empty binary whatever they hold, so only presence is
      // comparable here; the record bytes themselves are covered by the byte-for-byte comparison.
      return 'records';
    default:
      return value;
  }
}
