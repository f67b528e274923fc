// Routes of one router that reach the same cluster (routing.md §4.7, VS1). Startup fails such a
// level unless its factory called allowSharedClusterTargets(); `switchyard validate`, which runs no
// plugin code, reports each such pair as a warning instead.

import { type ConfigurationIssue, createIssue } from './issues.ts';
import {
  configurationModel,
  type ProxyConfiguration,
  type ProxyConfigurationModel,
  type TargetReference,
} from './model.ts';

export interface SharedClusterTarget {
  readonly router: string;
  /** The earlier of the two routes in file order. */
  readonly routeA: string;
  readonly routeB: string;
  readonly cluster: string;
  /** How a route reaches the cluster through a nested router, when one does (B preferred). */
  readonly via?: { readonly route: string; readonly router: string };
}

/** Every pair of routes of `router` that reach a common cluster, directly or through nested routers. */
export function sharedClusterTargets(model: ProxyConfigurationModel, router: string): SharedClusterTarget[] {
  const reach = new Map<string, ReadonlySet<string>>();
  const clustersOf = (target: TargetReference): ReadonlySet<string> => {
    if (target.kind === 'cluster') return new Set([target.cluster]);
    let known = reach.get(target.router);
    if (known === undefined) {
      // The loader has rejected cycles, so this recursion terminates.
      const all = new Set<string>();
      for (const route of model.routers.get(target.router)?.routes ?? []) {
        for (const cluster of clustersOf(route.target)) all.add(cluster);
      }
      known = all;
      reach.set(target.router, known);
    }
    return known;
  };
  const routes = model.routers.get(router)?.routes ?? [];
  const reached = routes.map((route) => clustersOf(route.target));
  const found: SharedClusterTarget[] = [];
  routes.forEach((a, i) => {
    for (let j = i + 1; j < routes.length; j++) {
      const b = routes[j]!;
      for (const cluster of reached[i]!) {
        if (!reached[j]!.has(cluster)) continue;
        const nested = b.target.kind === 'router' ? b : a.target.kind === 'router' ? a : undefined;
        found.push({
          router,
          routeA: a.name,
          routeB: b.name,
          cluster,
          ...(nested?.target.kind === 'router' ? { via: { route: nested.name, router: nested.target.router } } : {}),
        });
      }
    }
  });
  return found;
}

/**
 * Warnings that only `switchyard validate` reports: each pair of routes that startup will refuse
 * (VS1) unless the router's factory calls allowSharedClusterTargets(). Located, like every
 * relationship problem, at the first definition involved: the earlier route of the pair.
 */
export function validationWarnings(config: ProxyConfiguration): readonly ConfigurationIssue[] {
  const model = configurationModel(config);
  const definitions = [...model.routers.keys()];
  const issues: ConfigurationIssue[] = [];
  definitions.forEach((router, i) => {
    const routes = model.routers.get(router)?.routes ?? [];
    for (const overlap of sharedClusterTargets(model, router)) {
      const path = `routerDefinitions[${i}].routes[${routes.findIndex((r) => r.name === overlap.routeA)}]`;
      issues.push(
        createIssue({
          severity: 'warning',
          message: `Routes '${overlap.routeA}' and '${overlap.routeB}' of router '${router}' both reach cluster '${overlap.cluster}'; startup will fail unless the router factory calls allowSharedClusterTargets()`,
          file: model.source.file,
          ...model.source.locate(path),
          path,
        }),
      );
    }
  });
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}
