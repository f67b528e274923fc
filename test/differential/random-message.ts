// Random instances of any message version, driven by the run-time schema and a seeded generator:
// nulls where the version allows them, empty and large arrays, multi-byte strings, extreme numbers,
// tagged fields present or absent. Fields the version lacks keep their defaults (Kafka refuses to
// drop non-default values of such fields).
import type { FieldSchema, StructSchema } from '../../src/protocol/schema.ts';
import { versionIn } from '../../src/protocol/schema.ts';

export type Rng = () => number;

/** mulberry32: small, fast and good enough for test data. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['', 'a', 'orders', 'topic-é', '日本語', 'emoji-🚀', 'x'.repeat(40), 'payments.v2', 'ß'];

function int(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function pickInt(rng: Rng, lo: number, hi: number): number {
  const r = rng();
  if (r < 0.1) return lo;
  if (r < 0.2) return hi;
  if (r < 0.35) return Math.max(lo, Math.min(hi, int(rng, -1, 1)));
  return int(rng, lo, hi);
}

function randomBytes(rng: Rng, max: number): Buffer {
  const b = Buffer.alloc(int(rng, 0, max));
  for (let i = 0; i < b.length; i++) b[i] = int(rng, 0, 255);
  return b;
}

function primitive(rng: Rng, type: string | undefined): unknown {
  switch (type) {
    case 'bool':
      return rng() < 0.5;
    case 'int8':
      return pickInt(rng, -128, 127);
    case 'int16':
      return pickInt(rng, -32768, 32767);
    case 'uint16':
      return pickInt(rng, 0, 65535);
    case 'int32':
      return pickInt(rng, -2147483648, 2147483647);
    case 'uint32':
      return pickInt(rng, 0, 4294967295);
    case 'int64': {
      const r = rng();
      if (r < 0.1) return -(1n << 63n);
      if (r < 0.2) return (1n << 63n) - 1n;
      if (r < 0.4) return BigInt(int(rng, -1, 1000));
      return BigInt.asIntN(64, (BigInt(int(rng, 0, 0xffffffff)) << 32n) | BigInt(int(rng, 0, 0xffffffff)));
    }
    case 'float64':
      // Non-integral, so that both JSON printers keep a fraction and parse back to the same double.
      return (int(rng, -1e6, 1e6) + 0.25) * (rng() < 0.5 ? 1 : 1e-3);
    case 'string':
      return WORDS[int(rng, 0, WORDS.length - 1)]! + (rng() < 0.3 ? String(int(rng, 0, 99)) : '');
    case 'bytes':
      return randomBytes(rng, 24);
    case 'records':
      return randomBytes(rng, 96);
    case 'uuid':
      return uuid(rng);
  }
  throw new Error(`no random value for ${type}`);
}

function uuid(rng: Rng): string {
  const b = Buffer.alloc(16);
  if (rng() >= 0.1) for (let i = 0; i < 16; i++) b[i] = int(rng, 0, 255);
  return b.toString('base64url');
}

export function defaultValue(field: FieldSchema): unknown {
  if (field.isArray) return field.default === null ? null : [];
  if (field.struct) return field.default === null ? null : defaultStruct(field.struct);
  return field.default;
}

function defaultStruct(schema: StructSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of schema.fields) if (f.taggedVersions === null) out[f.name] = defaultValue(f);
  return out;
}

export function randomMessage(schema: StructSchema, version: number, rng: Rng, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const present = versionIn(field.versions, version);
    const tagged = versionIn(field.taggedVersions, version);
    if (!present) {
      if (field.taggedVersions === null) out[field.name] = defaultValue(field);
      continue;
    }
    if (tagged && rng() < 0.4) continue;
    out[field.name] = randomField(field, version, rng, depth);
  }
  return out;
}

function randomField(field: FieldSchema, version: number, rng: Rng, depth: number): unknown {
  if (versionIn(field.nullableVersions, version) && rng() < 0.15) return null;
  const element = (): unknown =>
    field.struct ? randomMessage(field.struct, version, rng, depth + 1) : primitive(rng, field.primitive);
  if (!field.isArray) return element();
  const r = rng();
  // Large arrays only near the root, so a message stays small enough for thousands of cases.
  const length = r < 0.2 ? 0 : r < 0.9 || depth > 0 ? int(rng, 1, 3) : int(rng, 20, field.struct ? 40 : 300);
  return Array.from({ length }, element);
}
