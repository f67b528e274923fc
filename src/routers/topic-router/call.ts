// What every per-API handler gets: the request's header and context, the level's ownership
// rules and topology service, and the helpers they share (forwarding, splitting by route).

import type { ApiMessage, RequestHeader } from '../../filter/index.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import {
  CoordinatorKeyType,
  type RouterContext,
  type RouterResponse,
  type TopologyService,
  type VirtualNode,
} from '../../routing/index.ts';
import type { Owners } from './config.ts';

export interface Call {
  readonly header: RequestHeader;
  readonly ctx: RouterContext;
  readonly owners: Owners;
  readonly topology: TopologyService;
  readonly clusterId: string;
}

export type Handler = (call: Call, request: never) => Promise<RouterResponse>;

/** Errors that mean a cached coordinator or leader moved: the route's cache entries are dropped. */
const STALE = new Set<number>([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.FENCED_LEADER_EPOCH,
]);

/** Sends the request to one node and answers with its response (none for PRODUCE acks=0). */
export async function forward(call: Call, node: VirtualNode, request: ApiMessage): Promise<RouterResponse> {
  const response = await call.ctx.sendRequest(node, call.header, request);
  return response === undefined ? call.ctx.respondWithoutReply().build() : call.ctx.respondWith(response).build();
}

/** Sends a request to one route's "some broker" (admin requests: any broker forwards to its controller). */
export async function ask<T>(call: Call, route: string, request: ApiMessage): Promise<T> {
  return (await call.ctx.sendRequest(call.ctx.anyNode(route), call.header, request)) as T;
}

/** The coordinator of a group or transactional id on one route, found through the topology service. */
export async function coordinator(
  call: Call,
  route: string,
  keyType: CoordinatorKeyType,
  key: string,
): Promise<VirtualNode> {
  const found = (await call.topology.coordinators(route, keyType, [key])).coordinatorFor(key);
  return found ?? call.ctx.anyNode(route);
}

export const groupCoordinator = (call: Call, route: string, group: string): Promise<VirtualNode> =>
  coordinator(call, route, CoordinatorKeyType.GROUP, group);

/** Drops a route's cached topology when its answer says the cache is stale (docs/routers.md). */
export function noteStale(call: Call, route: string, errorCode: number): void {
  if (STALE.has(errorCode)) call.topology.invalidateRoute(route);
}

/** Groups items by key, keeping the items' order within each group and the groups' first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [item]);
    else group.push(item);
  }
  return groups;
}

/** Sends one request per route, built from the items that route owns; answers in route order. */
export async function perRoute<T, A>(
  groups: ReadonlyMap<string, T[]>,
  send: (route: string, items: T[]) => Promise<A>,
): Promise<A[]> {
  return Promise.all([...groups].map(([route, items]) => send(route, items)));
}

/** The maximum throttle time of several answers: the client waits for the slowest route. */
export function maxThrottle(answers: readonly { throttleTimeMs: number }[]): number {
  return answers.reduce((max, answer) => Math.max(max, answer.throttleTimeMs), 0);
}
