// Emits src/protocol/generated/entity-fields.ts: for every API, the request and response fields the
// specs mark with an entity type that names a tenant's resource (`topicName`, `groupId`,
// `transactionalId`), with the property path from the message root and the versions that carry
// them. Code that renames or hides those resources (the Namespace filter) reads this table, so a
// field a new Kafka release adds is handled the day the specs are regenerated.
import type { FieldModel, MessageModel, StructModel } from './model.ts';
import { apiKeyConstName } from './model.ts';
import { intersect, type Versions } from './spec.ts';

/** The entity types of names a tenant owns. */
export const NAMING_ENTITY_TYPES = ['topicName', 'groupId', 'transactionalId'] as const;

interface Found {
  readonly path: readonly string[];
  readonly field: FieldModel;
  readonly versions: Versions;
}

function collect(struct: StructModel, prefix: readonly string[], within: Versions, out: Found[]): void {
  for (const field of struct.fields) {
    const versions = intersect(field.versions, within);
    if (versions === null) continue;
    const path = [...prefix, field.name];
    if (field.entityType !== undefined && (NAMING_ENTITY_TYPES as readonly string[]).includes(field.entityType)) {
      out.push({ path, field, versions });
    }
    if (field.struct) collect(field.struct, path, versions, out);
  }
}

function entry(found: Found): string {
  const [min, max] = found.versions!;
  const nullable = found.field.nullable === null ? 'null' : `[${found.field.nullable[0]}, ${found.field.nullable[1]}]`;
  return `{ path: ${JSON.stringify(found.path)}, entityType: '${found.field.entityType}', isArray: ${found.field.isArray}, versions: [${min}, ${max}], nullableVersions: ${nullable} }`;
}

export function emitEntityFields(messages: readonly MessageModel[], banner: string): string {
  const byKey = new Map<number, { request: Found[]; response: Found[]; name: string }>();
  for (const m of messages) {
    if (m.apiKey === undefined || (m.kind !== 'request' && m.kind !== 'response')) continue;
    const found: Found[] = [];
    collect(m.root, [], m.valid, found);
    if (found.length === 0) continue;
    const slot = byKey.get(m.apiKey) ?? { request: [], response: [], name: apiKeyConstName(m.name) };
    slot[m.kind] = found;
    byKey.set(m.apiKey, slot);
  }
  const lines = [
    banner,
    '',
    '/** Entity types whose values name a resource a tenant owns. */',
    "export type NamingEntityType = 'topicName' | 'groupId' | 'transactionalId';",
    '',
    'export interface EntityField {',
    '  /** Property names from the message root; arrays are traversed implicitly. */',
    '  readonly path: readonly string[];',
    '  readonly entityType: NamingEntityType;',
    '  /** A `[]string` of names rather than one name. */',
    '  readonly isArray: boolean;',
    '  /** The versions that carry the field (those of its enclosing structs included). */',
    '  readonly versions: readonly [min: number, max: number];',
    '  readonly nullableVersions: readonly [min: number, max: number] | null;',
    '}',
    '',
    'export interface ApiEntityFields {',
    '  readonly request: readonly EntityField[];',
    '  readonly response: readonly EntityField[];',
    '}',
    '',
    '/** Per api key, the fields of entity type topicName, groupId or transactionalId; APIs without any are absent. */',
    'export const entityFields: ReadonlyMap<number, ApiEntityFields> = new Map<number, ApiEntityFields>([',
  ];
  for (const [apiKey, slot] of [...byKey].sort((a, b) => a[0] - b[0])) {
    lines.push(`  // ${slot.name}`);
    lines.push(`  [${apiKey}, {`);
    for (const kind of ['request', 'response'] as const) {
      if (slot[kind].length === 0) {
        lines.push(`    ${kind}: [],`);
        continue;
      }
      lines.push(`    ${kind}: [`);
      for (const found of slot[kind]) lines.push(`      ${entry(found)},`);
      lines.push('    ],');
    }
    lines.push('  }],');
  }
  lines.push(']);');
  return `${lines.join('\n')}\n`;
}
