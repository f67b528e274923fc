// The smallest router (docs/routers.md): one route, every key static. A virtual cluster behind it
// forwards exactly what a virtual cluster targeting the cluster directly forwards; the benchmark's
// `routed` workload measures that it costs no more.
import { ApiKey, PluginConfigurationError, type RouterFactory } from '../../src/index.ts';

const ALL_KEYS = Object.values(ApiKey).filter((v): v is ApiKey => typeof v === 'number');

/** One route, every key static: as cheap as a VC that targets the cluster directly. */
export const PassThrough: RouterFactory<null, string> = {
  initialize(ctx) {
    if (ctx.routeNames.size !== 1) throw new PluginConfigurationError('PassThrough needs exactly one route');
    const [only] = ctx.routeNames;
    return only!;
  },
  createRouter(_ctx, route) {
    const routes = new Map(ALL_KEYS.map((k) => [k, route] as const));
    return {
      staticRoutes: () => routes,
      onRequest: () => {
        throw new Error('unreachable: every key is static');
      },
    };
  },
};
