// A worked example of the Router API (docs/routers.md): one virtual cluster in front of two
// clusters, administration on one and data on the other. Every key is routed statically except
// API_VERSIONS, which the router answers itself to cap the versions both clusters can serve.
import { ApiKey, type ApiVersionsResponse, PluginConfigurationError, type RouterFactory } from '../../src/index.ts';

const ALL_KEYS = Object.values(ApiKey).filter((v): v is ApiKey => typeof v === 'number');

interface SplitConfig {
  /** API key names sent to the route `data`; everything else goes to `control`. */
  readonly data: readonly string[];
}

/** From these versions on, PRODUCE and FETCH name topics by id, and topic ids differ between clusters. */
const TOPIC_ID_VERSION = 13;

/**
 * Static routes for everything but API_VERSIONS: the listed API keys to route `data`, every other
 * key to route `control`. API_VERSIONS is answered by the addressed broker (or the control
 * cluster) with PRODUCE and FETCH capped below v13, because a topic's id on the control cluster
 * means nothing to the data cluster.
 */
export const ApiKeySplit: RouterFactory<SplitConfig, ReadonlyMap<ApiKey, string>> = {
  configSchema: {
    type: 'object',
    required: ['data'],
    additionalProperties: false,
    properties: { data: { type: 'array', items: { type: 'string' } } },
  },
  initialize(ctx, config) {
    for (const name of ['data', 'control']) {
      if (!ctx.routeNames.has(name)) throw new PluginConfigurationError(`ApiKeySplit needs a route named '${name}'`);
    }
    const routes = new Map<ApiKey, string>();
    for (const key of ALL_KEYS) if (key !== ApiKey.API_VERSIONS) routes.set(key, 'control');
    config.data.forEach((name, index) => {
      const key = (ApiKey as Record<string, unknown>)[name];
      if (typeof key !== 'number') throw new PluginConfigurationError(`unknown API key '${name}'`, `/data/${index}`);
      routes.set(key as ApiKey, 'data');
    });
    return routes;
  },
  createRouter: (_ctx, routes) => ({
    staticRoutes: () => routes,
    async onRequest(_apiKey, _version, header, request, context) {
      const response = (await context.sendRequest(
        context.virtualNode() ?? context.anyNode('control'),
        header,
        request,
      )) as ApiVersionsResponse;
      for (const entry of response.apiKeys) {
        if (entry.apiKey === ApiKey.PRODUCE || entry.apiKey === ApiKey.FETCH) {
          entry.maxVersion = Math.min(entry.maxVersion, TOPIC_ID_VERSION - 1);
        }
      }
      return context.respondWith(response).build();
    },
  }),
};
