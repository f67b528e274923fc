// Turns raw specs into a resolved model: effective version ranges per field, struct names and
// TypeScript type names, parsed defaults. The code emitter works only from this model.
import type { RawField, RawSpec, Versions } from './spec.ts';
import { intersect, parseVersions } from './spec.ts';

export const PRIMITIVES = new Set([
  'bool',
  'int8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'float64',
  'string',
  'bytes',
  'records',
  'uuid',
]);

export interface FieldModel {
  readonly specName: string;
  readonly name: string;
  readonly specType: string;
  readonly isArray: boolean;
  readonly primitive?: string;
  readonly struct?: StructModel;
  /** Effective versions: the spec's, limited to the versions of the enclosing struct. */
  readonly versions: Versions;
  readonly nullable: Versions;
  readonly tagged: Versions;
  readonly tag?: number;
  /** Versions in which this field uses compact encodings. */
  readonly flexible: Versions;
  readonly flexibleOverride?: Versions;
  readonly ignorable: boolean;
  readonly mapKey: boolean;
  readonly entityType?: string;
  readonly about: string;
  readonly defaultText?: string;
}

export interface StructModel {
  readonly specName: string;
  readonly tsName: string;
  /** Versions in which the struct can occur (what its functions can be called with). */
  versions: Versions;
  fields: FieldModel[];
}

export interface MessageModel {
  readonly spec: RawSpec;
  readonly name: string;
  readonly kind: 'request' | 'response' | 'header' | 'data';
  readonly apiKey?: number;
  readonly valid: Versions;
  readonly flexible: Versions;
  readonly root: StructModel;
  /** Every struct, dependencies before their users. */
  readonly structs: StructModel[];
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function union(a: Versions, b: Versions): Versions {
  if (a === null) return b;
  if (b === null) return a;
  return [Math.min(a[0], b[0]), Math.max(a[1], b[1])];
}

export function buildMessage(spec: RawSpec): MessageModel {
  const kind = spec.type as MessageModel['kind'];
  if (!['request', 'response', 'header', 'data'].includes(kind)) throw new Error(`${spec.name}: unknown type ${kind}`);
  const valid = parseVersions(spec.validVersions);
  const flexible = parseVersions(spec.flexibleVersions, null);
  const tsName = (structName: string): string =>
    structName.startsWith(spec.name) ? structName : `${spec.name}${structName}`;
  const byName = new Map<string, StructModel>();
  const ordered: StructModel[] = [];
  const common = new Map<string, { versions: Versions; fields: RawField[] }>();
  for (const cs of spec.commonStructs ?? []) {
    common.set(cs.name, { versions: intersect(parseVersions(cs.versions, valid), valid), fields: cs.fields });
  }
  const pendingCommon = new Set(common.keys());

  const buildFields = (owner: string, raw: RawField[], window: Versions): FieldModel[] =>
    raw.map((f) => buildField(owner, f, window));

  const buildStruct = (specName: string, raw: RawField[], window: Versions): StructModel => {
    if (byName.has(specName)) throw new Error(`${spec.name}: struct ${specName} defined twice`);
    const model: StructModel = { specName, tsName: tsName(specName), versions: window, fields: [] };
    byName.set(specName, model);
    model.fields = buildFields(specName, raw, window);
    ordered.push(model);
    return model;
  };

  const buildField = (owner: string, f: RawField, window: Versions): FieldModel => {
    const isArray = f.type.startsWith('[]');
    const base = isArray ? f.type.slice(2) : f.type;
    const versions = intersect(parseVersions(f.versions), window);
    let struct: StructModel | undefined;
    let primitive: string | undefined;
    if (PRIMITIVES.has(base)) {
      if (f.fields) throw new Error(`${spec.name}.${owner}.${f.name}: primitive with fields`);
      primitive = base;
    } else if (f.fields) {
      struct = buildStruct(base, f.fields, versions);
    } else {
      const existing = byName.get(base);
      const cs = common.get(base);
      if (existing) {
        struct = existing;
        if (cs) existing.versions = union(existing.versions, versions);
      } else if (cs) {
        pendingCommon.delete(base);
        struct = buildStruct(base, cs.fields, cs.versions);
      } else {
        throw new Error(`${spec.name}.${owner}.${f.name}: unknown type ${f.type}`);
      }
    }
    const flexibleOverride = f.flexibleVersions !== undefined ? parseVersions(f.flexibleVersions) : undefined;
    const tagged = intersect(parseVersions(f.taggedVersions), versions);
    if (tagged !== null && f.tag === undefined) throw new Error(`${spec.name}.${f.name}: taggedVersions without tag`);
    const defaultText = f.default === undefined ? undefined : String(f.default);
    return {
      specName: f.name,
      name: camelCase(f.name),
      specType: f.type,
      isArray,
      ...(primitive !== undefined ? { primitive } : {}),
      ...(struct !== undefined ? { struct } : {}),
      versions,
      nullable: intersect(parseVersions(f.nullableVersions), versions),
      tagged,
      ...(f.tag !== undefined ? { tag: f.tag } : {}),
      flexible: intersect(flexibleOverride !== undefined ? flexibleOverride : flexible, versions),
      ...(flexibleOverride !== undefined ? { flexibleOverride } : {}),
      ignorable: f.ignorable === true,
      mapKey: f.mapKey === true,
      ...(f.entityType !== undefined ? { entityType: f.entityType } : {}),
      about: f.about ?? '',
      ...(defaultText !== undefined ? { defaultText } : {}),
    };
  };

  const root: StructModel = { specName: spec.name, tsName: spec.name, versions: valid, fields: [] };
  root.fields = buildFields(spec.name, spec.fields ?? [], valid);
  // Common structs nobody references are still part of the message's vocabulary.
  for (const name of pendingCommon) {
    const cs = common.get(name)!;
    buildStruct(name, cs.fields, cs.versions);
  }
  ordered.push(root);
  return {
    spec,
    name: spec.name,
    kind,
    ...(spec.apiKey !== undefined ? { apiKey: spec.apiKey } : {}),
    valid,
    flexible: intersect(flexible, valid),
    root,
    structs: ordered,
  };
}

/** `MetadataRequest` → `METADATA`, `DescribeAcls` → `DESCRIBE_ACLS` (Kafka's `ApiKeys` names). */
export function apiKeyConstName(messageName: string): string {
  return messageName
    .replace(/(Request|Response)$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

export function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
