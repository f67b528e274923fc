// A read-only description of a virtual cluster's route graph, for the admin page and its JSON API.
// It unfolds the configuration the same way RouteGraph does (a router reached along two paths
// appears twice, at two paths), so what an operator sees is what the data path runs.

import type { ProxyConfigurationModel, TargetReference, VirtualClusterDefinition } from '../config/model.ts';
import { formatHostPort } from '../proxy/address/host-port.ts';

export type RouteTargetView =
  | {
      readonly kind: 'cluster';
      readonly cluster: string;
      /** "host:port" of each configured bootstrap server. */
      readonly bootstrapServers: readonly string[];
    }
  | {
      readonly kind: 'router';
      readonly router: string;
      /** The router's `type` as written in the configuration. */
      readonly type: string;
      /** The level's path, as in router logs: the top router's name, then `/route/router` per level. */
      readonly path: string;
      readonly routes: readonly RouteView[];
    };

export interface RouteView {
  readonly name: string;
  readonly id: number;
  /** The route's filter chain, in order. */
  readonly filters: readonly string[];
  readonly target: RouteTargetView;
}

export interface RouteGraphView {
  /** The virtual cluster's own filter chain, in front of the graph. */
  readonly filters: readonly string[];
  readonly target: RouteTargetView;
}

/** The route graph of `definition`; the configuration was validated, so every reference resolves. */
export function describeRouteGraph(
  definition: VirtualClusterDefinition,
  config: ProxyConfigurationModel,
): RouteGraphView {
  const describe = (target: TargetReference, path: string): RouteTargetView => {
    if (target.kind === 'cluster') {
      const cluster = config.clusters.get(target.cluster);
      return {
        kind: 'cluster',
        cluster: target.cluster,
        bootstrapServers: (cluster?.bootstrapServers ?? []).map(formatHostPort),
      };
    }
    const router = config.routers.get(target.router);
    return {
      kind: 'router',
      router: target.router,
      type: router?.type ?? '',
      path,
      routes: [...(router?.routes ?? [])]
        .sort((a, b) => a.id - b.id)
        .map((route) => ({
          name: route.name,
          id: route.id,
          filters: route.filters,
          target: describe(
            route.target,
            route.target.kind === 'router' ? `${path}/${route.name}/${route.target.router}` : path,
          ),
        })),
    };
  };
  const top = definition.target;
  return { filters: definition.filters, target: describe(top, top.kind === 'router' ? top.router : '') };
}
