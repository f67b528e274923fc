// Small helpers shared by the per-API handlers: forwarding one request as is, and grouping the
// entries of a request by the route that owns them.

import type { ApiMessage, RequestHeader } from '../../filter/index.ts';
import type { RouterContext, RouterResponse, VirtualNode } from '../../routing/index.ts';

/** Sends the request to one node and answers with its response (none for PRODUCE acks=0). */
export async function forward(
  node: VirtualNode,
  header: RequestHeader,
  request: ApiMessage,
  ctx: RouterContext,
): Promise<RouterResponse> {
  const response = await ctx.sendRequest(node, header, request);
  return response === undefined ? ctx.respondWithoutReply().build() : ctx.respondWith(response).build();
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
