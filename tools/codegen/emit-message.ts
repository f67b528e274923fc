// Emits the TypeScript codec of one message spec: types, a reader, a writer, a size function and a
// defaults factory per struct, plus the run-time schema. Readers are straight-line code: each field
// is one read guarded by version comparisons, with no table interpretation at run time.
import type { FieldModel, MessageModel, StructModel } from './model.ts';
import type { Versions } from './spec.ts';
import { intersect } from './spec.ts';

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

const TS_TYPE: Record<string, string> = {
  bool: 'boolean',
  int8: 'number',
  int16: 'number',
  uint16: 'number',
  int32: 'number',
  uint32: 'number',
  int64: 'bigint',
  float64: 'number',
  string: 'string',
  bytes: 'Buffer',
  records: 'Buffer',
  uuid: 'Uuid',
};

/** A boolean expression over `version` true exactly for `range`, given that `version` is within `window`. */
export function cond(range: Versions, window: Versions): string {
  if (range === null || window === null) return 'false';
  const lo = Math.max(range[0], window[0]);
  const hi = Math.min(range[1], window[1]);
  if (lo > hi) return 'false';
  const parts: string[] = [];
  if (lo > window[0]) parts.push(`version >= ${lo}`);
  if (hi < window[1]) parts.push(`version <= ${hi}`);
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

function pick(c: string, yes: string, no: string): string {
  if (c === 'true') return yes;
  if (c === 'false') return no;
  return `(${c} ? ${yes} : ${no})`;
}

/** Statement form of `pick`, for statements that cannot be expressions. */
function pickStmt(c: string, yes: string, no: string): string {
  if (c === 'true') return yes;
  if (c === 'false') return no;
  return `if (${c}) { ${yes} } else { ${no} }`;
}

function isNullableAnywhere(f: FieldModel): boolean {
  return f.nullable !== null;
}

function elementType(f: FieldModel): string {
  return f.struct ? f.struct.tsName : TS_TYPE[f.primitive!]!;
}

export function fieldTsType(f: FieldModel): string {
  const elem = elementType(f);
  const base = f.isArray ? `${elem}[]` : elem;
  return isNullableAnywhere(f) ? `${base} | null` : base;
}

export function defaultExpr(f: FieldModel, msg: string): string {
  const d = f.defaultText;
  if (f.isArray) {
    if (d === 'null') return 'null';
    if (d !== undefined && d !== '') throw new Error(`${msg}.${f.specName}: array default ${d}`);
    return '[]';
  }
  if (f.struct) return d === 'null' ? 'null' : `default${f.struct.tsName}()`;
  switch (f.primitive) {
    case 'bool':
      return d === 'true' ? 'true' : 'false';
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32': {
      if (d === undefined) return '0';
      const n = /^-?0x/i.test(d) ? Number.parseInt(d, 16) : Number(d);
      if (!Number.isInteger(n)) throw new Error(`${msg}.${f.specName}: bad default ${d}`);
      return String(n);
    }
    case 'int64':
      return `${d === undefined ? 0n : BigInt(d)}n`;
    case 'float64':
      return d === undefined ? '0' : String(Number(d));
    case 'string':
      if (d === 'null') {
        if (f.nullable === null) throw new Error(`${msg}.${f.specName}: null default of a non-nullable string`);
        return 'null';
      }
      return JSON.stringify(d ?? '');
    case 'uuid':
      return 'ZERO_UUID';
    case 'bytes':
      return d === 'null' ? 'null' : 'EMPTY_BUFFER';
    case 'records':
      return d === 'null' || isNullableAnywhere(f) ? 'null' : 'EMPTY_BUFFER';
  }
  throw new Error(`${msg}.${f.specName}: no default for ${f.specType}`);
}

/** An expression true when `v` differs from the field's default (Kafka's rule for writing tagged fields). */
function nonDefaultExpr(f: FieldModel, v: string, msg: string): string {
  const d = defaultExpr(f, msg);
  if (f.isArray || f.primitive === 'bytes' || f.primitive === 'records') {
    if (d === 'null') return `${v} !== null`;
    return isNullableAnywhere(f) ? `(${v} === null || ${v}.length !== 0)` : `${v}.length !== 0`;
  }
  if (f.struct) {
    if (d === 'null') return `${v} !== null`;
    const s = isNullableAnywhere(f) ? `${v} === null || ` : '';
    return `(${s}!isDefaultStruct(${v}, ${schemaConst(f.struct)}))`;
  }
  return `${v} !== ${d}`;
}

function schemaConst(s: StructModel): string {
  return `${s.tsName.charAt(0).toLowerCase()}${s.tsName.slice(1)}Schema`;
}

// ---- reading -------------------------------------------------------------------------------------

function readPrimitive(prim: string, flex: string, nul: string): string {
  switch (prim) {
    case 'string':
      return pick(
        flex,
        pick(nul, 'r.compactNullableString()', 'r.compactString()'),
        pick(nul, 'r.nullableString()', 'r.string()'),
      );
    case 'bytes':
    case 'records':
      return pick(
        flex,
        pick(nul, 'r.compactNullableBytes()', 'r.compactBytes()'),
        pick(nul, 'r.nullableBytes32()', 'r.bytes32()'),
      );
    default:
      return `r.${prim}()`;
  }
}

/** Statements assigning the field's value read from `r` to `target`. */
function readInto(f: FieldModel, target: string, window: Versions, msg: string, tagged: boolean): string {
  const flex = tagged ? 'true' : cond(f.flexible, window);
  const nul = cond(f.nullable, window);
  const what = `${msg}.${f.name}`;
  if (f.isArray) {
    const elem = f.struct ? `read${f.struct.tsName}(r, version)` : readPrimitive(f.primitive!, flex, 'false');
    const onNull = pickStmt(nul, `${target} = null;`, `r.fail('non-nullable array ${what} is null');`);
    // Elements of fixed-size types bound the count tightly; anything else takes at least one byte.
    const minSize = (f.primitive !== undefined ? FIXED_SIZE[f.primitive] : undefined) ?? 1;
    return [
      `{`,
      `  const n = ${pick(flex, `r.compactArrayLength(${minSize})`, `r.arrayLength(${minSize})`)};`,
      `  if (n < 0) { ${onNull} } else {`,
      `    const a: ${elementType(f)}[] = new Array(n);`,
      `    for (let i = 0; i < n; i++) a[i] = ${elem};`,
      `    ${target} = a;`,
      `  }`,
      `}`,
    ].join('\n');
  }
  if (f.struct) {
    const read = `read${f.struct.tsName}(r, version)`;
    return `${target} = ${pick(nul, `(r.int8() < 0 ? null : ${read})`, read)};`;
  }
  return `${target} = ${readPrimitive(f.primitive!, flex, nul)};`;
}

function emitReader(s: StructModel, m: MessageModel): string {
  const w = s.versions;
  const lines: string[] = [];
  lines.push(`export function read${s.tsName}(r: ByteReader, version: number): ${s.tsName} {`);
  const regular = s.fields.filter((f) => f.versions !== null && !sameRange(f.tagged, f.versions));
  const taggedFields = s.fields.filter((f) => f.tagged !== null);
  const absentAlways = s.fields.filter((f) => f.versions === null);
  for (const f of regular) {
    const v = `_${f.name}`;
    const present = f.tagged === null ? cond(f.versions, w) : `${cond(f.versions, w)} && !(${cond(f.tagged, w)})`;
    lines.push(`  let ${v}: ${fieldTsType(f)};`);
    const read = indent(readInto(f, v, intersect(f.versions, w), s.tsName, false), 2);
    if (present === 'true') lines.push(`  ${read.trimStart()}`);
    else lines.push(`  if (${present}) {\n  ${read}\n  } else {\n    ${v} = ${defaultExpr(f, m.name)};\n  }`);
  }
  const props = [
    ...regular.map((f) => `${f.name}: _${f.name}`),
    ...absentAlways.map((f) => `${f.name}: ${defaultExpr(f, m.name)}`),
  ];
  lines.push(`  const o: ${s.tsName} = { ${props.join(', ')} };`);
  const flexible = cond(m.flexible, w);
  if (flexible !== 'false') {
    const body: string[] = [];
    body.push(`const nTags = r.uvarint();`);
    body.push(`for (let t = 0; t < nTags; t++) {`);
    body.push(`  const tag = r.uvarint();`);
    body.push(`  const size = r.uvarint();`);
    body.push(`  const end = r.offset + size;`);
    let chain = '  ';
    for (const f of taggedFields) {
      const c = cond(f.tagged, w);
      const test = c === 'true' ? `tag === ${f.tag}` : `tag === ${f.tag} && ${c}`;
      body.push(`${chain}if (${test}) {`);
      body.push(indent(readInto(f, `o.${f.name}`, f.tagged, s.tsName, true), 4));
      chain = '  } else ';
    }
    const unknown = `o.unknownTaggedFields = readRawTag(r, tag, size, o.unknownTaggedFields);`;
    if (taggedFields.length === 0) body.push(`  ${unknown}`);
    else body.push(`  } else {\n    ${unknown}\n  }`);
    body.push(
      `  if (r.offset !== end) r.fail(\`tagged field \${tag} of ${s.tsName} has size \${size} but \${r.offset - end + size} bytes were read\`);`,
    );
    body.push(`}`);
    lines.push(wrapIf(flexible, body, 2));
  }
  lines.push(`  return o;`);
  lines.push(`}`);
  return lines.join('\n');
}

// ---- writing and sizing -------------------------------------------------------------------------

function writePrimitive(prim: string, v: string, flex: string, nul: string): string {
  switch (prim) {
    case 'string':
      return pick(
        flex,
        pick(nul, `w.compactNullableString(${v})`, `w.compactString(${v} as string)`),
        pick(nul, `w.nullableString(${v})`, `w.string(${v} as string)`),
      );
    case 'bytes':
    case 'records':
      return pick(
        flex,
        pick(nul, `w.compactNullableBytes(${v})`, `w.compactBytes(${v} as Uint8Array)`),
        pick(nul, `w.nullableBytes32(${v})`, `w.bytes32(${v} as Uint8Array)`),
      );
    default:
      return `w.${prim}(${v})`;
  }
}

function sizePrimitive(prim: string, v: string, flex: string): string {
  const fixed = FIXED_SIZE[prim];
  if (fixed !== undefined) return String(fixed);
  switch (prim) {
    case 'string':
      return pick(flex, `sizeOfCompactString(${v})`, `sizeOfString(${v})`);
    case 'bytes':
    case 'records':
      return pick(flex, `sizeOfCompactBytes(${v})`, `(4 + (${v} === null ? 0 : ${v}.length))`);
  }
  throw new Error(`no size for ${prim}`);
}

function writeValue(f: FieldModel, v: string, window: Versions, msg: string, tagged: boolean): string {
  const flex = tagged ? 'true' : cond(f.flexible, window);
  const nul = cond(f.nullable, window);
  const what = `'${msg}', '${f.name}'`;
  if (f.isArray) {
    const elem = f.struct
      ? `write${f.struct.tsName}(w, e, version);`
      : `${writePrimitive(f.primitive!, 'e', flex, 'false')};`;
    const lines = [`{`, `  const a = ${v};`];
    const writeArray = [`${pick(flex, 'w.uvarint(a.length + 1)', 'w.int32(a.length)')};`, `for (const e of a) ${elem}`];
    if (isNullableAnywhere(f)) {
      const onNull = pickStmt(
        nul,
        `${pick(flex, 'w.uvarint(0)', 'w.int32(-1)')};`,
        `throw nullField(${what}, version);`,
      );
      lines.push(`  if (a === null) { ${onNull} } else {`, ...writeArray.map((l) => `    ${l}`), `  }`);
    } else {
      lines.push(...writeArray.map((l) => `  ${l}`));
    }
    lines.push(`}`);
    return lines.join('\n');
  }
  if (f.struct) {
    const write = `write${f.struct.tsName}(w, ${v}, version);`;
    if (!isNullableAnywhere(f)) return write;
    const onNull = pickStmt(nul, 'w.int8(-1);', `throw nullField(${what}, version);`);
    const present =
      nul === 'false' ? write : nul === 'true' ? `w.int8(1); ${write}` : `if (${nul}) w.int8(1); ${write}`;
    return `if (${v} === null) { ${onNull} } else { ${present} }`;
  }
  if (
    isNullableAnywhere(f) &&
    nul !== 'true' &&
    (f.primitive === 'string' || f.primitive === 'bytes' || f.primitive === 'records')
  ) {
    const guard = nul === 'false' ? `${v} === null` : `${v} === null && !(${nul})`;
    return `if (${guard}) throw nullField(${what}, version);\n${writePrimitive(f.primitive!, v, flex, nul)};`;
  }
  return `${writePrimitive(f.primitive!, v, flex, nul)};`;
}

/** Statements adding the encoded size of `v` to `s`. */
function sizeValue(f: FieldModel, v: string, window: Versions, tagged: boolean, target = 's'): string {
  const flex = tagged ? 'true' : cond(f.flexible, window);
  const nul = cond(f.nullable, window);
  if (f.isArray) {
    const prefix = (len: string) => pick(flex, `sizeOfUvarint(${len} + 1)`, '4');
    const fixed = f.primitive !== undefined ? FIXED_SIZE[f.primitive] : undefined;
    let elems: string;
    if (fixed !== undefined) elems = `${target} += ${prefix('a.length')} + a.length * ${fixed};`;
    else if (f.struct)
      elems = `${target} += ${prefix('a.length')}; for (const e of a) ${target} += sizeOf${f.struct.tsName}(e, version);`;
    else
      elems = `${target} += ${prefix('a.length')}; for (const e of a) ${target} += ${sizePrimitive(f.primitive!, 'e', flex)};`;
    if (!isNullableAnywhere(f)) return `{ const a = ${v}; ${elems} }`;
    return `{ const a = ${v}; if (a === null) ${target} += ${pick(flex, '1', '4')}; else { ${elems} } }`;
  }
  if (f.struct) {
    const size = `sizeOf${f.struct.tsName}(${v}, version)`;
    if (!isNullableAnywhere(f)) return `${target} += ${size};`;
    const presence = pick(nul, '1', '0');
    return `${target} += ${v} === null ? 1 : ${presence === '0' ? '' : `${presence} + `}${size};`;
  }
  return `${target} += ${sizePrimitive(f.primitive!, v, flex)};`;
}

function emitWriterAndSizer(s: StructModel, m: MessageModel): string {
  const w = s.versions;
  const writer: string[] = [];
  const sizer: string[] = [];
  writer.push(`export function write${s.tsName}(w: ByteWriter, v: ${s.tsName}, version: number): void {`);
  sizer.push(`export function sizeOf${s.tsName}(v: ${s.tsName}, version: number): number {`);
  sizer.push(`  let s = 0;`);
  for (const f of s.fields) {
    if (f.tagged !== null && sameRange(f.tagged, f.versions)) continue;
    const present =
      f.versions === null
        ? 'false'
        : f.tagged === null
          ? cond(f.versions, w)
          : `${cond(f.versions, w)} && !(${cond(f.tagged, w)})`;
    const value = f.tagged !== null ? `(v.${f.name} ?? ${defaultExpr(f, m.name)})` : `v.${f.name}`;
    const inner = intersect(f.versions, w);
    const write = writeValue(f, value, inner, s.tsName, false);
    const size = sizeValue(f, value, inner, false);
    const check = f.ignorable
      ? ''
      : `if (${nonDefaultExpr(f, value, m.name)}) throw unsupportedField('${s.tsName}', '${f.name}', version);`;
    if (present === 'true') {
      writer.push(indent(write, 2));
      sizer.push(indent(size, 2));
    } else {
      if (present === 'false') {
        if (check) writer.push(`  ${check}`);
      } else {
        writer.push(`  if (${present}) {\n${indent(write, 4)}\n  }${check ? ` else ${check}` : ''}`);
        sizer.push(`  if (${present}) {\n${indent(size, 4)}\n  }`);
      }
    }
  }
  // Like Kafka, refuse to silently drop a non-default tagged field the version does not carry.
  for (const f of s.fields) {
    const c = cond(f.tagged, w);
    if (f.tagged === null || f.ignorable || c === 'true' || !sameRange(f.tagged, f.versions)) continue;
    const t = `v.${f.name}`;
    const test = `${t} !== undefined && ${nonDefaultExpr(f, t, m.name)}`;
    const guard = c === 'false' ? test : `!(${c}) && ${test}`;
    writer.push(`  if (${guard}) throw unsupportedField('${s.tsName}', '${f.name}', version);`);
  }
  const flexible = cond(m.flexible, w);
  if (flexible !== 'false') {
    const taggedFields = s.fields.filter((f) => f.tagged !== null).sort((a, b) => a.tag! - b.tag!);
    if (taggedFields.length === 0) {
      writer.push(wrapIf(flexible, ['writeRawTags(w, v.unknownTaggedFields);'], 2));
      sizer.push(
        wrapIf(
          flexible,
          [
            'const u = v.unknownTaggedFields;',
            's += sizeOfUvarint(u === undefined ? 0 : u.length) + sizeOfRawTags(u);',
          ],
          2,
        ),
      );
    } else {
      const wb: string[] = [];
      const sb: string[] = [];
      wb.push('const u = v.unknownTaggedFields;');
      wb.push('let n = u === undefined ? 0 : u.length;');
      sb.push('const u = v.unknownTaggedFields;');
      sb.push('let n = u === undefined ? 0 : u.length;');
      for (const f of taggedFields) {
        const t = `t${f.tag}`;
        const c = cond(f.tagged, w);
        const get = c === 'true' ? `v.${f.name}` : `${c} ? v.${f.name} : undefined`;
        const decl = [
          `const ${t} = ${get};`,
          `const has${f.tag} = ${t} !== undefined && ${nonDefaultExpr(f, t, m.name)};`,
          `if (has${f.tag}) n++;`,
        ];
        wb.push(...decl);
        sb.push(...decl);
      }
      wb.push('w.uvarint(n);');
      wb.push('let k = 0;');
      sb.push('s += sizeOfUvarint(n) + sizeOfRawTags(u);');
      for (const f of taggedFields) {
        const t = `t${f.tag}`;
        wb.push(`if (u !== undefined) while (k < u.length && u[k]!.tag < ${f.tag}) writeRawTag(w, u[k++]!);`);
        wb.push(`if (has${f.tag}) {`);
        wb.push(`  let z = 0;`);
        wb.push(indent(sizeValue(f, `${t}!`, f.tagged, true, 'z'), 2));
        wb.push(`  w.uvarint(${f.tag});`);
        wb.push(`  w.uvarint(z);`);
        wb.push(indent(writeValue(f, `${t}!`, f.tagged, s.tsName, true), 2));
        wb.push(`}`);
        sb.push(`if (has${f.tag}) {`);
        sb.push(`  let z = 0;`);
        sb.push(indent(sizeValue(f, `${t}!`, f.tagged, true, 'z'), 2));
        sb.push(`  s += sizeOfUvarint(${f.tag}) + sizeOfUvarint(z) + z;`);
        sb.push(`}`);
      }
      wb.push('if (u !== undefined) while (k < u.length) writeRawTag(w, u[k++]!);');
      writer.push(wrapIf(flexible, wb, 2));
      sizer.push(wrapIf(flexible, sb, 2));
    }
  }
  writer.push('}');
  sizer.push('  return s;');
  sizer.push('}');
  return `${writer.join('\n')}\n\n${sizer.join('\n')}`;
}

// ---- types, defaults, schema --------------------------------------------------------------------

function jsDoc(text: string, pad: string): string {
  const clean = text.replace(/\*\//g, '* /').trim();
  return clean ? `${pad}/** ${clean} */\n` : '';
}

function emitType(s: StructModel, m: MessageModel): string {
  const lines = [`export interface ${s.tsName} {`];
  for (const f of s.fields) {
    const optional = f.tagged !== null ? '?' : '';
    lines.push(`${jsDoc(f.about, '  ')}  ${f.name}${optional}: ${fieldTsType(f)};`);
  }
  if (cond(m.flexible, s.versions) !== 'false') {
    lines.push(`  /** Tagged fields this version of the codec does not know, re-encoded unchanged. */`);
    lines.push(`  unknownTaggedFields?: RawTaggedField[];`);
  }
  lines.push('}');
  return lines.join('\n');
}

function emitDefaults(s: StructModel, m: MessageModel): string {
  const props = s.fields.filter((f) => f.tagged === null).map((f) => `${f.name}: ${defaultExpr(f, m.name)}`);
  return `export function default${s.tsName}(): ${s.tsName} {\n  return { ${props.join(', ')} };\n}`;
}

function versionsLiteral(v: Versions): string {
  return v === null ? 'null' : `[${v[0]}, ${v[1]}]`;
}

function emitSchema(s: StructModel, m: MessageModel, isRoot: boolean): string {
  const fields = s.fields.map((f) => {
    const parts = [
      `name: ${JSON.stringify(f.name)}`,
      `type: ${JSON.stringify(f.isArray ? `[]${f.struct ? f.struct.tsName : f.primitive}` : (f.struct?.tsName ?? f.primitive))}`,
    ];
    if (f.primitive) parts.push(`primitive: '${f.primitive}'`);
    parts.push(`isArray: ${f.isArray}`);
    if (f.struct) parts.push(`struct: ${schemaConst(f.struct)}`);
    parts.push(`versions: ${versionsLiteral(f.versions)}`);
    parts.push(`nullableVersions: ${versionsLiteral(f.nullable)}`);
    parts.push(`taggedVersions: ${versionsLiteral(f.tagged)}`);
    if (f.tag !== undefined) parts.push(`tag: ${f.tag}`);
    if (f.flexibleOverride !== undefined) parts.push(`flexibleVersions: ${versionsLiteral(f.flexibleOverride)}`);
    const d = defaultExpr(f, m.name);
    if (!f.struct) parts.push(`default: ${d}`);
    else if (d === 'null') parts.push('default: null');
    parts.push(`ignorable: ${f.ignorable}`);
    parts.push(`mapKey: ${f.mapKey}`);
    if (f.entityType) parts.push(`entityType: ${JSON.stringify(f.entityType)}`);
    parts.push(`about: ${JSON.stringify(f.about)}`);
    return `    { ${parts.join(', ')} },`;
  });
  if (!isRoot) {
    return `export const ${schemaConst(s)}: StructSchema = {\n  name: '${s.tsName}',\n  fields: [\n${fields.join('\n')}\n  ],\n};`;
  }
  const head = [
    `  name: '${s.tsName}'`,
    `  kind: '${m.kind}'`,
    ...(m.apiKey !== undefined ? [`  apiKey: ${m.apiKey}`] : []),
    `  validVersions: ${versionsLiteral(m.valid)}`,
    `  flexibleVersions: ${versionsLiteral(m.flexible)}`,
    `  latestVersionUnstable: ${m.spec.latestVersionUnstable === true}`,
    `  listeners: ${JSON.stringify(m.spec.listeners ?? [])}`,
  ];
  return `export const ${schemaConst(s)}: MessageSchema = {\n${head.join(',\n')},\n  fields: [\n${fields.join('\n')}\n  ],\n};`;
}

// ---- helpers -------------------------------------------------------------------------------------

function sameRange(a: Versions, b: Versions): boolean {
  return a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1]);
}

function indent(text: string, n: number): string {
  const pad = ' '.repeat(n);
  return text
    .split('\n')
    .map((l) => (l.length > 0 ? pad + l : l))
    .join('\n');
}

function wrapIf(c: string, body: string[], n: number): string {
  if (c === 'true') return indent(body.join('\n'), n);
  return indent([`if (${c}) {`, indent(body.join('\n'), 2), '}'].join('\n'), n);
}

export function emitMessage(m: MessageModel, banner: string): string {
  const parts: string[] = [banner];
  const body: string[] = [];
  for (const s of m.structs) body.push(emitType(s, m));
  for (const s of m.structs) body.push(emitDefaults(s, m));
  for (const s of m.structs) body.push(emitReader(s, m));
  for (const s of m.structs) body.push(emitWriterAndSizer(s, m));
  for (const s of m.structs) body.push(emitSchema(s, m, s === m.root));
  const code = body.join('\n\n');
  const runtime = [
    'EMPTY_BUFFER',
    'isDefaultStruct',
    'nullField',
    'readRawTag',
    'unsupportedField',
    'writeRawTag',
    'writeRawTags',
    'sizeOfRawTags',
  ].filter((n) => new RegExp(`\\b${n}\\b`).test(code));
  const sizes = ['sizeOfCompactBytes', 'sizeOfCompactString', 'sizeOfString', 'sizeOfUvarint'].filter((n) =>
    new RegExp(`\\b${n}\\(`).test(code),
  );
  const typeImports: string[] = [];
  if (/\bRawTaggedField\b/.test(code)) runtime.push('type RawTaggedField');
  if (runtime.length > 0) parts.push(`import { ${runtime.sort().join(', ')} } from '../../codec-runtime.ts';`);
  parts.push(`import type { MessageSchema, StructSchema } from '../../schema.ts';`);
  parts.push(`import type { ByteReader } from '../../wire/reader.ts';`);
  if (/\bZERO_UUID\b/.test(code)) parts.push(`import { ZERO_UUID } from '../../wire/uuid.ts';`);
  if (/\bUuid\b/.test(code)) typeImports.push(`import type { Uuid } from '../../wire/uuid.ts';`);
  parts.push(...typeImports);
  parts.push(`import type { ByteWriter } from '../../wire/writer.ts';`);
  if (sizes.length > 0) parts.push(`import { ${sizes.join(', ')} } from '../../wire/writer.ts';`);
  return `${parts.join('\n')}\n\n${code}\n`;
}
