// Run-time description of every message, generated from the same specs as the codecs, for code that
// works on any message generically (node-id and address rewriters, the differential tests).

/** Inclusive version range; `max` is 0x7fff for an open range ("3+"); null means "none". */
export type Versions = readonly [min: number, max: number] | null;

export type PrimitiveType =
  | 'bool'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid';

export interface FieldSchema {
  /** camelCase of the spec name: the property name in decoded messages. */
  readonly name: string;
  /** The spec's type text with struct names replaced by their TypeScript type names, e.g. `[]int32`. */
  readonly type: string;
  /** The primitive type, or the element type of an array of primitives; absent for structs. */
  readonly primitive?: PrimitiveType;
  readonly isArray: boolean;
  /** Set for struct fields and arrays of structs. */
  readonly struct?: StructSchema;
  readonly versions: Versions;
  readonly nullableVersions: Versions;
  readonly taggedVersions: Versions;
  readonly tag?: number;
  /** The per-field override of the message's flexible versions (e.g. the request header's client id). */
  readonly flexibleVersions?: Versions;
  /** The decoded value of the spec default (bigint for int64, [] or null for arrays; absent for structs). */
  readonly default?: unknown;
  readonly ignorable: boolean;
  readonly mapKey: boolean;
  /** `brokerId`, `topicName`, `groupId`, `transactionalId`, `producerId`, … */
  readonly entityType?: string;
  readonly about: string;
}

export interface StructSchema {
  /** The TypeScript type name, e.g. `MetadataResponseBroker`. */
  readonly name: string;
  readonly fields: readonly FieldSchema[];
}

export interface MessageSchema extends StructSchema {
  readonly kind: 'request' | 'response' | 'header' | 'data';
  readonly apiKey?: number;
  readonly validVersions: Versions;
  readonly flexibleVersions: Versions;
  readonly latestVersionUnstable: boolean;
  readonly listeners: readonly string[];
}

export function versionIn(range: Versions, version: number): boolean {
  return range !== null && version >= range[0] && version <= range[1];
}

/** A field reached from a message root, with the property path leading to it. */
export interface FieldLocation {
  /** Property names from the message root; arrays are traversed implicitly (`topics.partitions.leaderId`). */
  readonly path: readonly string[];
  readonly field: FieldSchema;
}

/**
 * Every field (at any depth) that exists in `version` and satisfies `predicate`, e.g. all
 * `entityType: brokerId` fields of a response, for rewriters that must not forget one.
 */
export function findFields(
  schema: MessageSchema,
  version: number,
  predicate: (field: FieldSchema) => boolean,
): FieldLocation[] {
  const out: FieldLocation[] = [];
  const walk = (struct: StructSchema, prefix: readonly string[]): void => {
    for (const field of struct.fields) {
      if (!versionIn(field.versions, version)) continue;
      const path = [...prefix, field.name];
      if (predicate(field)) out.push({ path, field });
      if (field.struct) walk(field.struct, path);
    }
  };
  walk(schema, []);
  return out;
}

const BROKER_ID_NAMES = new Set([
  'LeaderId',
  'NodeId',
  'BrokerId',
  'ControllerId',
  'ReplicaId',
  'PreferredReadReplica',
]);

/**
 * The rule of routing.md §5.6 for one field: marked `entityType: brokerId` in the spec, or an int32
 * / []int32 whose spec name is `LeaderId`, `NodeId`, `BrokerId`, `ControllerId`, `ReplicaId`,
 * `PreferredReadReplica` or ends in `Replicas`, `Nodes`, `Elr` (the specs do not mark all of them).
 * The code generator applies it too, so generated skims and the translation agree.
 */
export function namesBrokerId(
  specName: string,
  primitive: string | undefined,
  entityType: string | undefined,
): boolean {
  if (entityType === 'brokerId') return true;
  if (primitive !== 'int32') return false;
  return BROKER_ID_NAMES.has(specName) || /(Replicas|Nodes|Elr)$/.test(specName);
}

/** The fields of a message version that may hold broker ids, by the rule of `namesBrokerId`. */
export function findBrokerIdFields(schema: MessageSchema, version: number): FieldLocation[] {
  return findFields(schema, version, (f) =>
    namesBrokerId(f.name.charAt(0).toUpperCase() + f.name.slice(1), f.primitive, f.entityType),
  );
}
