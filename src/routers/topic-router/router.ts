// The TopicRouter of one client session: which handler answers each API key. Requests of keys
// without a handler go to the addressed broker, or to the default route on a bootstrap session.

import type {
  CreateTopicsRequest,
  DeleteTopicsRequest,
  FindCoordinatorRequest,
  MetadataRequest,
} from '../../filter/index.ts';
import { ApiKey } from '../../protocol/generated/api-keys.ts';
import type { Router, RouterFactoryContext } from '../../routing/index.ts';
import { apiVersions } from './api-versions.ts';
import type { Owners } from './config.ts';
import { forward } from './forward.ts';
import { metadata } from './metadata.ts';
import { createTopics, deleteTopics } from './topics.ts';

export function createTopicRouter(context: RouterFactoryContext, owners: Owners): Router {
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
}
