// Loads Kafka's JSON message specs (JSON with `//` comments) into a checked model the generator and
// the tests share.
import { readFileSync } from 'node:fs';
import { readZipEntries } from './zip.ts';

/** Inclusive version range; `max` is 0x7fff for an open range ("3+"); null means "none". */
export type Versions = readonly [min: number, max: number] | null;

export const OPEN = 0x7fff;

export function parseVersions(text: string | undefined, fallback: Versions = null): Versions {
  if (text === undefined) return fallback;
  const s = text.trim();
  if (s === 'none') return null;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return [Number(m[1]), OPEN];
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return [Number(m[1]), Number(m[2])];
  m = /^(\d+)$/.exec(s);
  if (m) return [Number(m[1]), Number(m[1])];
  throw new Error(`bad version range ${JSON.stringify(text)}`);
}

export function intersect(a: Versions, b: Versions): Versions {
  if (a === null || b === null) return null;
  const lo = Math.max(a[0], b[0]);
  const hi = Math.min(a[1], b[1]);
  return lo <= hi ? [lo, hi] : null;
}

export function contains(range: Versions, v: number): boolean {
  return range !== null && v >= range[0] && v <= range[1];
}

export interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  flexibleVersions?: string;
  default?: string | number | boolean;
  ignorable?: boolean;
  mapKey?: boolean;
  entityType?: string;
  about?: string;
  zeroCopy?: boolean;
  fields?: RawField[];
}

export interface RawSpec {
  apiKey?: number;
  type: 'request' | 'response' | 'header' | 'data' | string;
  name: string;
  validVersions: string;
  flexibleVersions?: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: Array<{ name: string; versions?: string; fields: RawField[] }>;
}

/** Removes `//` comments outside string literals, which is all Kafka's JSON dialect adds. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else {
      out += c;
    }
  }
  return out;
}

/** The raw specs of `common/message/*.json` in the jar, sorted by file name. */
export function loadSpecsFromJar(jarPath: string): RawSpec[] {
  const entries = readZipEntries(readFileSync(jarPath), (n) => /^common\/message\/[^/]+\.json$/.test(n));
  return [...entries.keys()].sort().map((name) => {
    try {
      return JSON.parse(stripJsonComments(entries.get(name)!.toString('utf8'))) as RawSpec;
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`, { cause: err });
    }
  });
}
