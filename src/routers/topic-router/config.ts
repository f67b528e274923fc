// The TopicRouter's configuration: its schema, the semantic checks the schema cannot express, and
// the compiled ownership rules (which route owns a topic, a group, a transactional id).

import { PluginConfigurationError } from '../../plugins/index.ts';
import type { RouterFactoryContext } from '../../routing/index.ts';

export type Rule = {
  readonly exact?: string;
  readonly prefix?: string;
  readonly regex?: string;
  readonly route: string;
};

export interface TopicRouterConfig {
  readonly defaultRoute: string;
  readonly topics: readonly Rule[];
  readonly groups: readonly Rule[];
  readonly transactionalIds: readonly Rule[];
  readonly discovery: 'rules' | 'rulesThenExisting';
  readonly clusterAdmin: ClusterAdminRoutes;
}

/** The families of cluster-wide administration that may be confined to one route. */
export const CLUSTER_ADMIN = ['acls', 'quotas', 'scramCredentials'] as const;
export type ClusterAdminFamily = (typeof CLUSTER_ADMIN)[number];

/** Per family, the one route that serves it; a family not named goes to every route. */
export type ClusterAdminRoutes = Readonly<Partial<Record<ClusterAdminFamily, string>>>;

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

export const configSchema = {
  type: 'object',
  required: ['defaultRoute'],
  additionalProperties: false,
  properties: {
    defaultRoute: { type: 'string' },
    topics: RULES,
    groups: RULES,
    transactionalIds: RULES,
    discovery: { enum: ['rules', 'rulesThenExisting'], default: 'rules' },
    clusterAdmin: {
      type: 'object',
      default: {},
      additionalProperties: false,
      properties: { acls: { type: 'string' }, quotas: { type: 'string' }, scramCredentials: { type: 'string' } },
    },
  },
} as const;

/** Which route owns what; shared by every session of the level. */
export interface Owners {
  readonly defaultRoute: string;
  /** The routes, in route id order once METADATA answers revealed the ids (configuration order before). */
  routes: readonly string[];
  /** Whether topics no rule names may be found on any route (discovery: rulesThenExisting). */
  readonly discoverExisting: boolean;
  /** The route of a topic name by rule alone, or undefined when no rule names it. */
  topicRule(name: string): string | undefined;
  /** The owning route of a topic: by rule, else where discovery found it, else the default route. */
  topic(name: string): string;
  group(name: string): string;
  transactionalId(name: string): string;
  /** Topics no rule names, by the route discovery found them on (rulesThenExisting only). */
  readonly discovered: Map<string, string>;
  /** The routes that serve a family of cluster-wide administration: one when configured, else every route. */
  clusterAdmin(family: ClusterAdminFamily): readonly string[];
}

function matcher(rules: readonly Rule[]): (name: string) => string | undefined {
  const compiled = rules.map((rule) => {
    if (rule.exact !== undefined) return { test: (name: string) => name === rule.exact, route: rule.route };
    if (rule.prefix !== undefined) return { test: (name: string) => name.startsWith(rule.prefix!), route: rule.route };
    const pattern = new RegExp(rule.regex!);
    return { test: (name: string) => pattern.test(name), route: rule.route };
  });
  return (name) => compiled.find((rule) => rule.test(name))?.route;
}

/** Checks what the schema cannot (route names, one kind per rule, valid expressions) and compiles the rules. */
export function compileOwners(context: RouterFactoryContext, config: TopicRouterConfig): Owners {
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
  for (const family of CLUSTER_ADMIN) {
    const route = config.clusterAdmin[family];
    if (route !== undefined) check(route, `/clusterAdmin/${family}`);
  }
  const topicRule = matcher(config.topics);
  const groupRule = matcher(config.groups);
  const transactionalIdRule = matcher(config.transactionalIds);
  const discovered = new Map<string, string>();
  const confined = new Map(
    CLUSTER_ADMIN.flatMap((family) => {
      const route = config.clusterAdmin[family];
      return route === undefined ? [] : [[family, [route] as const] as const];
    }),
  );
  return {
    defaultRoute: config.defaultRoute,
    routes: [...context.routeNames],
    discoverExisting: config.discovery === 'rulesThenExisting',
    discovered,
    topicRule,
    topic: (name) => topicRule(name) ?? discovered.get(name) ?? config.defaultRoute,
    group: (name) => groupRule(name) ?? config.defaultRoute,
    transactionalId: (name) => transactionalIdRule(name) ?? config.defaultRoute,
    // A method, not a copy of `routes`: discovery reorders the routes by id after the first METADATA.
    clusterAdmin(family) {
      return confined.get(family) ?? this.routes;
    },
  };
}
