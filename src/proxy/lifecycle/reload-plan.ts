// What a configuration reload touches (docs/design/2026-12-03-hot-reload.md): a pure comparison of
// the running configuration with the new one, so that the rules are unit-tested without a proxy.
//
// A virtual cluster is restarted when anything its traffic depends on differs: its own definition,
// or the definition of a cluster, router or filter it reaches (through routes and nested routers).
// Sections every virtual cluster shares (`management`, `network`) are not changed by a reload at
// all: a reload that changes them is refused, naming the first key that differs.

import type { ProxyConfigurationModel, VirtualClusterDefinition } from '../../config/model.ts';

export interface ReloadPlan {
  /** Changed (or failed) virtual clusters: drained, then started with their new definition. */
  readonly restart: readonly string[];
  /** Virtual clusters only the new configuration has. */
  readonly start: readonly string[];
  /** Virtual clusters only the running configuration has: drained and stopped. */
  readonly stop: readonly string[];
  /** Untouched: their connections stay open. */
  readonly unchanged: readonly string[];
}

export type ReloadDecision =
  | { readonly kind: 'plan'; readonly plan: ReloadPlan }
  | { readonly kind: 'refused'; readonly reason: string };

/**
 * `failed` names the virtual clusters that are `failed` now: a reload retries them even when their
 * definition is unchanged (the cause may have been outside the file, e.g. a port held elsewhere).
 */
export function planReload(
  running: ProxyConfigurationModel,
  next: ProxyConfigurationModel,
  failed: ReadonlySet<string>,
): ReloadDecision {
  for (const section of ['management', 'network'] as const) {
    const difference = firstDifference(running[section], next[section], section);
    if (difference !== null) {
      return {
        kind: 'refused',
        reason: `${difference} changed: ${section} settings apply to the whole process and are not reloaded; restart the proxy to apply them`,
      };
    }
  }
  const before = new Map(running.virtualClusters.map((vc) => [vc.name, fingerprint(vc, running)]));
  const restart: string[] = [];
  const start: string[] = [];
  const unchanged: string[] = [];
  for (const vc of next.virtualClusters) {
    const previous = before.get(vc.name);
    if (previous === undefined) start.push(vc.name);
    else if (previous !== fingerprint(vc, next) || failed.has(vc.name)) restart.push(vc.name);
    else unchanged.push(vc.name);
  }
  const names = new Set(next.virtualClusters.map((vc) => vc.name));
  const stop = running.virtualClusters.filter((vc) => !names.has(vc.name)).map((vc) => vc.name);
  return { kind: 'plan', plan: { restart, start, stop, unchanged } };
}

/**
 * Everything a virtual cluster's runtime reads from the configuration, as one string. Where a
 * definition sits in the file (`path`) and the loaded plugin module (`implementation`, the same
 * module for the same `type`) are left out: moving a definition changes nothing.
 */
function fingerprint(vc: VirtualClusterDefinition, config: ProxyConfigurationModel): string {
  const routers = new Map<string, unknown>();
  const clusters = new Set<string>();
  const filters = new Set(vc.filters);
  const visit = (target: VirtualClusterDefinition['target']): void => {
    if (target.kind === 'cluster') {
      clusters.add(target.cluster);
      return;
    }
    if (routers.has(target.router)) return;
    const router = config.routers.get(target.router);
    routers.set(target.router, router);
    for (const route of router?.routes ?? []) {
      for (const filter of route.filters) filters.add(filter);
      visit(route.target);
    }
  };
  visit(vc.target);
  return JSON.stringify(
    {
      vc,
      routers: [...routers],
      clusters: [...clusters].sort().map((name) => config.clusters.get(name)),
      filters: [...filters].sort().map((name) => config.filters.get(name)),
    },
    (key, value) => (key === 'implementation' || key === 'path' ? undefined : value),
  );
}

/** The first key path where two plain values differ ("network.session.maxFrameBytes"), or null. */
function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return path;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const difference = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );
    if (difference !== null) return difference;
  }
  return null;
}
