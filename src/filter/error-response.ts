// The API-specific error response for a request, built from the message schemas alone so that no
// API is forgotten and a new Kafka release needs no code here: every `errorCode` of the response
// is set, at the top level and in each entry that mirrors an entry the request named (topics,
// partitions, groups, resources), matched through their key fields.

import { codecsFor } from '../protocol/generated/codecs.ts';
import type { FieldSchema, StructSchema } from '../protocol/schema.ts';
import { versionIn } from '../protocol/schema.ts';

/** Field names that identify an entry, by the role they play; requests and responses name some differently. */
const KEY_ROLES: ReadonlyMap<string, string> = new Map([
  ['name', 'topic'],
  ['topic', 'topic'],
  ['topicName', 'topic'],
  ['topicId', 'topicId'],
  ['partitionIndex', 'partition'],
  ['partition', 'partition'],
  ['index', 'partition'],
  ['partitionId', 'partition'],
  ['groupId', 'group'],
  ['transactionalId', 'transactionalId'],
  ['resourceType', 'resourceType'],
  ['resourceName', 'resourceName'],
]);

type Message = Record<string, unknown>;

/**
 * The error response of `apiKey` at `version` for `request` (decoded at the same version): the
 * response's defaults with `errorCode` set everywhere and `errorMessage` where present.
 */
export function errorResponseFor(
  apiKey: number,
  version: number,
  request: object,
  errorCode: number,
  errorMessage: string | null,
): object {
  const codecs = codecsFor(apiKey);
  if (codecs === undefined) throw new TypeError(`unknown api key ${apiKey}`);
  const response = codecs.response.defaults() as Message;
  fill(codecs.response.schema, response, codecs.request.schema, request as Message, version, errorCode, errorMessage);
  return response;
}

function fill(
  schema: StructSchema,
  target: Message,
  requestSchema: StructSchema | undefined,
  request: Message | undefined,
  version: number,
  errorCode: number,
  errorMessage: string | null,
): void {
  for (const field of schema.fields) {
    if (!versionIn(field.versions, version)) continue;
    if (field.name === 'errorCode' && field.primitive === 'int16' && !field.isArray) {
      target.errorCode = errorCode;
    } else if (field.name === 'errorMessage' && field.primitive === 'string' && !field.isArray) {
      target.errorMessage = errorMessage ?? (versionIn(field.nullableVersions, version) ? null : '');
    } else if (field.struct && field.isArray && requestSchema && request) {
      const source = mirroredArray(field, requestSchema, request, version);
      if (source === undefined) continue;
      target[field.name] = source.entries.map((entry) => {
        const element = defaultsOf(field.struct!);
        copyKeys(field.struct!, element, source.schema, entry, version);
        fill(field.struct!, element, source.schema, entry, version, errorCode, errorMessage);
        return element;
      });
    }
  }
}

/** The request array whose entries the response array answers: the one sharing the most key roles. */
function mirroredArray(
  field: FieldSchema,
  requestSchema: StructSchema,
  request: Message,
  version: number,
): { schema: StructSchema; entries: Message[] } | undefined {
  const roles = keyRoles(field.struct!, version);
  if (roles.size === 0) return positionalArray(field, requestSchema, request, version);
  let best: FieldSchema | undefined;
  let bestScore = 0;
  for (const candidate of requestSchema.fields) {
    if (!candidate.struct || !candidate.isArray || !versionIn(candidate.versions, version)) continue;
    let score = 0;
    for (const role of keyRoles(candidate.struct, version)) if (roles.has(role)) score++;
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  if (best === undefined) return mirroredNames(field, roles, requestSchema, request, version);
  const entries = request[best.name];
  return Array.isArray(entries) ? { schema: best.struct!, entries: entries as Message[] } : undefined;
}

/**
 * A response array whose entries carry an error but no key, answering the request's only array
 * entry by entry (CREATE_ACLS results, DELETE_ACLS filterResults, UPDATE_FEATURES results, …).
 * Not when the request's entries are answered deeper down, in a nested array keyed like them
 * (DESCRIBE_LOG_DIRS answers per log dir, with the requested topics inside each).
 */
function positionalArray(
  field: FieldSchema,
  requestSchema: StructSchema,
  request: Message,
  version: number,
): { schema: StructSchema; entries: Message[] } | undefined {
  const struct = field.struct!;
  if (!struct.fields.some((f) => f.name === 'errorCode' && versionIn(f.versions, version))) return undefined;
  const arrays = requestSchema.fields.filter((f) => f.struct && f.isArray && versionIn(f.versions, version));
  if (arrays.length !== 1) return undefined;
  const requested = arrays[0]!;
  const requestedRoles = keyRoles(requested.struct!, version);
  const answeredDeeper = struct.fields.some(
    (f) =>
      f.struct !== undefined &&
      f.isArray &&
      versionIn(f.versions, version) &&
      [...keyRoles(f.struct, version)].some((role) => requestedRoles.has(role)),
  );
  if (answeredDeeper) return undefined;
  const entries = request[requested.name];
  return Array.isArray(entries) ? { schema: requested.struct!, entries: entries as Message[] } : undefined;
}

/** Roles of the entity types that requests list as bare names (DESCRIBE_GROUPS' `groups`, …). */
const ENTITY_ROLES: ReadonlyMap<string, string> = new Map([
  ['groupId', 'group'],
  ['topicName', 'topic'],
  ['transactionalId', 'transactionalId'],
]);

/**
 * A request array of bare names answered by a response array of entries keyed by that name: each
 * name becomes an entry holding only its key, so the answer names every entry the request named.
 */
function mirroredNames(
  field: FieldSchema,
  roles: ReadonlySet<string>,
  requestSchema: StructSchema,
  request: Message,
  version: number,
): { schema: StructSchema; entries: Message[] } | undefined {
  for (const candidate of requestSchema.fields) {
    if (!candidate.isArray || candidate.primitive !== 'string' || !versionIn(candidate.versions, version)) continue;
    const role = candidate.entityType === undefined ? undefined : ENTITY_ROLES.get(candidate.entityType);
    if (role === undefined || !roles.has(role)) continue;
    const key = field.struct!.fields.find((f) => KEY_ROLES.get(f.name) === role && !f.isArray);
    const names = request[candidate.name];
    if (key === undefined || !Array.isArray(names)) continue;
    const schema: StructSchema = { name: `${candidate.name}Names`, fields: [{ ...key }] };
    return { schema, entries: (names as string[]).map((name) => ({ [key.name]: name })) };
  }
  return undefined;
}

function keyRoles(struct: StructSchema, version: number): Set<string> {
  const roles = new Set<string>();
  for (const field of struct.fields) {
    const role = KEY_ROLES.get(field.name);
    if (role !== undefined && !field.isArray && versionIn(field.versions, version)) roles.add(role);
  }
  return roles;
}

function copyKeys(struct: StructSchema, target: Message, sourceSchema: StructSchema, source: Message, version: number) {
  for (const field of struct.fields) {
    const role = KEY_ROLES.get(field.name);
    if (role === undefined || field.isArray || !versionIn(field.versions, version)) continue;
    const from = sourceSchema.fields.find(
      (f) => KEY_ROLES.get(f.name) === role && !f.isArray && f.primitive === field.primitive,
    );
    if (from !== undefined && source[from.name] !== undefined) target[field.name] = source[from.name];
  }
}

/** A struct with every field at its spec default (nested structs included). */
function defaultsOf(struct: StructSchema): Message {
  const out: Message = {};
  for (const field of struct.fields) {
    if (field.taggedVersions !== null) continue;
    if (field.struct && !field.isArray) out[field.name] = defaultsOf(field.struct);
    else if (field.isArray) out[field.name] = Array.isArray(field.default) ? [...field.default] : (field.default ?? []);
    else out[field.name] = field.default;
  }
  return out;
}
