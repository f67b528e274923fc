// METADATA: one request per route that owns a requested topic (every route for "all topics"),
// merged into one cluster view.

import type { MetadataRequest, MetadataResponse, RequestHeader } from '../../filter/index.ts';
import type { RouterContext } from '../../routing/index.ts';
import type { Owners } from './config.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export async function metadata(
  header: RequestHeader,
  request: MetadataRequest,
  ctx: RouterContext,
  owners: Owners,
  clusterId: string,
): Promise<MetadataResponse> {
  const wanted = request.topics?.map((topic) => topic.name).filter((name): name is string => name !== null) ?? null;
  const answers = await Promise.all(
    owners.routes.map(async (route) => {
      const own = wanted === null ? null : wanted.filter((name) => owners.topic(name) === route);
      // The default route always answers: its brokers and controller are part of every answer.
      if (own !== null && own.length === 0 && route !== owners.defaultRoute) {
        return { route, body: undefined as MetadataResponse | undefined, own };
      }
      const body: MetadataRequest = {
        ...request,
        topics: own === null ? null : own.map((name) => ({ name, topicId: ZERO_UUID })),
      };
      return { route, body: (await ctx.sendRequest(ctx.anyNode(route), header, body)) as MetadataResponse, own };
    }),
  );
  const main = answers.find((answer) => answer.route === owners.defaultRoute)!.body!;
  const merged: MetadataResponse = { ...main, clusterId, brokers: [], topics: [] };
  const byName = new Map<string, MetadataResponse['topics'][number]>();
  for (const { route, body } of answers) {
    if (body === undefined) continue;
    merged.brokers.push(...body.brokers);
    // A topic only from its owner: a non-owner's copy (or auto-created twin) is not shown.
    for (const topic of body.topics)
      if (topic.name !== null && owners.topic(topic.name) === route) byName.set(topic.name, topic);
  }
  merged.topics = wanted === null ? [...byName.values()] : wanted.flatMap((name) => byName.get(name) ?? []);
  merged.throttleTimeMs = Math.max(...answers.map((answer) => answer.body?.throttleTimeMs ?? 0));
  return merged;
}
