// METADATA: one request per route, naming the requested topics it owns (all topics for "all
// topics"), merged into one cluster view: brokers of every route under their virtual ids, each topic only
// from its owner, the controller of the default route, the virtual cluster's own cluster id.

import type { MetadataRequest, MetadataResponse } from '../../filter/index.ts';
import type { Call } from './call.ts';
import type { Owners } from './config.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

type Answer = { readonly route: string; readonly body: MetadataResponse | undefined };

export async function metadata(call: Call, request: MetadataRequest): Promise<MetadataResponse> {
  const { ctx, header, owners, clusterId } = call;
  const wanted = request.topics?.map((topic) => topic.name).filter((name): name is string => name !== null) ?? null;
  // Names that discovery must look for on every route: no rule names them and no route is known yet.
  const searched = new Set(
    wanted === null || !owners.discoverExisting
      ? []
      : wanted.filter((name) => owners.topicRule(name) === undefined && !owners.discovered.has(name)),
  );
  const answers: Answer[] = await Promise.all(
    owners.routes.map(async (route) => {
      const own = wanted === null ? null : wanted.filter((name) => owners.topic(name) === route || searched.has(name));
      // Every route answers, even for none of its topics: clients forget brokers an answer omits.
      const body: MetadataRequest = {
        ...request,
        topics: own === null ? null : own.map((name) => ({ name, topicId: ZERO_UUID })),
        // A name being searched for must not be created on a route that is not its owner.
        allowAutoTopicCreation:
          request.allowAutoTopicCreation && (searched.size === 0 || route === owners.defaultRoute),
      };
      return { route, body: (await ctx.sendRequest(ctx.anyNode(route), header, body)) as MetadataResponse };
    }),
  );
  learnRouteOrder(answers, owners);
  const byRoute = new Map(answers.map((answer) => [answer.route, answer.body]));
  const main = byRoute.get(owners.defaultRoute)!;
  const merged: MetadataResponse = { ...main, clusterId, brokers: [], topics: [] };
  const byName = new Map<string, MetadataResponse['topics'][number]>();
  // Routes in id order, so that discovery picks the first route (by id) that has a topic.
  for (const route of owners.routes) {
    const body = byRoute.get(route);
    if (body === undefined) continue;
    merged.brokers.push(...body.brokers);
    for (const topic of body.topics) {
      if (topic.name === null) continue;
      if (isShown(topic.name, topic.errorCode, route, wanted === null, searched, owners, byName)) {
        byName.set(topic.name, topic);
      }
    }
  }
  merged.topics = wanted === null ? [...byName.values()] : wanted.flatMap((name) => byName.get(name) ?? []);
  merged.throttleTimeMs = Math.max(...answers.map((answer) => answer.body?.throttleTimeMs ?? 0));
  return merged;
}

/**
 * Whether `route`'s copy of a topic is the one shown: a topic only from its owner, so a
 * non-owner's copy (or auto-created twin) is never shown. With discovery, a topic no rule names
 * belongs to the first route (in id order) that has it.
 */
function isShown(
  name: string,
  errorCode: number,
  route: string,
  allTopics: boolean,
  searched: ReadonlySet<string>,
  owners: Owners,
  shown: ReadonlyMap<string, unknown>,
): boolean {
  const rule = owners.topicRule(name);
  if (rule !== undefined || !owners.discoverExisting) return owners.topic(name) === route;
  if (!allTopics && !searched.has(name)) return owners.topic(name) === route;
  if (shown.has(name)) return false;
  if (errorCode !== 0) return route === owners.defaultRoute;
  owners.discovered.set(name, route);
  return true;
}

/**
 * Route ids are not part of the Router API, but virtual broker ids are `route id + S × broker id`:
 * the first broker of a route's answer reveals its id. Once every route's id is known, `routes`
 * is kept in id order (discovery's tie-break).
 */
function learnRouteOrder(answers: readonly Answer[], owners: Owners): void {
  const count = owners.routes.length;
  const ids = new Map<string, number>();
  for (const { route, body } of answers) {
    const broker = body?.brokers[0];
    if (broker !== undefined) ids.set(route, broker.nodeId % count);
  }
  if (ids.size !== count) return;
  owners.routes = [...owners.routes].sort((a, b) => ids.get(a)! - ids.get(b)!);
}
