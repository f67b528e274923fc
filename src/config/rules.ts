// Rules about relationships between items of the configuration (routing.md §4.7, gateways): names
// and references, the router graph, plugin types and configs, SASL placement and gateway addresses.
// The shape of each item has already been checked by the schema walk.

import { validatePluginConfig } from '../plugins/config-schema.ts';
import type { PluginResolution } from '../plugins/registry.ts';
import type { HostPort } from './model.ts';
import type { RawConfiguration, RawGateway, RawRoute, RawRouter, RawTarget } from './raw.ts';
import { type Path, pointerSegments } from './source.ts';
import { didYouMean } from './suggest.ts';
import { formatHostPort } from './values.ts';

export interface RuleContext {
  report(severity: 'error' | 'warning', message: string, path: Path): void;
  /** 1-based line of the item at `path`. */
  lineOf(path: Path): number;
}

/** Plugins resolved for the definitions, by index; undefined where `type` was invalid. */
export interface ResolvedPlugins {
  readonly filters: readonly (PluginResolution | undefined)[];
  readonly routers: readonly (PluginResolution | undefined)[];
}

/** Validated plugin configs by definition index, filled in by `checkRules`. */
export interface ValidatedConfigs {
  readonly filters: unknown[];
  readonly routers: unknown[];
}

const MAX_ROUTES = 21474; // ⌊(2^31 − 1) / 100000⌋: broker ids up to 100000 must not overflow
const MAX_LEVELS = 256;
const VC_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

const quoted = (names: Iterable<string>): string => [...names].map((n) => `'${n}'`).join(', ');

/** Index of the first definition of each name, reporting later duplicates. */
function indexNames(
  ctx: RuleContext,
  items: readonly ({ readonly name?: string } | undefined)[] | undefined,
  listKey: string,
  duplicate: (name: string, firstLine: number) => string,
  normalize: (name: string) => string = (n) => n,
): Map<string, number> {
  const first = new Map<string, number>();
  items?.forEach((item, i) => {
    if (item?.name === undefined) return;
    const key = normalize(item.name);
    const previous = first.get(key);
    if (previous === undefined) first.set(key, i);
    else ctx.report('error', duplicate(item.name, ctx.lineOf([listKey, previous])), [listKey, i, 'name']);
  });
  return first;
}

/** JSON pointer of a plugin config to a document path, numeric tokens indexing lists. */
function configPath(base: Path, config: unknown, pointer: string): Path {
  const path: (string | number)[] = [...base];
  let value = config;
  for (const token of pointerSegments(pointer)) {
    if (Array.isArray(value) && /^\d+$/.test(token)) {
      path.push(Number(token));
      value = value[Number(token)];
    } else {
      path.push(token);
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[token] : undefined;
    }
  }
  return path;
}

type PluginNoun = 'Router' | 'Filter';

function checkPlugin(
  ctx: RuleContext,
  noun: PluginNoun,
  definition: { readonly name?: string; readonly type?: string; readonly config?: unknown },
  resolution: PluginResolution | undefined,
  path: Path,
): unknown {
  if (resolution === undefined || definition.type === undefined) return undefined;
  const name = definition.name ?? '?';
  const type = definition.type;
  const kind = noun.toLowerCase();
  if (!resolution.ok) {
    switch (resolution.problem) {
      case 'unknown': {
        const known = [...resolution.known].sort();
        ctx.report(
          'error',
          `${noun} '${name}' has type '${type}', which is not a known ${kind} plugin (known: ${known.join(', ') || 'none'})${didYouMean(type, known)}`,
          [...path, 'type'],
        );
        break;
      }
      case 'load':
        ctx.report(
          'error',
          `${noun} '${name}': cannot load plugin module '${resolution.module}': ${resolution.reason}`,
          [...path, 'type'],
        );
        break;
      case 'export':
        ctx.report(
          'error',
          `${noun} '${name}': module '${resolution.module}' has no export named '${resolution.exportName}'`,
          [...path, 'type'],
        );
        break;
      case 'shape':
        ctx.report(
          'error',
          `${noun} '${name}': '${type}' is not a ${kind} factory (it needs initialize() and create${noun}())`,
          [...path, 'type'],
        );
        break;
    }
    return undefined;
  }
  const config = definition.config === undefined ? null : definition.config;
  const result = validatePluginConfig(resolution.plugin.configSchema, config);
  switch (result.kind) {
    case 'valid':
      return result.value;
    case 'invalid-schema':
      ctx.report('error', `${noun} '${name}': plugin '${type}' has an invalid configSchema: ${result.reason}`, [
        ...path,
        'type',
      ]);
      return undefined;
    case 'invalid':
      for (const violation of result.violations) {
        ctx.report(
          'error',
          `${noun} '${name}' has invalid config at '${violation.pointer}': ${violation.message}`,
          configPath([...path, 'config'], config, violation.pointer),
        );
      }
      return undefined;
  }
}

/** Checks exactly-one-of for a target; returns true when it names exactly one. */
function checkTarget(ctx: RuleContext, target: RawTarget | undefined, subject: string, path: Path): boolean {
  if (target === undefined) return false;
  const both = target.cluster !== undefined && target.router !== undefined;
  const neither = target.cluster === undefined && target.router === undefined;
  if (both || neither) {
    ctx.report(
      'error',
      `Target of ${subject} must specify exactly one of 'cluster' or 'router', but ${both ? 'both were' : 'neither was'} provided`,
      path,
    );
    return false;
  }
  return true;
}

/** A budget below one request frame would close a client for sending one legitimate request. */
function checkBufferBudget(ctx: RuleContext, raw: RawConfiguration): void {
  const budget = raw.network?.overload?.maxBufferedBytes;
  const frame = raw.network?.session?.maxFrameBytes;
  if (budget === undefined || frame === undefined || budget >= frame) return;
  ctx.report(
    'warning',
    `network.overload.maxBufferedBytes (${budget}) is smaller than network.session.maxFrameBytes (${frame}): one large request would exceed the budget and close its connection`,
    ['network', 'overload', 'maxBufferedBytes'],
  );
}

export function checkRules(
  ctx: RuleContext,
  raw: RawConfiguration,
  plugins: ResolvedPlugins,
  configs: ValidatedConfigs,
): void {
  checkBufferBudget(ctx, raw);
  const clusters = raw.clusterDefinitions ?? [];
  const filters = raw.filterDefinitions ?? [];
  const routers = raw.routerDefinitions ?? [];
  const vcs = raw.virtualClusters ?? [];

  // Names (VK1, VF1, VR1, VC1, VC2).
  const clusterIndex = indexNames(
    ctx,
    clusters,
    'clusterDefinitions',
    (n, l) => `Duplicate cluster definition name '${n}' (first defined at line ${l})`,
  );
  const filterIndex = indexNames(
    ctx,
    filters,
    'filterDefinitions',
    (n, l) => `Duplicate filter definition name '${n}' (first defined at line ${l})`,
  );
  const routerIndex = indexNames(
    ctx,
    routers,
    'routerDefinitions',
    (n, l) => `Duplicate router definition name '${n}' (first defined at line ${l})`,
  );
  vcs.forEach((vc, i) => {
    if (vc?.name !== undefined && !VC_NAME.test(vc.name)) {
      ctx.report(
        'error',
        `Virtual cluster name '${vc.name}' is invalid: use 1 to 63 letters, digits or '-', starting and ending with a letter or digit`,
        ['virtualClusters', i, 'name'],
      );
    }
  });
  indexNames(
    ctx,
    vcs,
    'virtualClusters',
    (n, l) => `Duplicate virtual cluster name '${n}' (names are compared ignoring case; first defined at line ${l})`,
    (n) => n.toLowerCase(),
  );
  if (vcs.length === 0) {
    ctx.report('error', "The configuration must define at least one virtual cluster in 'virtualClusters'", [
      'virtualClusters',
    ]);
  }

  // Upstream TLS without verification is legal but dangerous.
  clusters.forEach((cluster, i) => {
    if (cluster?.tls?.trust?.insecure === true) {
      ctx.report(
        'warning',
        `Cluster definition '${cluster.name ?? '?'}' disables TLS certificate verification of the upstream cluster (tls.trust.insecure: true); connections are open to man-in-the-middle attacks, use this only for testing`,
        ['clusterDefinitions', i, 'tls', 'trust', 'insecure'],
      );
    }
  });

  // Plugins (VR2–VR6 and their filter counterparts).
  filters.forEach((filter, i) => {
    if (filter !== undefined) {
      configs.filters[i] = checkPlugin(ctx, 'Filter', filter, plugins.filters[i], ['filterDefinitions', i]);
    }
  });
  routers.forEach((router, i) => {
    if (router !== undefined) {
      configs.routers[i] = checkPlugin(ctx, 'Router', router, plugins.routers[i], ['routerDefinitions', i]);
    }
  });

  const usedFilters = new Set<string>();
  const usedClusters = new Set<string>();
  const usedRouters = new Set<string>();
  const saslRole = (filter: string): string | undefined => {
    const index = filterIndex.get(filter);
    const resolution = index === undefined ? undefined : plugins.filters[index];
    return resolution?.ok ? resolution.plugin.saslRole : undefined;
  };
  const checkFilterNames = (
    names: readonly (string | undefined)[] | undefined,
    path: Path,
    unknown: (filter: string) => string,
  ): void => {
    names?.forEach((filter, j) => {
      if (filter === undefined) return;
      usedFilters.add(filter);
      if (!filterIndex.has(filter)) {
        ctx.report('error', `${unknown(filter)}${didYouMean(filter, filterIndex.keys())}`, [...path, j]);
      }
    });
  };
  const isInspectingOrTerminating = (filter: string | undefined): filter is string => {
    const role = filter === undefined ? undefined : saslRole(filter);
    return role === 'inspect' || role === 'terminate';
  };

  // defaultFilters (VF2).
  checkFilterNames(raw.defaultFilters, ['defaultFilters'], (f) => `defaultFilters references unknown filter '${f}'`);

  // Routers and routes (VR7–VR14, VF4, VA1, VA3, VA4).
  routers.forEach((router, i) => {
    if (router === undefined) return;
    const routerName = router.name ?? '?';
    const path: Path = ['routerDefinitions', i];
    const routes = router.routes ?? [];
    if (routes.length === 0) {
      ctx.report(
        'error',
        `Router '${routerName}' must have at least one route`,
        router.routes ? [...path, 'routes'] : path,
      );
      return;
    }
    const S = routes.length;
    if (S > MAX_ROUTES) {
      ctx.report(
        'error',
        `Router '${routerName}' has ${S} routes, which risks integer overflow in virtual node ids for broker ids up to 100000 (at most ${MAX_ROUTES} routes are allowed)`,
        [...path, 'routes'],
      );
    }
    checkDuplicates(
      ctx,
      routes,
      (r) => r.name,
      path,
      'name',
      (d) => `Router '${routerName}' has duplicate route names: ${quoted(d)}`,
    );
    checkDuplicates(
      ctx,
      routes,
      (r) => r.id,
      path,
      'id',
      (d) => `Router '${routerName}' has duplicate route ids: ${d.join(', ')}`,
    );
    routes.forEach((route, j) => {
      if (route === undefined) return;
      const routePath: Path = [...path, 'routes', j];
      const routeName = route.name ?? '?';
      if (route.id !== undefined && (route.id < 0 || route.id >= S)) {
        ctx.report(
          'error',
          `Route '${routeName}' in router '${routerName}' has id ${route.id}, which is outside the valid range [0, ${S})`,
          [...routePath, 'id'],
        );
      }
      checkFilterNames(
        route.filters,
        [...routePath, 'filters'],
        (f) => `Route '${routeName}' in router '${routerName}' references unknown filter '${f}'`,
      );
      const target = route.target;
      // A reference counts as a use even when the target itself is malformed.
      if (target?.cluster !== undefined) usedClusters.add(target.cluster);
      if (target?.router !== undefined) usedRouters.add(target.router);
      if (checkTarget(ctx, target, `route '${routeName}' in router '${routerName}'`, [...routePath, 'target'])) {
        if (target?.cluster !== undefined) {
          if (!clusterIndex.has(target.cluster)) {
            ctx.report(
              'error',
              `Route '${routeName}' in router '${routerName}' references unknown cluster '${target.cluster}'${didYouMean(target.cluster, clusterIndex.keys())}`,
              [...routePath, 'target', 'cluster'],
            );
          }
        } else if (target?.router !== undefined) {
          if (!routerIndex.has(target.router)) {
            ctx.report(
              'error',
              `Route '${routeName}' in router '${routerName}' references unknown router '${target.router}'${didYouMean(target.router, routerIndex.keys())}`,
              [...routePath, 'target', 'router'],
            );
          }
        }
      }
      // SASL placement on routes.
      const initiators: string[] = [];
      route.filters?.forEach((filter, k) => {
        if (filter === undefined) return;
        const role = saslRole(filter);
        if (role === 'inspect' || role === 'terminate') {
          ctx.report(
            'error',
            `Filter '${filter}' (${role}) may only be used in a virtual cluster's filter chain, not on route '${routeName}' of router '${routerName}'`,
            [...routePath, 'filters', k],
          );
        } else if (role === 'initiate') {
          initiators.push(filter);
          if (target?.router !== undefined && target.cluster === undefined) {
            ctx.report(
              'error',
              `Filter '${filter}' (initiate) may only be used on a route whose target is a cluster; route '${routeName}' of router '${routerName}' targets a router`,
              [...routePath, 'filters', k],
            );
          }
        }
      });
      if (initiators.length > 1) {
        ctx.report(
          'error',
          `Route '${routeName}' in router '${routerName}' has more than one SASL initiating filter: ${quoted(initiators)}`,
          [...routePath, 'filters'],
        );
      }
    });
  });

  // Virtual clusters (VC3–VC9, VF3, VA2, VL1 is in the schema).
  vcs.forEach((vc, i) => {
    if (vc === undefined) return;
    const vcName = vc.name ?? '?';
    const path: Path = ['virtualClusters', i];
    const hasTarget = vc.target !== undefined;
    const hasInline = vc.targetCluster !== undefined;
    if (hasTarget === hasInline) {
      ctx.report('error', `Virtual cluster '${vcName}' must specify exactly one of 'targetCluster' or 'target'`, path);
    } else if (hasInline) {
      ctx.report(
        'warning',
        `Virtual cluster '${vcName}' uses the deprecated 'targetCluster'; define the cluster in 'clusterDefinitions' and use 'target: {cluster: <name>}' instead`,
        [...path, 'targetCluster'],
      );
    }
    if (vc.target?.cluster !== undefined) usedClusters.add(vc.target.cluster);
    if (vc.target?.router !== undefined) usedRouters.add(vc.target.router);
    if (checkTarget(ctx, vc.target, `virtual cluster '${vcName}'`, [...path, 'target'])) {
      const { cluster, router } = vc.target ?? {};
      if (cluster !== undefined) {
        if (!clusterIndex.has(cluster)) {
          ctx.report(
            'error',
            `Virtual cluster '${vcName}' references unknown cluster '${cluster}'${didYouMean(cluster, clusterIndex.keys())}`,
            [...path, 'target', 'cluster'],
          );
        }
      } else if (router !== undefined) {
        if (!routerIndex.has(router)) {
          ctx.report(
            'error',
            `Virtual cluster '${vcName}' references unknown router '${router}'${didYouMean(router, routerIndex.keys())}`,
            [...path, 'target', 'router'],
          );
        }
      }
    }
    checkFilterNames(
      vc.filters,
      [...path, 'filters'],
      (f) => `Virtual cluster '${vcName}' references unknown filter '${f}'`,
    );
    const chain = vc.filters ?? raw.defaultFilters ?? [];
    // VA3: initiation authenticates the proxy to one route's cluster; a VC chain has no such route.
    chain.forEach((filter, j) => {
      if (filter !== undefined && saslRole(filter) === 'initiate') {
        ctx.report(
          'error',
          `Filter '${filter}' (initiate) may only be used on a route whose target is a cluster, not in the filter chain of virtual cluster '${vcName}'`,
          vc.filters ? [...path, 'filters', j] : ['defaultFilters', j],
        );
      }
    });
    const sasl = chain.filter(isInspectingOrTerminating);
    if (sasl.length > 1) {
      ctx.report(
        'error',
        `Virtual cluster '${vcName}' has more than one SASL inspecting or terminating filter: ${quoted(sasl)}`,
        vc.filters ? [...path, 'filters'] : ['defaultFilters'],
      );
    }
    if (vc.gateways === undefined || vc.gateways.length === 0) {
      ctx.report(
        'error',
        `Virtual cluster '${vcName}' must have at least one gateway`,
        vc.gateways ? [...path, 'gateways'] : path,
      );
    } else {
      checkGatewaysOfVc(ctx, vcName, vc.gateways, [...path, 'gateways']);
    }
  });
  checkGatewayAddresses(ctx, raw);

  // The router graph (VR15–VR17).
  const cyclic = checkCycles(ctx, routers, routerIndex);
  checkUnfolding(ctx, raw, routers, routerIndex, cyclic);

  // Unused definitions (VF5, VC10, VR18).
  filters.forEach((filter, i) => {
    if (filter?.name !== undefined && filterIndex.get(filter.name) === i && !usedFilters.has(filter.name)) {
      ctx.report(
        'warning',
        `Filter definition '${filter.name}' is not used by defaultFilters, any virtual cluster or any route`,
        ['filterDefinitions', i, 'name'],
      );
    }
  });
  clusters.forEach((cluster, i) => {
    if (cluster?.name !== undefined && clusterIndex.get(cluster.name) === i && !usedClusters.has(cluster.name)) {
      ctx.report('warning', `Cluster definition '${cluster.name}' is not used by any virtual cluster or route`, [
        'clusterDefinitions',
        i,
        'name',
      ]);
    }
  });
  routers.forEach((router, i) => {
    if (router?.name !== undefined && routerIndex.get(router.name) === i && !usedRouters.has(router.name)) {
      ctx.report('warning', `Router definition '${router.name}' is not used by any virtual cluster or route`, [
        'routerDefinitions',
        i,
        'name',
      ]);
    }
  });
}

/** VR8/VR9: one message per router listing the repeated values, at the first route involved. */
function checkDuplicates<T extends string | number>(
  ctx: RuleContext,
  routes: readonly (RawRoute | undefined)[],
  key: (route: RawRoute) => T | undefined,
  routerPath: Path,
  property: string,
  message: (duplicates: T[]) => string,
): void {
  const firstIndex = new Map<T, number>();
  const duplicates: T[] = [];
  routes.forEach((route, j) => {
    const value = route === undefined ? undefined : key(route);
    if (value === undefined) return;
    if (!firstIndex.has(value)) firstIndex.set(value, j);
    else if (!duplicates.includes(value)) duplicates.push(value);
  });
  if (duplicates.length > 0) {
    const first = Math.min(...duplicates.map((d) => firstIndex.get(d)!));
    ctx.report('error', message(duplicates), [...routerPath, 'routes', first, property]);
  }
}

/** VR15: one message per strongly connected component that contains a cycle. Returns its routers. */
function checkCycles(
  ctx: RuleContext,
  routers: readonly (RawRouter | undefined)[],
  index: Map<string, number>,
): Set<string> {
  const edges = new Map<string, string[]>();
  for (const [name, i] of index) {
    const targets = (routers[i]?.routes ?? [])
      .map((r) => r?.target)
      .filter((t): t is RawTarget => t?.router !== undefined && t.cluster === undefined && index.has(t.router))
      .map((t) => t.router!);
    edges.set(name, targets);
  }
  // Tarjan's algorithm; recursion depth is bounded by the number of router definitions.
  let counter = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    order.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, order.get(w)!));
      }
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      components.push(component);
    }
  };
  for (const name of index.keys()) if (!order.has(name)) visit(name);

  const cyclic = new Set<string>();
  const found: { start: string; cycle: string[] }[] = [];
  for (const component of components) {
    const members = new Set(component);
    const start = component.reduce((a, b) => (index.get(a)! <= index.get(b)! ? a : b));
    if (component.length === 1 && !(edges.get(start) ?? []).includes(start)) continue;
    for (const m of component) cyclic.add(m);
    // Shortest way back to `start` inside the component, for a readable message.
    const previous = new Map<string, string>();
    const queue = [start];
    let closing: string | undefined;
    while (queue.length > 0 && closing === undefined) {
      const v = queue.shift()!;
      for (const w of edges.get(v) ?? []) {
        if (w === start) {
          closing = v;
          break;
        }
        if (members.has(w) && !previous.has(w)) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    const cycle = [start];
    for (let v = closing!; v !== start; v = previous.get(v)!) cycle.splice(1, 0, v);
    cycle.push(start);
    found.push({ start, cycle });
  }
  found.sort((a, b) => index.get(a.start)! - index.get(b.start)!);
  for (const { start, cycle } of found) {
    ctx.report('error', `Router definitions contain a cycle: ${cycle.join(' -> ')}`, [
      'routerDefinitions',
      index.get(start)!,
    ]);
  }
  return cyclic;
}

/** VR16 and VR17 for each VC whose target is a router outside any cycle. */
function checkUnfolding(
  ctx: RuleContext,
  raw: RawConfiguration,
  routers: readonly (RawRouter | undefined)[],
  index: Map<string, number>,
  cyclic: Set<string>,
): void {
  const routerOf = (name: string): RawRouter | undefined => {
    const i = index.get(name);
    return i === undefined ? undefined : routers[i];
  };
  const reachesCycle = new Map<string, boolean>();
  const touchesCycle = (name: string): boolean => {
    const known = reachesCycle.get(name);
    if (known !== undefined) return known;
    reachesCycle.set(name, true); // provisional, in case of a cycle not caught above
    const result =
      cyclic.has(name) ||
      (routerOf(name)?.routes ?? []).some(
        (r) => r?.target?.router !== undefined && index.has(r.target.router) && touchesCycle(r.target.router),
      );
    reachesCycle.set(name, result);
    return result;
  };
  const levelCount = new Map<string, number>();
  const levels = (name: string): number => {
    let n = levelCount.get(name);
    if (n === undefined) {
      n = 1;
      for (const r of routerOf(name)?.routes ?? []) {
        const next = r?.target?.cluster === undefined ? r?.target?.router : undefined;
        if (next !== undefined && index.has(next)) n += levels(next);
      }
      levelCount.set(name, n);
    }
    return n;
  };
  raw.virtualClusters?.forEach((vc, i) => {
    const top = vc?.target?.cluster === undefined ? vc?.target?.router : undefined;
    if (vc === undefined || top === undefined || !index.has(top) || touchesCycle(top)) return;
    const vcName = vc.name ?? '?';
    const targetPath: Path = ['virtualClusters', i, 'target'];
    const n = levels(top);
    if (n > MAX_LEVELS) {
      ctx.report(
        'error',
        `Virtual cluster '${vcName}' unfolds into ${n} router levels; at most ${MAX_LEVELS} are allowed`,
        targetPath,
      );
      return;
    }
    const walk = (name: string, routerPath: string, product: number, depth: number): void => {
      const routes = routerOf(name)?.routes ?? [];
      const P = product * routes.length;
      const reported = new Set<string>();
      for (const route of routes) {
        const target = route?.target;
        if (target?.cluster !== undefined && target.router === undefined) {
          // A single level over the limit is VR11's business.
          if (P > MAX_ROUTES && depth > 0 && !reported.has(target.cluster)) {
            reported.add(target.cluster);
            ctx.report(
              'error',
              `Virtual cluster '${vcName}' reaches cluster '${target.cluster}' through ${routerPath} whose route counts multiply to ${P}, which risks integer overflow in virtual node ids for broker ids up to 100000 (the product must be at most ${MAX_ROUTES})`,
              targetPath,
            );
          }
        } else if (target?.router !== undefined && index.has(target.router)) {
          walk(target.router, `${routerPath}/${route?.name ?? '?'}/${target.router}`, P, depth + 1);
        }
      }
    };
    walk(top, top, 1, 0);
  });
}

/** Gateway rules within one VC: names, exactly one kind, SNI needs TLS, node id ranges. */
function checkGatewaysOfVc(
  ctx: RuleContext,
  vcName: string,
  gateways: readonly (RawGateway | undefined)[],
  path: Path,
): void {
  const firstByName = new Map<string, number>();
  gateways.forEach((gateway, g) => {
    if (gateway === undefined) return;
    const gwPath: Path = [...path, g];
    const gwName = gateway.name ?? '?';
    const subject = `Gateway '${gwName}' of virtual cluster '${vcName}'`;
    if (gateway.name !== undefined) {
      const first = firstByName.get(gateway.name);
      if (first === undefined) firstByName.set(gateway.name, g);
      else {
        ctx.report(
          'error',
          `Duplicate gateway name '${gateway.name}' in virtual cluster '${vcName}' (first defined at line ${ctx.lineOf([...path, first])})`,
          [...gwPath, 'name'],
        );
      }
    }
    const port = gateway.portIdentifiesNode;
    const sni = gateway.sniHostIdentifiesNode;
    if ((port === undefined) === (sni === undefined)) {
      ctx.report(
        'error',
        `${subject} must specify exactly one of 'portIdentifiesNode' or 'sniHostIdentifiesNode', but ${port ? 'both were' : 'neither was'} provided`,
        gwPath,
      );
    }
    if (sni !== undefined && gateway.tls === undefined) {
      ctx.report('error', `${subject} uses 'sniHostIdentifiesNode', which requires 'tls'`, [
        ...gwPath,
        'sniHostIdentifiesNode',
      ]);
    }
    const trust = gateway.tls?.trust;
    if (trust?.principal !== undefined && trust.clientAuth === 'NONE') {
      ctx.report(
        'warning',
        `${subject} maps client certificates to principals, but with clientAuth NONE no client sends one`,
        [...gwPath, 'tls', 'trust', 'principal'],
      );
    }
    const ranges = port?.nodeIdRanges;
    if (ranges !== undefined) {
      const seen: { name: string; start: number; end: number }[] = [];
      ranges.forEach((range, r) => {
        if (range?.start === undefined || range.end === undefined) return;
        const rangePath: Path = [...gwPath, 'portIdentifiesNode', 'nodeIdRanges', r];
        const rangeName = range.name ?? '?';
        if (range.start > range.end) {
          ctx.report(
            'error',
            `Node id range '${rangeName}' of ${subject.toLowerCase()} has start ${range.start} greater than end ${range.end}`,
            rangePath,
          );
          return;
        }
        const overlapping = seen.find((s) => s.start <= range.end! && range.start! <= s.end);
        if (overlapping) {
          ctx.report(
            'error',
            `Node id ranges '${overlapping.name}' and '${rangeName}' of ${subject.toLowerCase()} overlap`,
            rangePath,
          );
        }
        seen.push({ name: rangeName, start: range.start, end: range.end });
      });
    }
  });
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

interface Binding {
  readonly address: HostPort;
  readonly sni: boolean;
  readonly owner: string;
  readonly path: Path;
}

/** Bind addresses may be shared only by SNI gateways (which all require TLS). */
function checkGatewayAddresses(ctx: RuleContext, raw: RawConfiguration): void {
  const byPort = new Map<number, Binding[]>();
  // One message per pair of gateways, however many of their node ports collide.
  const reportedPairs = new Set<string>();
  const add = (binding: Binding): void => {
    if (binding.address.port === 0) return; // a free port, never shared
    for (const other of byPort.get(binding.address.port) ?? []) {
      const a = binding.address.host;
      const b = other.address.host;
      const overlaps = a === b || WILDCARDS.has(a) || WILDCARDS.has(b);
      if (overlaps && !(binding.sni && other.sni)) {
        const pair = `${binding.owner}\u0000${other.owner}`;
        if (reportedPairs.has(pair)) return;
        reportedPairs.add(pair);
        ctx.report(
          'error',
          `${binding.owner} binds ${formatHostPort(binding.address)}, which ${other.owner.replace(/^Gateway/, 'gateway')} also binds; only SNI gateways may share an address`,
          binding.path,
        );
        return;
      }
    }
    const list = byPort.get(binding.address.port);
    if (list === undefined) byPort.set(binding.address.port, [binding]);
    else list.push(binding);
  };
  raw.virtualClusters?.forEach((vc, i) => {
    vc?.gateways?.forEach((gateway, g) => {
      if (
        gateway === undefined ||
        (gateway.portIdentifiesNode === undefined) === (gateway.sniHostIdentifiesNode === undefined)
      )
        return;
      const owner = `Gateway '${gateway.name ?? '?'}' of virtual cluster '${vc.name ?? '?'}'`;
      const path: Path = ['virtualClusters', i, 'gateways', g];
      const sni = gateway.sniHostIdentifiesNode;
      if (sni?.bootstrapAddress !== undefined) {
        add({
          address: { host: sni.bindAddress ?? '0.0.0.0', port: sni.bootstrapAddress.port },
          sni: true,
          owner,
          path: [...path, 'sniHostIdentifiesNode', 'bootstrapAddress'],
        });
      }
      const port = gateway.portIdentifiesNode;
      if (port?.bootstrapAddress === undefined) return;
      const bootstrap = port.bootstrapAddress;
      add({ address: bootstrap, sni: false, owner, path: [...path, 'portIdentifiesNode', 'bootstrapAddress'] });
      const ranges = port.nodeIdRanges;
      if (ranges === undefined || (bootstrap.port === 0 && port.nodeStartPort === undefined)) return;
      const start = port.nodeStartPort ?? bootstrap.port + 1;
      const count = ranges.reduce(
        (n, r) => n + (r?.start !== undefined && r.end !== undefined && r.end >= r.start ? r.end - r.start + 1 : 0),
        0,
      );
      const rangesPath: Path = [...path, 'portIdentifiesNode', 'nodeIdRanges'];
      if (start + count - 1 > 65535) {
        ctx.report(
          'error',
          `${owner} needs node ports from ${start} to ${start + count - 1}, beyond 65535`,
          rangesPath,
        );
        return;
      }
      for (let k = 0; k < count; k++) {
        add({ address: { host: bootstrap.host, port: start + k }, sni: false, owner, path: rangesPath });
      }
    });
  });
}
