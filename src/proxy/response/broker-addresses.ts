import { FrameBytes } from '../../protocol/frames/frame-bytes.ts';
import { responseHeaderVersion } from '../../protocol/generated/api-keys.ts';
import { skimTaggedEndpoints, taggedEndpointsField } from '../../protocol/generated/skim.ts';
import { responseBodyOffset } from '../../protocol/headers.ts';
import { type FieldSchema, findFields, type MessageSchema } from '../../protocol/schema.ts';
import type { HostPort } from '../address/host-port.ts';
import { responseSchema } from './codec.ts';

/**
 * Where a response carries broker addresses, found from Kafka's message specs rather than listed by
 * hand: every struct with a `host` string and a `port` int32 next to the broker id they belong to
 * (a field marked `entityType: brokerId`, or named `nodeId`/`brokerId`). METADATA and
 * DESCRIBE_CLUSTER brokers, FIND_COORDINATOR (both shapes), the `nodeEndpoints` of PRODUCE, FETCH,
 * SHARE_FETCH and SHARE_ACKNOWLEDGE all match; a future API that adds such a struct is handled by
 * regeneration alone. Host fields that are not broker addresses (client hosts, ACL patterns, Streams
 * endpoints, controller quorum endpoints) have no broker id and port beside them and are not matched;
 * test/unit/proxy/broker-addresses.test.ts lists each of them. Controller endpoints of DESCRIBE_QUORUM
 * and endpoints inside configuration values are handled by config-addresses.ts.
 */
export interface BrokerAddressStruct {
  /** Property names from the message root to the struct; arrays are traversed implicitly. */
  readonly path: readonly string[];
  readonly idField: string;
}

const cache = new Map<number, readonly BrokerAddressStruct[]>();

/** The broker-address structs of one response version (empty for most). */
export function brokerAddressStructs(apiKey: number, apiVersion: number): readonly BrokerAddressStruct[] {
  const key = apiKey * 0x10000 + apiVersion;
  let structs = cache.get(key);
  if (structs === undefined) {
    const schema = responseSchema(apiKey);
    structs = schema ? locate(schema, apiVersion) : [];
    cache.set(key, structs);
  }
  return structs;
}

export function responseCarriesBrokerAddresses(apiKey: number, apiVersion: number): boolean {
  return brokerAddressStructs(apiKey, apiVersion).length > 0;
}

const skimmable = new Map<number, boolean>();

/** True when every broker address of the response version is in its top-level tagged endpoints field. */
function addressesOnlyInTaggedEndpoints(apiKey: number, apiVersion: number): boolean {
  const key = apiKey * 0x10000 + apiVersion;
  let only = skimmable.get(key);
  if (only === undefined) {
    const field = taggedEndpointsField(apiKey, apiVersion);
    const structs = brokerAddressStructs(apiKey, apiVersion);
    only = field !== undefined && structs.length > 0 && structs.every((struct) => struct.path[0] === field);
    skimmable.set(key, only);
  }
  return only;
}

/**
 * Whether this response frame must be decoded to rewrite broker addresses. PRODUCE v10+ and FETCH
 * v16+ can carry addresses only in their top-level tagged `nodeEndpoints`, which brokers send only
 * when a partition's leader moved: a skim of the body (no decode, no allocation) tells whether it
 * is there, so the usual response passes through untouched. `bodyOffset` defaults to the end of the
 * response header; a malformed frame answers true, so that its decode reports it.
 */
export function responseNeedsAddressRewrite(
  apiKey: number,
  apiVersion: number,
  frame: Buffer,
  bodyOffset?: number,
): boolean {
  if (!responseCarriesBrokerAddresses(apiKey, apiVersion)) return false;
  if (!addressesOnlyInTaggedEndpoints(apiKey, apiVersion)) return true;
  const offset = bodyOffset ?? responseBodyOffset(frame, responseHeaderVersion(apiKey, apiVersion));
  return offset < 0 || skimTaggedEndpoints(apiKey, apiVersion, frame, offset) !== false;
}

/**
 * Whether a response that carries broker addresses can be told apart by a skim of its bytes
 * (`responseNeedsAddressRewrite`), so that a large one may be held in the pieces it arrives in.
 */
export function responseAddressesSkimmable(apiKey: number, apiVersion: number): boolean {
  return addressesOnlyInTaggedEndpoints(apiKey, apiVersion);
}

/** `responseNeedsAddressRewrite` for a response held in pieces: `head` is the first, with the response header. */
export function piecesNeedAddressRewrite(
  apiKey: number,
  apiVersion: number,
  head: Buffer,
  pieces: readonly Buffer[],
): boolean {
  const offset = responseBodyOffset(head, responseHeaderVersion(apiKey, apiVersion));
  if (offset < 0) return true;
  const answer = skimTaggedEndpoints(apiKey, apiVersion, PIECES.reset(pieces, offset)) !== false;
  PIECES.reset(NO_PIECES, 0);
  return answer;
}
const PIECES = new FrameBytes();
const NO_PIECES: readonly Buffer[] = [];

function locate(schema: MessageSchema, version: number): BrokerAddressStruct[] {
  const out: BrokerAddressStruct[] = [];
  const hosts = findFields(schema, version, (field) => field.name === 'host' && field.primitive === 'string');
  for (const { path } of hosts) {
    const parentPath = path.slice(0, -1);
    const siblings = fieldsAt(schema, parentPath);
    const has = (predicate: (field: FieldSchema) => boolean): FieldSchema | undefined =>
      siblings.find((field) => predicate(field) && (field.versions === null || inRange(field, version)));
    const port = has((field) => field.name === 'port' && field.primitive === 'int32');
    const id = has(
      (field) =>
        field.primitive === 'int32' &&
        !field.isArray &&
        (field.entityType === 'brokerId' || field.name === 'nodeId' || field.name === 'brokerId'),
    );
    if (port && id) out.push({ path: parentPath, idField: id.name });
  }
  return out;
}

function inRange(field: FieldSchema, version: number): boolean {
  return field.versions !== null && version >= field.versions[0] && version <= field.versions[1];
}

function fieldsAt(schema: MessageSchema, path: readonly string[]): readonly FieldSchema[] {
  let fields: readonly FieldSchema[] = schema.fields;
  for (const name of path) {
    const next = fields.find((field) => field.name === name)?.struct;
    if (!next) return [];
    fields = next.fields;
  }
  return fields;
}

/**
 * Calls `visit(nodeId, host, port)` for every broker address in a decoded response body; when it
 * returns an address, that address replaces the struct's host and port. Negative ids (Kafka's
 * "none", e.g. a FIND_COORDINATOR error) are skipped.
 */
export function forEachBrokerAddress(
  apiKey: number,
  apiVersion: number,
  body: unknown,
  visit: (nodeId: number, host: string, port: number) => HostPort | undefined,
): void {
  for (const struct of brokerAddressStructs(apiKey, apiVersion)) {
    walk(body, struct.path, 0, (target) => {
      const nodeId = target[struct.idField];
      const host = target.host;
      const port = target.port;
      if (typeof nodeId !== 'number' || nodeId < 0 || typeof host !== 'string' || typeof port !== 'number') return;
      const replacement = visit(nodeId, host, port);
      if (replacement) {
        target.host = replacement.host;
        target.port = replacement.port;
      }
    });
  }
}

function walk(
  value: unknown,
  path: readonly string[],
  depth: number,
  onStruct: (struct: Record<string, unknown>) => void,
): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, path, depth, onStruct);
    return;
  }
  if (typeof value !== 'object') return;
  if (depth === path.length) {
    onStruct(value as Record<string, unknown>);
    return;
  }
  walk((value as Record<string, unknown>)[path[depth]!], path, depth + 1, onStruct);
}
