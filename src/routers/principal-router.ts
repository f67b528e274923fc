// PrincipalRouter: one bootstrap address, a cluster per client chosen from who the client is.
// Rules match the session's authenticated subject (mTLS, or SASL on the VC chain): a user by exact
// name, prefix or regular expression, or a group the subject carries; the first match wins, and a
// subject no rule matches goes to `defaultRoute` or is refused. Once chosen, the session is bound
// to its route with forwardSessionTo(): every later request travels as a static one would, as
// undecoded bytes, and the router is not called again until the subject changes.
//
// Written against the public Router API only.

import type { ApiMessage, ApiVersionsResponse, RequestHeader, Subject } from '../filter/index.ts';
import { KafkaError } from '../pipeline/kafka-error.ts';
import { PluginConfigurationError } from '../plugins/errors.ts';
import { ApiKey } from '../protocol/generated/api-keys.ts';
import { ErrorCode } from '../protocol/generated/error-codes.ts';
import type { Router, RouterContext, RouterFactory, RouterResponse } from '../routing/index.ts';

interface Rule {
  readonly user?: string;
  readonly userPrefix?: string;
  readonly userRegex?: string;
  readonly group?: string;
  readonly route: string;
}

export interface PrincipalRouterConfig {
  readonly rules: readonly Rule[];
  /** Where sessions no rule matches go; absent = they are refused. */
  readonly defaultRoute?: string;
}

interface Choice {
  readonly routes: readonly string[];
  /** The route for a subject, or undefined when it is refused. */
  routeFor(subject: Subject): string | undefined;
}

const KINDS = ['user', 'userPrefix', 'userRegex', 'group'] as const;

/** The principal types rules look at: Kafka's user principal, and groups from a credential store or a token. */
const USER = 'User';
const GROUP = 'Group';

function compile(rule: Rule): (users: readonly string[], groups: readonly string[]) => boolean {
  if (rule.user !== undefined) return (users) => users.includes(rule.user!);
  if (rule.userPrefix !== undefined) return (users) => users.some((user) => user.startsWith(rule.userPrefix!));
  if (rule.userRegex !== undefined) {
    const pattern = new RegExp(rule.userRegex);
    return (users) => users.some((user) => pattern.test(user));
  }
  return (_users, groups) => groups.includes(rule.group!);
}

export const PrincipalRouter: RouterFactory<PrincipalRouterConfig, Choice> = {
  configSchema: {
    type: 'object',
    required: ['rules'],
    additionalProperties: false,
    properties: {
      defaultRoute: { type: 'string' },
      rules: {
        type: 'array',
        items: {
          type: 'object',
          required: ['route'],
          additionalProperties: false,
          properties: {
            user: { type: 'string' },
            userPrefix: { type: 'string' },
            userRegex: { type: 'string' },
            group: { type: 'string' },
            route: { type: 'string' },
          },
        },
      },
    },
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
    if (config.defaultRoute !== undefined) check(config.defaultRoute, '/defaultRoute');
    const matchers = config.rules.map((rule, index) => {
      check(rule.route, `/rules/${index}/route`);
      if (KINDS.filter((kind) => rule[kind] !== undefined).length !== 1) {
        throw new PluginConfigurationError(`a rule needs exactly one of ${KINDS.join(', ')}`, `/rules/${index}`);
      }
      try {
        return { matches: compile(rule), route: rule.route };
      } catch (error) {
        throw new PluginConfigurationError(
          `invalid regular expression: ${(error as Error).message}`,
          `/rules/${index}/userRegex`,
        );
      }
    });
    context.logger.info('PrincipalRouter configured', {
      rules: matchers.length,
      defaultRoute: config.defaultRoute ?? null,
      routes: [...context.routeNames],
    });
    return {
      routes: [...context.routeNames],
      routeFor(subject) {
        const users: string[] = [];
        const groups: string[] = [];
        for (const principal of subject.principals) {
          if (principal.type === USER) users.push(principal.name);
          else if (principal.type === GROUP) groups.push(principal.name);
        }
        return matchers.find((matcher) => matcher.matches(users, groups))?.route ?? config.defaultRoute;
      },
    };
  },
  createRouter(_context, choice): Router {
    /** The route this session was bound to; it never changes for the session's life. */
    let chosen: string | undefined;
    return {
      async onRequest(apiKey, _version, header, request, ctx) {
        const subject = ctx.authenticatedSubject();
        // Before SASL on the VC chain has told who the client is, API_VERSIONS must still be
        // answered: with what every route serves, so whichever route is chosen later can serve
        // the versions the client picks.
        if (subject.isAnonymous && apiKey === ApiKey.API_VERSIONS && chosen === undefined) {
          return ctx.respondWith(await apiVersionsOfEveryRoute(header, request, ctx, choice.routes)).build();
        }
        const route = choice.routeFor(subject);
        if (route === undefined) {
          // Anonymous clients can open connections at will: their refusals are not worth a warning each.
          const fields = { subject: describe(subject) };
          if (subject.isAnonymous) ctx.logger.debug('PrincipalRouter refuses a session no rule matches', fields);
          else ctx.logger.warn('PrincipalRouter refuses a session no rule matches', fields);
          return refuse(header, request, ctx, `no PrincipalRouter rule matches ${describe(subject)}`);
        }
        if (chosen !== undefined && route !== chosen) {
          // Re-authentication changed who the client is (a group, say): its connections, its
          // producer and its group membership belong to the old cluster, so it must start over.
          ctx.logger.warn('PrincipalRouter closes a session whose new identity maps to another route', {
            subject: describe(subject),
            route,
            previous: chosen,
          });
          return refuse(
            header,
            request,
            ctx,
            `the new identity ${describe(subject)} maps to route '${route}', not '${chosen}'; reconnect`,
          );
        }
        if (chosen === undefined) ctx.logger.debug('PrincipalRouter chose a route', { route });
        chosen = route;
        return ctx.forwardSessionTo(route).build();
      },
    };
  },
};

function describe(subject: Subject): string {
  return subject.isAnonymous ? 'an anonymous client' : subject.principals.map((p) => `${p.type}:${p.name}`).join(',');
}

/** A clear error in the response, then the connection closes. */
function refuse(header: RequestHeader, request: ApiMessage, ctx: RouterContext, message: string): RouterResponse {
  return ctx
    .respondWithError(header, request, new KafkaError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, message))
    .withCloseConnection()
    .build();
}

/** The versions every route serves (the runtime intersects them with Switchyard's own on the way out). */
async function apiVersionsOfEveryRoute(
  header: RequestHeader,
  request: ApiMessage,
  ctx: RouterContext,
  routes: readonly string[],
): Promise<ApiVersionsResponse> {
  const answers = (await Promise.all(
    routes.map((route) => ctx.sendRequest(ctx.anyNode(route), header, { ...request })),
  )) as ApiVersionsResponse[];
  const failed = answers.find((answer) => answer.errorCode !== ErrorCode.NONE);
  if (failed !== undefined) return failed;
  const [first, ...others] = answers;
  const ranges = new Map(first!.apiKeys.map((entry) => [entry.apiKey, { ...entry }]));
  for (const answer of others) {
    const theirs = new Map(answer.apiKeys.map((entry) => [entry.apiKey, entry]));
    for (const [key, range] of ranges) {
      const other = theirs.get(key);
      range.minVersion = Math.max(range.minVersion, other?.minVersion ?? Number.POSITIVE_INFINITY);
      range.maxVersion = Math.min(range.maxVersion, other?.maxVersion ?? Number.NEGATIVE_INFINITY);
      if (range.minVersion > range.maxVersion) ranges.delete(key);
    }
  }
  return { ...first!, apiKeys: [...ranges.values()] };
}
