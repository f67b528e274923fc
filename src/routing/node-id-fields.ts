// Where messages carry broker ids, derived from Kafka's message specs (routing.md §5.6–§5.8):
// every field the specs mark `entityType: brokerId`, plus the int32 fields the rule of §5.6 names
// (see findBrokerIdFields), plus broker config resources named by a decimal broker id.

import type { ResponseMessage } from '../pipeline/response-message.ts';
import { FrameBytes } from '../protocol/frames/frame-bytes.ts';
import { responseHeaderVersion } from '../protocol/generated/api-keys.ts';
import { skimBrokerIds } from '../protocol/generated/skim.ts';
import { responseBodyOffset } from '../protocol/headers.ts';
import {
  codecsFor,
  type FieldLocation,
  findBrokerIdFields,
  findFields,
  type MessageSchema,
} from '../protocol/index.ts';

/** FETCH, LIST_OFFSETS and OFFSET_FOR_LEADER_EPOCH identify their sender as a replica: clients send sentinels. */
const SENDER_REPLICA_FIELDS: ReadonlyMap<number, readonly string[]> = new Map([
  [1, ['replicaId', 'replicaState.replicaId']],
  [2, ['replicaId']],
  [23, ['replicaId']],
]);

/** Config resource types named by a broker id: BROKER and BROKER_LOGGER. */
const BROKER_RESOURCE_TYPES = new Set([4, 8]);
const CANONICAL_ID = /^(0|[1-9]\d{0,9})$/;

export interface NodeIdFields {
  /** Fields (scalars or arrays of int32) holding broker ids. */
  readonly ids: readonly FieldLocation[];
  /** Structs with a (resourceType, resourceName) pair, by path. */
  readonly resources: readonly (readonly string[])[];
}

const NONE: NodeIdFields = Object.freeze({ ids: [], resources: [] });
const cache = new Map<number, NodeIdFields>();

/** The broker-id fields of one request or response version (cached). */
export function nodeIdFields(direction: 'request' | 'response', apiKey: number, apiVersion: number): NodeIdFields {
  const key = (direction === 'request' ? 0 : 0x1000000) + apiKey * 0x10000 + apiVersion;
  let fields = cache.get(key);
  if (fields === undefined) {
    const codecs = codecsFor(apiKey);
    const schema = direction === 'request' ? codecs?.request.schema : codecs?.response.schema;
    fields = schema === undefined ? NONE : locate(schema, direction, apiKey, apiVersion);
    cache.set(key, fields);
  }
  return fields;
}

export function carriesNodeIds(direction: 'request' | 'response', apiKey: number, apiVersion: number): boolean {
  const fields = nodeIdFields(direction, apiKey, apiVersion);
  return fields.ids.length > 0 || fields.resources.length > 0;
}

/**
 * Whether `response` may hold broker ids to translate. An undecoded PRODUCE or FETCH response is
 * skimmed (generated from the specs; nothing decoded, nothing allocated): their ids are -1
 * sentinels, or tagged fields a broker sends only when a leader moved, so the usual one passes on
 * as the upstream's bytes. Any other response that carries id fields is decoded.
 */
export function responseMayHoldNodeIds(response: ResponseMessage): boolean {
  const { apiKey, apiVersion } = response;
  if (!carriesNodeIds('response', apiKey, apiVersion)) return false;
  const frame = response.isDecoded ? undefined : response.originalFrame;
  return frame === undefined || frameMayHoldNodeIds(apiKey, apiVersion, frame);
}

/** `responseMayHoldNodeIds` for the bytes of a response frame (size prefix and header included). */
export function frameMayHoldNodeIds(apiKey: number, apiVersion: number, frame: Buffer): boolean {
  if (!carriesNodeIds('response', apiKey, apiVersion)) return false;
  const offset = responseBodyOffset(frame, responseHeaderVersion(apiKey, apiVersion));
  return offset < 0 || skimBrokerIds(apiKey, apiVersion, frame, offset) !== false;
}

/** `responseMayHoldNodeIds` for a response held as the pieces it arrived in; the first holds the header. */
export function piecesMayHoldNodeIds(apiKey: number, apiVersion: number, pieces: readonly Buffer[]): boolean {
  if (!carriesNodeIds('response', apiKey, apiVersion)) return false;
  const offset = responseBodyOffset(pieces[0]!, responseHeaderVersion(apiKey, apiVersion));
  if (offset < 0) return true;
  const answer = skimBrokerIds(apiKey, apiVersion, PIECES.reset(pieces, offset)) !== false;
  PIECES.reset(NO_PIECES, 0);
  return answer;
}
const PIECES = new FrameBytes();
const NO_PIECES: readonly Buffer[] = [];

function locate(
  schema: MessageSchema,
  direction: 'request' | 'response',
  apiKey: number,
  version: number,
): NodeIdFields {
  const excluded = direction === 'request' ? (SENDER_REPLICA_FIELDS.get(apiKey) ?? []) : [];
  const ids = findBrokerIdFields(schema, version).filter((location) => !excluded.includes(location.path.join('.')));
  const resources = findFields(
    schema,
    version,
    (field) => field.name === 'resourceName' && field.primitive === 'string',
  )
    .map((location) => location.path.slice(0, -1))
    .filter((path) =>
      findFields(schema, version, (field) => field.name === 'resourceType').some(
        (location) => location.path.slice(0, -1).join('.') === path.join('.'),
      ),
    );
  return ids.length === 0 && resources.length === 0 ? NONE : { ids, resources };
}

/**
 * Rewrites every broker id in `body` with `map` (called for non-negative ids only; negative ids
 * pass through). `map` returns the new id, or undefined to stop (the caller records why).
 * Returns false when `map` stopped.
 */
export function rewriteNodeIds(
  fields: NodeIdFields,
  body: object,
  map: (id: number, field: string) => number | undefined,
): boolean {
  let ok = true;
  for (const { path, field } of fields.ids) {
    const name = path.join('.');
    walk(body, path, 0, (holder, key) => {
      const value = holder[key];
      if (field.isArray) {
        if (!Array.isArray(value)) return;
        for (let index = 0; index < value.length; index++) {
          const id = value[index] as number;
          if (id < 0) continue;
          const mapped = map(id, name);
          if (mapped === undefined) ok = false;
          else value[index] = mapped;
        }
      } else if (typeof value === 'number' && value >= 0) {
        const mapped = map(value, name);
        if (mapped === undefined) ok = false;
        else holder[key] = mapped;
      }
    });
  }
  for (const path of fields.resources) {
    walk(body, [...path, 'resourceName'], 0, (holder, key) => {
      const name = holder[key];
      if (!BROKER_RESOURCE_TYPES.has(holder.resourceType as number) || typeof name !== 'string') return;
      if (!CANONICAL_ID.test(name) || Number(name) > 0x7fffffff) return;
      const mapped = map(Number(name), `${path.join('.')}.resourceName`);
      if (mapped === undefined) ok = false;
      else holder[key] = String(mapped);
    });
  }
  return ok;
}

function walk(
  value: unknown,
  path: readonly string[],
  depth: number,
  visit: (holder: Record<string, unknown>, key: string) => void,
): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, path, depth, visit);
    return;
  }
  const holder = value as Record<string, unknown>;
  const key = path[depth]!;
  if (depth === path.length - 1) {
    if (key in holder) visit(holder, key);
    return;
  }
  walk(holder[key], path, depth + 1, visit);
}
