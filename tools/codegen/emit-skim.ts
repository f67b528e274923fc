// Emits src/protocol/generated/skim.ts: for the responses whose broker endpoints travel in a
// top-level tagged field (PRODUCE's and FETCH's `NodeEndpoints`, and the KRaft quorum responses'),
// a skim that tells whether that field is present and non-empty without decoding the body. A
// top-level tagged field sits after every other field of the body, so the skim steps over the body
// as its wire format lays it out, version by version: one small function per struct and version
// (versions with the same layout share one), counts and lengths read, everything else skipped.
// The same walk, with `records` fields reported instead of skipped, finds the record batches of the
// requests that carry them (PRODUCE) in every version, so that a router can look at their headers
// without decoding the request. And with broker-id fields read instead of skipped, it tells a
// routing level whether a PRODUCE or FETCH response holds any id it must translate: usually none
// (the ids of these responses are -1 sentinels or tagged fields sent when a leader moved), so the
// response passes on undecoded.
import { namesBrokerId } from '../../src/protocol/schema.ts';
import type { FieldModel, MessageModel, StructModel } from './model.ts';
import { apiKeyConstName } from './model.ts';

const FIXED_SIZE: Record<string, number> = {
  bool: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  float64: 8,
  uuid: 16,
};

function inRange(range: readonly [number, number] | null, version: number): boolean {
  return range !== null && version >= range[0] && version <= range[1];
}

/**
 * The field a response's skim looks for: a top-level tagged array of structs with a `Host` string
 * and a `Port` int32, i.e. broker endpoints. Undefined for the responses that have none.
 */
export function endpointsTaggedField(m: MessageModel): FieldModel | undefined {
  if (m.kind !== 'response') return undefined;
  return m.root.fields.find(
    (f) =>
      f.tagged !== null &&
      f.isArray &&
      f.struct?.fields.some((x) => x.specName === 'Host' && x.primitive === 'string') === true &&
      f.struct.fields.some((x) => x.specName === 'Port' && x.primitive === 'int32'),
  );
}

function isBrokerId(f: FieldModel): boolean {
  return namesBrokerId(f.specName, f.primitive, f.entityType);
}

/** Whether `s` at `version` holds a broker-id field, at any depth, tagged or not. */
function holdsBrokerIds(s: StructModel, version: number): boolean {
  return s.fields.some(
    (f) =>
      inRange(f.versions, version) && (isBrokerId(f) || (f.struct !== undefined && holdsBrokerIds(f.struct, version))),
  );
}

/** The tags of `s`'s tagged fields at `version` that hold broker ids, as a bit mask. */
function brokerIdTagMask(s: StructModel, version: number): number {
  let mask = 0;
  for (const f of s.fields) {
    if (!inRange(f.tagged, version) || f.tag === undefined) continue;
    if (!isBrokerId(f) && !(f.struct !== undefined && holdsBrokerIds(f.struct, version))) continue;
    if (f.tag > 30) throw new Error(`${s.specName}.${f.specName}: tag ${f.tag} does not fit the skim's mask`);
    mask |= 1 << f.tag;
  }
  return mask;
}

/**
 * What a walk does besides stepping over the body: nothing ('skip'), report `records` fields to
 * the visitor ('visit'), or stop at the first broker id that needs translating ('ids').
 */
type WalkMode = 'skip' | 'visit' | 'ids';

/** Collects the skip functions of one message, deduplicating versions whose layouts are equal. */
class SkipperSet {
  readonly functions: string[] = [];
  readonly #byBody = new Map<string, string>();
  readonly #m: MessageModel;
  readonly #mode: WalkMode;

  constructor(m: MessageModel, mode: WalkMode = 'skip') {
    this.#m = m;
    this.#mode = mode;
  }

  /** The name of the function that skips `s` at `version` (emitted on first request). */
  skipper(s: StructModel, version: number, isRoot: boolean): string {
    const body = this.#body(s, version, isRoot);
    const key = `${s.tsName}\n${body}`;
    const known = this.#byBody.get(key);
    if (known !== undefined) return known;
    const name = `${this.#mode === 'skip' ? 'skip' : this.#mode === 'visit' ? 'walk' : 'ids'}${s.tsName}V${version}`;
    this.#byBody.set(key, name);
    const what = isRoot
      ? `${s.tsName} v${version} (and later versions of the same layout), up to its tagged fields`
      : `one ${s.tsName} of version ${version} (and later versions of the same layout)`;
    this.functions.push(`/** Steps over ${what}. */\nfunction ${name}(): void {\n${body}}`);
    return name;
  }

  #body(s: StructModel, version: number, isRoot: boolean): string {
    const flexible = inRange(this.#m.flexible, version);
    const lines: string[] = [];
    let fixed = 0;
    let fixedNames: string[] = [];
    const flush = () => {
      if (fixed > 0) lines.push(`  p += ${fixed}; // ${fixedNames.join(', ')}`);
      fixed = 0;
      fixedNames = [];
    };
    for (const f of s.fields) {
      if (!inRange(f.versions, version) || inRange(f.tagged, version)) continue;
      const compact = inRange(f.flexible, version);
      const nullable = inRange(f.nullable, version);
      const size = f.primitive !== undefined ? FIXED_SIZE[f.primitive] : undefined;
      const id = this.#mode === 'ids' && isBrokerId(f);
      if (!f.isArray && size !== undefined && !id) {
        fixed += size;
        fixedNames.push(f.specName);
        continue;
      }
      flush();
      if (id) {
        const count = compact ? 'compactCount()' : 'count32()';
        lines.push(
          f.isArray
            ? `  for (let n = ${count}; n > 0; n--) brokerId(); // ${f.specName}`
            : `  brokerId(); // ${f.specName}`,
        );
      } else if (f.isArray) {
        const count = compact ? 'compactCount()' : 'count32()';
        if (size !== undefined) {
          // Not \`p += count() * size\`: that reads p before count() moves it past the count.
          lines.push(`  skipElements(${count}, ${size}); // ${f.specName}`);
        } else {
          const element = f.struct
            ? `${this.skipper(f.struct, version, false)}();`
            : `${skipVariable(f.primitive!, compact)};`;
          lines.push(`  for (let n = ${count}; n > 0; n--) ${element} // ${f.specName}`);
        }
      } else if (f.struct) {
        const skip = `${this.skipper(f.struct, version, false)}();`;
        lines.push(nullable ? `  if (int8() >= 0) ${skip} // ${f.specName}` : `  ${skip} // ${f.specName}`);
      } else if (f.primitive === 'records' && this.#mode === 'visit') {
        lines.push(`  ${compact ? 'visitCompactRecords()' : 'visitRecords32()'}; // ${f.specName}`);
      } else {
        lines.push(`  ${skipVariable(f.primitive!, compact)}; // ${f.specName}`);
      }
    }
    flush();
    if (flexible && !isRoot) {
      const mask = this.#mode === 'ids' ? brokerIdTagMask(s, version) : 0;
      lines.push(mask === 0 ? '  skipTaggedFields();' : `  taggedBrokerIds(0x${mask.toString(16)});`);
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
}

function skipVariable(primitive: string, compact: boolean): string {
  if (compact) return 'skipCompactLength()';
  if (primitive === 'string') return 'skipLength16()';
  if (primitive === 'bytes' || primitive === 'records') return 'skipLength32()';
  throw new Error(`no skip for ${primitive}`);
}

// The cursor the generated functions share. Module state rather than an object passed around: a
// skim allocates nothing, and a malformed body throws one preallocated sentinel. It reads a
// FrameBytes, so a frame still in the pieces it arrived in is walked like a whole one.
const RUNTIME = `const NO_FRAME = new FrameBytes();
let frame: FrameBytes = NO_FRAME;
let p = 0;
let end = 0;
const MALFORMED = new Error('malformed body');

/** What a skim given a whole buffer reads it through: one instance, reset for each skim. */
const WHOLE = new FrameBytes();
const ONE_PIECE: Buffer[] = [];

/** Points the cursor at \`bytes\` (a whole frame with the body at \`bodyOffset\`, or a FrameBytes). */
function start(bytes: Buffer | FrameBytes, bodyOffset: number | undefined): void {
  if (bytes instanceof FrameBytes) {
    frame = bytes;
  } else {
    ONE_PIECE[0] = bytes;
    frame = WHOLE.reset(ONE_PIECE, bodyOffset ?? 0);
  }
  p = frame.bodyOffset;
  end = frame.length;
}

/** Lets go of the frame: holding on to it would keep a large one alive until the next skim. */
function finish(): void {
  frame = NO_FRAME;
  WHOLE.reset(NO_PIECES, 0);
  ONE_PIECE.length = 0;
}
const NO_PIECES: readonly Buffer[] = [];

function uvarint(): number {
  if (p >= end) throw MALFORMED;
  // Counts, lengths and tags are nearly always below 128: one byte.
  const first = frame.readUInt8(p++);
  if (first < 0x80) return first;
  let value = first & 0x7f;
  for (let shift = 7; shift < 35; shift += 7) {
    if (p >= end) throw MALFORMED;
    const byte = frame.readUInt8(p++);
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return value;
  }
  throw MALFORMED;
}

function int8(): number {
  if (p >= end) throw MALFORMED;
  return frame.readInt8(p++);
}

/** A compact array's element count (-1 for null); every element takes at least one byte. */
function compactCount(): number {
  const n = uvarint() - 1;
  if (n > end - p) throw MALFORMED;
  return n;
}

/** A classic array's int32 element count (-1 for null). */
function count32(): number {
  if (p + 4 > end) throw MALFORMED;
  const n = frame.readInt32BE(p);
  p += 4;
  if (n > end - p) throw MALFORMED;
  return n;
}

/** A compact string or bytes: uvarint length + 1 (0 for null), then the bytes. */
function skipCompactLength(): void {
  const n = uvarint() - 1;
  if (n > 0) p += n;
}

/** A classic string: int16 length (-1 for null), then the bytes. */
function skipLength16(): void {
  if (p + 2 > end) throw MALFORMED;
  const n = frame.readInt16BE(p);
  p += 2 + Math.max(0, n);
}

/** Classic bytes: int32 length (-1 for null), then the bytes. */
function skipLength32(): void {
  if (p + 4 > end) throw MALFORMED;
  const n = frame.readInt32BE(p);
  p += 4 + Math.max(0, n);
}

/** Elements of a fixed size; a null array counts -1. */
function skipElements(count: number, size: number): void {
  if (count > 0) p += count * size;
}

// The visitor of the request records walk, set for one walk only.
type Visitor = (frame: FrameBytes, start: number, end: number) => void;
const NO_VISITOR: Visitor = () => {};
let visitor: Visitor = NO_VISITOR;

/** Compact nullable records: uvarint length + 1 (0 for null), then the batches. */
function visitCompactRecords(): void {
  const n = uvarint() - 1;
  if (n < 0) return;
  if (p + n > end) throw MALFORMED;
  visitor(frame, p, p + n);
  p += n;
}

/** Classic nullable records: int32 length (-1 for null), then the batches. */
function visitRecords32(): void {
  if (p + 4 > end) throw MALFORMED;
  const n = frame.readInt32BE(p);
  p += 4;
  if (n < 0) return;
  if (p + n > end) throw MALFORMED;
  visitor(frame, p, p + n);
  p += n;
}

function skipTaggedFields(): void {
  for (let n = uvarint(); n > 0; n--) {
    uvarint();
    const size = uvarint();
    p += size;
    if (p > end) throw MALFORMED;
  }
}

/** Thrown by the broker-id skim at the first id to translate: nothing after it matters. */
const FOUND = new Error('broker id found');

/** An int32 broker id: a non-negative one must be translated; negative ones are sentinels. */
function brokerId(): void {
  if (p + 4 > end) throw MALFORMED;
  const id = frame.readInt32BE(p);
  p += 4;
  if (id >= 0) throw FOUND;
}

/** A tagged-field section in which the tags of \`mask\` hold broker ids: any of them present is found. */
function taggedBrokerIds(mask: number): void {
  for (let n = uvarint(); n > 0; n--) {
    const tag = uvarint();
    if (tag < 31 && ((mask >>> tag) & 1) !== 0) throw FOUND;
    const size = uvarint();
    p += size;
    if (p > end) throw MALFORMED;
  }
}

/**
 * Reads the top-level tagged fields at the cursor: whether the field \`tag\`, a compact array, is
 * there with at least one element. Tags come in ascending order, so a higher one ends the search.
 */
function taggedArrayNonEmpty(tag: number): boolean {
  if (p > end) throw MALFORMED;
  for (let n = uvarint(); n > 0; n--) {
    const found = uvarint();
    const size = uvarint();
    if (found === tag) return size > 0 && uvarint() > 1;
    if (found > tag) return false;
    p += size;
    if (p > end) throw MALFORMED;
  }
  return false;
}`;

/** Whether `s` has a field of type `records`, at any depth and in any version. */
function carriesRecords(s: StructModel): boolean {
  return s.fields.some((f) => f.primitive === 'records' || (f.struct !== undefined && carriesRecords(f.struct)));
}

export function emitSkim(messages: MessageModel[], banner: string): string {
  const sections: string[] = [];
  const table: string[] = [];
  const names: string[] = [];
  const walks: string[] = [];
  const walkNames: string[] = [];
  for (const m of messages) {
    if (m.kind !== 'request' || m.apiKey === undefined || m.valid === null || !carriesRecords(m.root)) continue;
    const set = new SkipperSet(m, 'visit');
    const roots: string[] = [];
    for (let v = m.valid[0]; v <= m.valid[1]; v++) roots.push(set.skipper(m.root, v, true));
    sections.push(`// ---- ${m.name}: records ----\n\n${set.functions.join('\n\n')}`);
    walks.push(
      `  // ${apiKeyConstName(m.name)} v${m.valid[0]}-${m.valid[1]}`,
      `  table[${m.apiKey}] = { firstVersion: ${m.valid[0]}, firstFlexible: ${m.flexible?.[0] ?? -1}, roots: [${roots.join(', ')}] };`,
    );
    walkNames.push(apiKeyConstName(m.name));
  }
  for (const m of messages) {
    const field = endpointsTaggedField(m);
    if (field === undefined || m.apiKey === undefined || field.tagged === null) continue;
    const set = new SkipperSet(m);
    const roots: string[] = [];
    for (let v = field.tagged[0]; v <= field.tagged[1]; v++) roots.push(set.skipper(m.root, v, true));
    sections.push(`// ---- ${m.name} ----\n\n${set.functions.join('\n\n')}`);
    table.push(
      `  // ${apiKeyConstName(m.name)} v${field.tagged[0]}-${field.tagged[1]}: ${field.specName}, tag ${field.tag}`,
      `  table[${m.apiKey}] = { firstVersion: ${field.tagged[0]}, tag: ${field.tag}, field: '${field.name}', roots: [${roots.join(', ')}] };`,
    );
    names.push(apiKeyConstName(m.name));
  }
  const idSkims: string[] = [];
  const idNames: string[] = [];
  for (const m of messages) {
    if (endpointsTaggedField(m) === undefined || m.apiKey === undefined || m.valid === null) continue;
    const set = new SkipperSet(m, 'ids');
    const roots: string[] = [];
    const masks: string[] = [];
    for (let v = m.valid[0]; v <= m.valid[1]; v++) {
      roots.push(set.skipper(m.root, v, true));
      masks.push(inRange(m.flexible, v) ? `0x${brokerIdTagMask(m.root, v).toString(16)}` : '-1');
    }
    sections.push(`// ---- ${m.name}: broker ids ----\n\n${set.functions.join('\n\n')}`);
    idSkims.push(
      `  // ${apiKeyConstName(m.name)} v${m.valid[0]}-${m.valid[1]}`,
      `  table[${m.apiKey}] = { firstVersion: ${m.valid[0]}, roots: [${roots.join(', ')}], topLevelTags: [${masks.join(', ')}] };`,
    );
    idNames.push(apiKeyConstName(m.name));
  }
  return `${banner}
//
// Whether a response carries broker endpoints in its top-level tagged field, answered without
// decoding: ${names.join(', ')}. The skim steps over the body as its version lays it out (counts
// and lengths read, every other byte skipped), then reads the tagged-field section. It allocates
// nothing and never throws.
//
// Where the record batches of a request are, found without decoding: ${walkNames.join(', ')}. The
// same walk reports each non-null \`records\` field instead of skipping it.
//
// Whether a response holds a broker id a routing level must translate, answered without decoding:
// ${idNames.join(', ')}. The same walk reads broker-id fields and tagged fields that may hold one.

import { FrameBytes } from '../frames/frame-bytes.ts';

${RUNTIME}

${sections.join('\n\n')}

interface Skim {
  readonly firstVersion: number;
  readonly tag: number;
  /** The message property the tagged field decodes into. */
  readonly field: string;
  /** Per version from firstVersion: steps over the body up to its tagged fields. */
  readonly roots: readonly (() => void)[];
}

const skims: readonly (Skim | undefined)[] = (() => {
  const table: (Skim | undefined)[] = [];
${table.join('\n')}
  return table;
})();

/**
 * The property name of the top-level tagged endpoints field \`skimTaggedEndpoints\` answers for, in
 * this response version; undefined when it has no skim for it.
 */
export function taggedEndpointsField(apiKey: number, apiVersion: number): string | undefined {
  const skim = skims[apiKey];
  if (skim === undefined || apiVersion < skim.firstVersion || apiVersion >= skim.firstVersion + skim.roots.length) {
    return undefined;
  }
  return skim.field;
}

/**
 * Whether the response body in \`bytes\` (a whole frame with the body from \`bodyOffset\`, or a
 * FrameBytes, which may be in pieces) carries its top-level tagged endpoints field with at least
 * one endpoint. Undefined when this response version has no such skim (see
 * \`taggedEndpointsField\`). A body too malformed to step over answers true: only a decode can tell
 * what is wrong with it, and it will say so.
 */
export function skimTaggedEndpoints(
  apiKey: number,
  apiVersion: number,
  bytes: Buffer | FrameBytes,
  bodyOffset?: number,
): boolean | undefined {
  const skim = skims[apiKey];
  if (skim === undefined) return undefined;
  const root = skim.roots[apiVersion - skim.firstVersion];
  if (root === undefined) return undefined;
  start(bytes, bodyOffset);
  try {
    root();
    return taggedArrayNonEmpty(skim.tag);
  } catch {
    return true;
  } finally {
    finish();
  }
}

interface RecordsWalk {
  readonly firstVersion: number;
  /** The first version with a tagged-field section after the body; -1 for none. */
  readonly firstFlexible: number;
  /** Per version from firstVersion: steps over the whole body, reporting its records fields. */
  readonly roots: readonly (() => void)[];
}

const walks: readonly (RecordsWalk | undefined)[] = (() => {
  const table: (RecordsWalk | undefined)[] = [];
${walks.join('\n')}
  return table;
})();

/** Whether \`forEachRequestRecords\` can walk requests of this api key and version. */
export function hasRecordsWalk(apiKey: number, apiVersion: number): boolean {
  const walk = walks[apiKey];
  return walk !== undefined && walk.roots[apiVersion - walk.firstVersion] !== undefined;
}

/**
 * Calls \`visit(frame, start, end)\` for every non-null \`records\` field of the request body in
 * \`requestFrame\` (from its \`bodyOffset\` to its end), in wire order, without decoding anything
 * else; \`start\` and \`end\` are offsets in the frame, which may be in pieces. Answers false when
 * this request version has no walk or the body is too malformed to step over (a decode will say
 * what is wrong with it); fields visited before the malformation was found stay visited, so a
 * caller that changes bytes walks once to look and once to change. What \`visit\` throws ends the
 * walk and reaches the caller.
 */
export function forEachRequestRecords(
  apiKey: number,
  apiVersion: number,
  requestFrame: FrameBytes,
  visit: (frame: FrameBytes, start: number, end: number) => void,
): boolean {
  const walk = walks[apiKey];
  if (walk === undefined) return false;
  const root = walk.roots[apiVersion - walk.firstVersion];
  if (root === undefined) return false;
  start(requestFrame, undefined);
  visitor = visit;
  try {
    root();
    if (walk.firstFlexible >= 0 && apiVersion >= walk.firstFlexible) skipTaggedFields();
    return p <= end;
  } catch (error) {
    if (error !== MALFORMED) throw error;
    return false;
  } finally {
    finish();
    visitor = NO_VISITOR;
  }
}

interface BrokerIdSkim {
  readonly firstVersion: number;
  /** Per version from firstVersion: steps over the body up to its tagged fields, reading ids. */
  readonly roots: readonly (() => void)[];
  /** Per version: the tags of the top-level tagged fields that hold ids; -1 for no such section. */
  readonly topLevelTags: readonly number[];
}

const brokerIdSkims: readonly (BrokerIdSkim | undefined)[] = (() => {
  const table: (BrokerIdSkim | undefined)[] = [];
${idSkims.join('\n')}
  return table;
})();

/**
 * Whether the response body in \`bytes\` (a whole frame with the body from \`bodyOffset\`, or a
 * FrameBytes) holds a broker id that a routing level must translate: a non-negative value in a
 * broker-id field, or a tagged field that can hold one. Undefined when this response version has
 * no such skim. A body too malformed to step over answers true: only a decode can tell what is
 * wrong with it, and it will say so.
 */
export function skimBrokerIds(
  apiKey: number,
  apiVersion: number,
  bytes: Buffer | FrameBytes,
  bodyOffset?: number,
): boolean | undefined {
  const skim = brokerIdSkims[apiKey];
  if (skim === undefined) return undefined;
  const root = skim.roots[apiVersion - skim.firstVersion];
  if (root === undefined) return undefined;
  const tags = skim.topLevelTags[apiVersion - skim.firstVersion]!;
  start(bytes, bodyOffset);
  try {
    root();
    if (tags >= 0) taggedBrokerIds(tags);
    return p > end;
  } catch {
    return true;
  } finally {
    finish();
  }
}
`;
}
