// Where a message version names a tenant's resources. The names themselves come from the generated
// table of entity-typed fields (tools/codegen/emit-entity-fields.ts); the rest is derived from the
// generated schemas by rules, like the broker-id fields of src/routing/node-id-fields.ts:
// - `topicId` uuid fields: a request naming a topic by id only must not reach another tenant's;
// - (resourceType, resourceName) structs of the config APIs, whose names are topics or groups by type;
// - string fields ending in `Regex` (topic subscriptions) and ListTransactions' `transactionalIdPattern`.

import { ApiKey } from '../../protocol/generated/api-keys.ts';
import { type EntityField, entityFields, type NamingEntityType } from '../../protocol/generated/entity-fields.ts';
import { codecsFor, findFields, type MessageSchema } from '../../protocol/index.ts';

export type Direction = 'request' | 'response';

/** A regular expression field and the entity its matches name. */
export interface PatternField {
  readonly path: readonly string[];
  readonly isArray: boolean;
  readonly entityType: NamingEntityType;
}

export interface TopicIdStruct {
  readonly path: readonly string[];
  readonly nameKey: string | undefined;
}

export interface NamespaceFields {
  /** Fields of entity type topicName, groupId or transactionalId present in this version. */
  readonly names: readonly EntityField[];
  /** The structs that carry a `topicId`, and the property of the topic name beside it, if any. */
  readonly topicIds: readonly TopicIdStruct[];
  /** Paths of the `resourceName` of config resources (a struct with resourceType and resourceName). */
  readonly configResources: readonly (readonly string[])[];
  readonly patterns: readonly PatternField[];
}

/** The APIs whose ACL resources are handled by acls.ts (their resource types differ from the config APIs'). */
export const ACL_APIS: ReadonlySet<number> = new Set([ApiKey.DESCRIBE_ACLS, ApiKey.CREATE_ACLS, ApiKey.DELETE_ACLS]);

const NONE: NamespaceFields = Object.freeze({ names: [], topicIds: [], configResources: [], patterns: [] });
const cache = new Map<number, NamespaceFields>();

export function namespaceFields(direction: Direction, apiKey: number, apiVersion: number): NamespaceFields {
  const key = (direction === 'request' ? 0 : 0x1000000) + apiKey * 0x10000 + apiVersion;
  let fields = cache.get(key);
  if (fields === undefined) {
    fields = locate(direction, apiKey, apiVersion);
    cache.set(key, fields);
  }
  return fields;
}

/** Every API a Namespace filter must see decoded: those that can carry a name, an id or a resource of a tenant. */
export function namespacedApis(): number[] {
  const keys = new Set<number>(entityFields.keys());
  for (const key of ACL_APIS) keys.add(key);
  for (const key of [
    ApiKey.FIND_COORDINATOR,
    ApiKey.DESCRIBE_CONFIGS,
    ApiKey.ALTER_CONFIGS,
    ApiKey.INCREMENTAL_ALTER_CONFIGS,
    ApiKey.LIST_CONFIG_RESOURCES,
  ]) {
    keys.add(key);
  }
  return [...keys].sort((a, b) => a - b);
}

function locate(direction: Direction, apiKey: number, version: number): NamespaceFields {
  const names = (entityFields.get(apiKey)?.[direction] ?? []).filter(
    (f) => version >= f.versions[0] && version <= f.versions[1],
  );
  const codecs = codecsFor(apiKey);
  const schema: MessageSchema | undefined = codecs?.[direction].schema;
  if (schema === undefined) return names.length === 0 ? NONE : { ...NONE, names };
  const topicIds = findFields(schema, version, (f) => f.name === 'topicId' && f.primitive === 'uuid').map((l) => {
    const path = l.path.slice(0, -1);
    const name = names.find(
      (f) => f.entityType === 'topicName' && !f.isArray && f.path.slice(0, -1).join('.') === path.join('.'),
    );
    return { path, nameKey: name?.path.at(-1) };
  });
  const configResources = ACL_APIS.has(apiKey) ? [] : resourceStructs(schema, version);
  const patterns: PatternField[] = findFields(
    schema,
    version,
    (f) => f.primitive === 'string' && (/Regex$/.test(f.name) || f.name === 'transactionalIdPattern'),
  ).map((l) => ({
    path: l.path,
    isArray: l.field.isArray,
    entityType: l.field.name === 'transactionalIdPattern' ? 'transactionalId' : 'topicName',
  }));
  if (names.length + topicIds.length + configResources.length + patterns.length === 0) return NONE;
  return { names, topicIds, configResources, patterns };
}

function resourceStructs(schema: MessageSchema, version: number): (readonly string[])[] {
  const typed = new Set(
    findFields(schema, version, (f) => f.name === 'resourceType').map((l) => l.path.slice(0, -1).join('.')),
  );
  return findFields(schema, version, (f) => f.name === 'resourceName' && f.primitive === 'string')
    .map((l) => l.path)
    .filter((path) => typed.has(path.slice(0, -1).join('.')));
}
