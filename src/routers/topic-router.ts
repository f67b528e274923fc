// TopicRouter, first cut: several clusters presented as one, each topic, group and transactional
// id owned by one route chosen by rules. Written against the public Router API only.
//
// What it does today: METADATA merged from the routes that own the requested topics (brokers of
// every route under their virtual ids, each topic only from its owner, a stable cluster id of the
// virtual cluster); CREATE_TOPICS and DELETE_TOPICS (by name) split by owner and merged in request
// order; FIND_COORDINATOR answered by the route that owns the group or transactional id;
// API_VERSIONS intersected over every route, with PRODUCE and FETCH capped below the versions
// that name topics by id; every request of a session bound to a broker goes to that broker.
// Requests of other keys on a bootstrap session go to the default route.

import type {
  ApiMessage,
  ApiVersionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  FindCoordinatorRequest,
  MetadataRequest,
  MetadataResponse,
  RequestHeader,
} from '../filter/index.ts';
import { PluginConfigurationError } from '../plugins/errors.ts';
import { ApiKey } from '../protocol/generated/api-keys.ts';
import type { Router, RouterContext, RouterFactory, RouterResponse } from '../routing/index.ts';

type Rule = { readonly exact?: string; readonly prefix?: string; readonly regex?: string; readonly route: string };

export interface TopicRouterConfig {
  readonly defaultRoute: string;
  readonly topics: readonly Rule[];
  readonly groups: readonly Rule[];
  readonly transactionalIds: readonly Rule[];
}

const RULES = {
  type: 'array',
  default: [],
  items: {
    type: 'object',
    required: ['route'],
    additionalProperties: false,
    properties: {
      exact: { type: 'string' },
      prefix: { type: 'string' },
      regex: { type: 'string' },
      route: { type: 'string' },
    },
  },
} as const;

/** From these versions on, PRODUCE and FETCH name topics by id, and topic ids differ between clusters. */
const TOPIC_ID_VERSION = 13;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

interface Owners {
  readonly defaultRoute: string;
  readonly routes: readonly string[];
  topic(name: string): string;
  group(name: string): string;
  transactionalId(name: string): string;
}

function matcher(rules: readonly Rule[], fallback: string): (name: string) => string {
  const compiled = rules.map((rule) => {
    if (rule.exact !== undefined) return { test: (name: string) => name === rule.exact, route: rule.route };
    if (rule.prefix !== undefined) return { test: (name: string) => name.startsWith(rule.prefix!), route: rule.route };
    const pattern = new RegExp(rule.regex!);
    return { test: (name: string) => pattern.test(name), route: rule.route };
  });
  return (name) => compiled.find((rule) => rule.test(name))?.route ?? fallback;
}

export const TopicRouter: RouterFactory<TopicRouterConfig, Owners> = {
  configSchema: {
    type: 'object',
    required: ['defaultRoute'],
    additionalProperties: false,
    properties: { defaultRoute: { type: 'string' }, topics: RULES, groups: RULES, transactionalIds: RULES },
  },
  initialize(context, config) {
    const check = (route: string, pointer: string): void => {
      if (!context.routeNames.has(route)) {
        throw new PluginConfigurationError(
          `unknown route '${route}'; routes are: ${[...context.routeNames].join(', ')}`,
          pointer,
        );
      }
    };
    check(config.defaultRoute, '/defaultRoute');
    for (const key of ['topics', 'groups', 'transactionalIds'] as const) {
      config[key].forEach((rule, index) => {
        check(rule.route, `/${key}/${index}/route`);
        const kinds = [rule.exact, rule.prefix, rule.regex].filter((value) => value !== undefined).length;
        if (kinds !== 1) {
          throw new PluginConfigurationError('a rule needs exactly one of exact, prefix or regex', `/${key}/${index}`);
        }
        if (rule.regex !== undefined) {
          try {
            new RegExp(rule.regex);
          } catch (error) {
            throw new PluginConfigurationError(
              `invalid regular expression: ${(error as Error).message}`,
              `/${key}/${index}/regex`,
            );
          }
        }
      });
    }
    context.logger.info('TopicRouter configured', {
      defaultRoute: config.defaultRoute,
      routes: [...context.routeNames],
    });
    return {
      defaultRoute: config.defaultRoute,
      routes: [...context.routeNames],
      topic: matcher(config.topics, config.defaultRoute),
      group: matcher(config.groups, config.defaultRoute),
      transactionalId: matcher(config.transactionalIds, config.defaultRoute),
    };
  },
  createRouter(context, owners): Router {
    const clusterId = `switchyard-${context.virtualClusterName}`;
    return {
      maxConcurrentRequests: 100,
      async onRequest(apiKey, _version, header, request, ctx) {
        const node = ctx.virtualNode();
        switch (apiKey) {
          case ApiKey.API_VERSIONS:
            return ctx.respondWith(await apiVersions(header, request, ctx, owners)).build();
          case ApiKey.METADATA:
            return ctx.respondWith(await metadata(header, request as MetadataRequest, ctx, owners, clusterId)).build();
          case ApiKey.CREATE_TOPICS:
            return ctx.respondWith(await createTopics(header, request as CreateTopicsRequest, ctx, owners)).build();
          case ApiKey.DELETE_TOPICS:
            return ctx.respondWith(await deleteTopics(header, request as DeleteTopicsRequest, ctx, owners)).build();
          case ApiKey.FIND_COORDINATOR: {
            const find = request as FindCoordinatorRequest;
            const key = find.coordinatorKeys?.[0] ?? find.key;
            const route = find.keyType === 1 ? owners.transactionalId(key) : owners.group(key);
            return forward(ctx.anyNode(route), header, request, ctx);
          }
        }
        return forward(node ?? ctx.anyNode(owners.defaultRoute), header, request, ctx);
      },
    };
  },
};

async function forward(
  node: ReturnType<RouterContext['anyNode']>,
  header: RequestHeader,
  request: ApiMessage,
  ctx: RouterContext,
): Promise<RouterResponse> {
  const response = await ctx.sendRequest(node, header, request);
  return response === undefined ? ctx.respondWithoutReply().build() : ctx.respondWith(response).build();
}

/** The versions every route serves, so that a request can go to any of them at the client's version. */
async function apiVersions(
  header: RequestHeader,
  request: ApiMessage,
  ctx: RouterContext,
  owners: Owners,
): Promise<ApiVersionsResponse> {
  const answers = (await Promise.all(
    owners.routes.map((route) => ctx.sendRequest(ctx.anyNode(route), header, { ...request })),
  )) as ApiVersionsResponse[];
  const first = answers[0]!;
  if (first.errorCode !== 0) return first;
  const ranges = new Map(first.apiKeys.map((entry) => [entry.apiKey, { ...entry }]));
  for (const answer of answers.slice(1)) {
    const other = new Map(answer.apiKeys.map((entry) => [entry.apiKey, entry]));
    for (const [key, range] of ranges) {
      const theirs = other.get(key);
      if (theirs === undefined) ranges.delete(key);
      else {
        range.minVersion = Math.max(range.minVersion, theirs.minVersion);
        range.maxVersion = Math.min(range.maxVersion, theirs.maxVersion);
        if (range.minVersion > range.maxVersion) ranges.delete(key);
      }
    }
  }
  for (const key of [ApiKey.PRODUCE, ApiKey.FETCH]) {
    const range = ranges.get(key);
    if (range !== undefined) range.maxVersion = Math.min(range.maxVersion, TOPIC_ID_VERSION - 1);
  }
  return { ...first, apiKeys: [...ranges.values()] };
}

async function metadata(
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

async function createTopics(
  header: RequestHeader,
  request: CreateTopicsRequest,
  ctx: RouterContext,
  owners: Owners,
): Promise<CreateTopicsResponse> {
  const groups = groupBy(request.topics, (topic) => owners.topic(topic.name));
  const answers = await Promise.all(
    [...groups].map(
      async ([route, topics]) =>
        (await ctx.sendRequest(ctx.anyNode(route), header, { ...request, topics })) as CreateTopicsResponse,
    ),
  );
  const results = new Map(answers.flatMap((answer) => answer.topics.map((topic) => [topic.name, topic] as const)));
  return {
    ...answers[0]!,
    throttleTimeMs: Math.max(...answers.map((answer) => answer.throttleTimeMs)),
    topics: request.topics.flatMap((topic) => results.get(topic.name) ?? []),
  };
}

async function deleteTopics(
  header: RequestHeader,
  request: DeleteTopicsRequest,
  ctx: RouterContext,
  owners: Owners,
): Promise<DeleteTopicsResponse> {
  const named =
    (request.topics ?? []).length > 0
      ? request.topics
      : (request.topicNames ?? []).map((name) => ({ name, topicId: ZERO_UUID }));
  const groups = groupBy(named, (topic) => owners.topic(topic.name ?? ''));
  const answers = await Promise.all(
    [...groups].map(async ([route, topics]) => {
      const body: DeleteTopicsRequest = { ...request, topics, topicNames: topics.map((topic) => topic.name ?? '') };
      return (await ctx.sendRequest(ctx.anyNode(route), header, body)) as DeleteTopicsResponse;
    }),
  );
  const results = new Map(answers.flatMap((answer) => answer.responses.map((topic) => [topic.name, topic] as const)));
  return {
    ...answers[0]!,
    throttleTimeMs: Math.max(...answers.map((answer) => answer.throttleTimeMs)),
    responses: named.flatMap((topic) => results.get(topic.name) ?? []),
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
