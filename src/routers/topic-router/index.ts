// TopicRouter: several clusters presented as one, each topic, group and transactional id owned by
// one route chosen by rules (docs/routers.md). Written against the public Router API only.
//
// One file per concern: config.ts (schema, checks, ownership rules), router.ts (which handler
// answers each API key), and one file per family of APIs.

import type { RouterFactory } from '../../routing/index.ts';
import { VirtualProducerIds } from '../producer-ids/index.ts';
import { compileOwners, configSchema, type TopicRouterConfig } from './config.ts';
import { createTopicRouter, type TopicRouterLevel } from './router.ts';

export type { TopicRouterConfig } from './config.ts';

export const TopicRouter: RouterFactory<TopicRouterConfig, TopicRouterLevel> = {
  configSchema,
  initialize(context, config) {
    const owners = compileOwners(context, config);
    context.logger.info('TopicRouter configured', { defaultRoute: config.defaultRoute, routes: owners.routes });
    // The same object, not a copy: the TopicRouter's handlers may update the owners' fields.
    return Object.assign(owners, { producerIds: new VirtualProducerIds(context.routeNames, context.logger) });
  },
  createRouter: createTopicRouter,
};
