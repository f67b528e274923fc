// A virtual cluster's route graph at run time (routing.md §2.2, §6.1): the VC's target unfolded
// into router levels, walked once to build and initialize every level in pre-order (a level before
// the levels its routes target), checked for shared cluster targets (VS1), and opened per session.
// A VC that targets a cluster is the degenerate graph: one level, one route, identity mapping,
// every key static, no Router instance.

import type {
  ClusterDefinition,
  ProxyConfigurationModel,
  RouterDefinition,
  VirtualClusterDefinition,
} from '../config/model.ts';
import { sharedClusterTargets } from '../config/overlaps.ts';
import type { Logger } from '../observability/logger.ts';
import { withFields } from '../observability/logger.ts';
import type { ProxyMetrics } from '../observability/metrics.ts';
import type { Reply } from '../pipeline/reply.ts';
import type { NodeRef, RequestMessage } from '../pipeline/request-message.ts';
import type { SessionHandle, SessionStage, Stage } from '../pipeline/stage.ts';
import { PluginConfigurationError } from '../plugins/errors.ts';
import { pluginImplementationNames, pluginInstance } from '../plugins/registry.ts';
import { FACTORY_CLOSE_TIMEOUT_MS, settleWithin } from '../proxy/lifecycle/timeouts.ts';
import type { Router, RouterFactory, RouterFactoryContext, TopologyService } from './api.ts';
import { type LevelSession, type RouteRuntime, RouterLevel, SessionRouting } from './level.ts';
import { RoutingMetrics } from './metrics.ts';
import { IDENTITY_MAPPING, type NodeIdMapping, nodeIdMapping } from './node-id-mapping.ts';
import { LevelTopologyService, TopologyCache } from './topology.ts';
import { NodeInterner } from './virtual-nodes.ts';

/** Builds the proxy-side stages a graph needs: clusters and filter chains. */
export interface GraphStages {
  /**
   * The stage of a route to a cluster. `routeKey` names the cluster-targeting route path;
   * `topLevelId` composes a broker id of the cluster through every level up to the client's space.
   */
  cluster(cluster: ClusterDefinition, routeKey: string, topLevelId: (brokerId: number) => number | Error): Stage;
  /** A filter chain of the named filter definitions in front of `next`. */
  filters(names: readonly string[], next: Stage): Stage;
  /** Releases what a session holds below the graph (its upstream connections), before its Routers close. */
  releaseSession(session: SessionHandle): void;
}

export interface RouteGraphOptions {
  readonly virtualCluster: VirtualClusterDefinition;
  readonly config: ProxyConfigurationModel;
  readonly metrics: ProxyMetrics;
  readonly logger: Logger;
  readonly stages: GraphStages;
}

interface InitializedLevel {
  readonly level: RouterLevel;
  readonly definition: RouterDefinition;
  readonly factory: RouterFactory;
  readonly initData: unknown;
}

export class RouteGraph implements Stage {
  readonly #top: RouterLevel;
  readonly #initialized: readonly InitializedLevel[];
  readonly #stages: GraphStages;
  readonly #sessions = new WeakMap<SessionHandle, SessionRouting>();
  readonly #virtualCluster: string;
  readonly #logger: Logger;
  /** close() calls of Router instances that have not settled yet. */
  readonly #closing = new Set<Promise<void>>();

  private constructor(top: RouterLevel, initialized: readonly InitializedLevel[], options: RouteGraphOptions) {
    this.#top = top;
    this.#initialized = initialized;
    this.#stages = options.stages;
    this.#virtualCluster = options.virtualCluster.name;
    this.#logger = options.logger;
  }

  /**
   * Unfolds and initializes the graph (§6.1): every level's factory in pre-order, each awaited, then
   * VS1. On failure, closes the levels already initialized in reverse order and rejects with the
   * one-line reason (located in the configuration file).
   */
  static async start(options: RouteGraphOptions): Promise<RouteGraph> {
    const builder = new GraphBuilder(options);
    const target = options.virtualCluster.target;
    try {
      let top: RouterLevel;
      if (target.kind === 'cluster') {
        const cluster = options.config.clusters.get(target.cluster);
        if (cluster === undefined)
          throw new Error(
            `virtual cluster '${options.virtualCluster.name}' targets unknown cluster '${target.cluster}'`,
          );
        top = builder.clusterLevel(cluster);
      } else {
        top = await builder.routerLevel(target.router, target.router, (v) => v);
        builder.checkSharedTargets();
      }
      const graph = new RouteGraph(top, builder.initialized, options);
      builder.graph = graph;
      return graph;
    } catch (error) {
      await closeLevels(builder.initialized, options.virtualCluster.name).catch(() => {});
      throw error;
    }
  }

  open(session: SessionHandle): SessionStage {
    const routing = new SessionRouting(session);
    this.#sessions.set(session, routing);
    const top = routing.levelSession(this.#top);
    return {
      dispatch: (message: RequestMessage, reply: Reply) => top.dispatch(message, reply),
      streams: (message: RequestMessage, node: NodeRef) => top.streams(message, node),
      close: () => this.#closeSession(routing, top),
    };
  }

  /** The session of a nested level, for the stage of a route that targets it. */
  nestedSession(level: RouterLevel, session: SessionHandle): LevelSession {
    return this.#sessions.get(session)!.levelSession(level);
  }

  /** Resolves once the close() of every Router instance closed so far has settled. */
  async instancesClosed(): Promise<void> {
    while (this.#closing.size > 0) await Promise.allSettled([...this.#closing]);
  }

  /** Closes every level's factory in reverse initialization order (§6.1, at VC stop). */
  close(): Promise<void> {
    return closeLevels(this.#initialized, this.#virtualCluster);
  }

  /**
   * §6.1 teardown: pending sends reject with SessionClosedError, the upstream connections close,
   * the route sessions (filters) close, then every Router closes in reverse creation order.
   */
  #closeSession(routing: SessionRouting, top: LevelSession): void {
    if (routing.closed) return;
    routing.closed = true;
    for (const pending of [...routing.pending]) pending.sessionClosed();
    this.#stages.releaseSession(routing.session);
    top.close();
    for (const { router, level } of routing.routers.reverse()) this.#closeRouter(router, level, routing.session.id);
  }

  #closeRouter(router: Router, level: RouterLevel, sessionId: string): void {
    if (router.close === undefined) return;
    const report = (error: unknown): void => {
      level.options.metrics?.error('router_failed');
      this.#logger.warn('router close() failed', {
        sessionId,
        router: level.routerPath,
        error: error instanceof Error ? error.message : String(error),
      });
    };
    try {
      const result = router.close();
      if (result instanceof Promise) {
        const settled = result.then(() => {}, report).finally(() => this.#closing.delete(settled));
        this.#closing.add(settled);
      }
    } catch (error) {
      report(error);
    }
  }
}

/** Walks the graph once, building each level and initializing its factory (pre-order). */
class GraphBuilder {
  readonly initialized: InitializedLevel[] = [];
  readonly #options: RouteGraphOptions;
  readonly #levels: RouterLevel[] = [];
  /** Set by the graph once built: nested route stages open their level's session through it. */
  graph: RouteGraph | undefined;
  readonly #sharedAllowed = new Set<RouterLevel>();

  constructor(options: RouteGraphOptions) {
    this.#options = options;
  }

  /** The level of a VC that targets a cluster directly. */
  clusterLevel(cluster: ClusterDefinition): RouterLevel {
    const route: RouteRuntime = {
      name: cluster.name,
      id: 0,
      stage: this.#options.stages.cluster(cluster, cluster.name, identityId),
      cluster,
      nestedPath: undefined,
    };
    return new RouterLevel({
      virtualCluster: this.#options.virtualCluster.name,
      routerName: cluster.name,
      routerPath: '',
      routes: [route],
      mapping: IDENTITY_MAPPING,
      nodes: new NodeInterner(''),
      plugin: undefined,
      metrics: undefined,
      logger: this.#options.logger,
    });
  }

  /**
   * Builds and initializes the level of router `name` at `path`; `toTopLevel` composes an id of
   * this level into the client's space (or returns undefined on overflow).
   */
  async routerLevel(name: string, path: string, toTopLevel: (v: number) => number | undefined): Promise<RouterLevel> {
    const { config, virtualCluster } = this.#options;
    const definition = config.routers.get(name);
    if (definition === undefined)
      throw new Error(`virtual cluster '${virtualCluster.name}' references unknown router '${name}'`);
    const mapping: NodeIdMapping = nodeIdMapping(definition.routes.length);
    const nodes = new NodeInterner(path);
    const logger = withFields(this.#options.logger, { router: name, routerPath: path });
    const factory = definition.implementation.instantiate() as RouterFactory;
    const routeNames = new Set(definition.routes.map((route) => route.name));
    // The level is created before its routes' targets so that its factory initializes first (pre-order).
    const routes: RouteRuntime[] = [];
    let level: RouterLevel | undefined;
    const cache = (): TopologyCache => {
      level!.topology ??= new TopologyCache();
      return level!.topology;
    };
    let initializing = true;
    const initContext: RouterFactoryContext = {
      virtualClusterName: virtualCluster.name,
      routerName: name,
      routerPath: path,
      routeNames,
      logger,
      pluginInstance,
      pluginImplementationNames,
      topologyService: (() => {
        let service: TopologyService | undefined;
        return () => {
          service ??= new LevelTopologyService(cache(), nodes, [...routeNames], undefined);
          return service;
        };
      })(),
      allowSharedClusterTargets: () => {
        if (!initializing)
          throw new Error('allowSharedClusterTargets() may only be called from RouterFactory.initialize()');
        this.#sharedAllowed.add(level!);
      },
    };
    let initData: unknown;
    level = new RouterLevel({
      virtualCluster: virtualCluster.name,
      routerName: name,
      routerPath: path,
      routes,
      mapping,
      nodes,
      plugin: {
        createRouter: (session) => factory.createRouter(sessionContext(session), initData),
      },
      metrics: new RoutingMetrics(this.#options.metrics, virtualCluster.name, name),
      logger,
    });
    const sessionContext = (session: SessionHandle): RouterFactoryContext => {
      let service: TopologyService | undefined;
      return {
        ...initContext,
        logger: withFields(logger, { sessionId: session.id }),
        topologyService: () => {
          service ??= new LevelTopologyService(cache(), nodes, [...routeNames], (routeName, header, body) => {
            const levelSession = this.graph!.nestedSession(level!, session);
            const route = level!.routesByName.get(routeName)!;
            const node =
              route.cluster === undefined
                ? nodes.entry(routeName)
                : nodes.bootstrap(routeName, levelSession.defaultBootstrap(route));
            return levelSession.send(node, header, body);
          });
          return service;
        },
        allowSharedClusterTargets: () => {
          throw new Error('allowSharedClusterTargets() may only be called from RouterFactory.initialize()');
        },
      };
    };
    try {
      initData = await factory.initialize(initContext, definition.config as never);
    } catch (error) {
      throw new Error(this.#initializationFailure(definition, error), { cause: error });
    } finally {
      initializing = false;
    }
    this.initialized.push({ level, definition, factory, initData });
    this.#levels.push(level);
    const stages = this.#options.stages;
    for (const route of [...definition.routes].sort((a, b) => a.id - b.id)) {
      const routeToTop = (t: number): number | undefined => {
        const v = mapping.toVirtual(route.id, t);
        return v === undefined ? undefined : toTopLevel(v);
      };
      let target: Stage;
      let cluster: ClusterDefinition | undefined;
      let nestedPath: string | undefined;
      if (route.target.kind === 'cluster') {
        cluster = config.clusters.get(route.target.cluster)!;
        const routeKey = `${path}/${route.name}`;
        target = stages.cluster(cluster, routeKey, (t) => {
          const top = routeToTop(t);
          return top === undefined
            ? new Error(`broker ${t} of route '${routeKey}' has no virtual id: it would exceed 2^31 - 1`)
            : top;
        });
      } else {
        nestedPath = `${path}/${route.name}/${route.target.router}`;
        const nested = await this.routerLevel(route.target.router, nestedPath, routeToTop);
        target = { open: (session) => this.graph!.nestedSession(nested, session) };
      }
      routes.push({
        name: route.name,
        id: route.id,
        stage: route.filters.length > 0 ? stages.filters(route.filters, target) : target,
        cluster,
        nestedPath,
      });
    }
    return level;
  }

  /** VS1: routes of a level must not reach one cluster unless its factory allowed it. */
  checkSharedTargets(): void {
    const { config, virtualCluster } = this.#options;
    for (const { level, definition } of this.initialized) {
      if (this.#sharedAllowed.has(level)) continue;
      const overlap = sharedClusterTargets(config, definition.name)[0];
      if (overlap === undefined) continue;
      const via = overlap.via === undefined ? '' : ` (route '${overlap.via.route}' via router '${overlap.via.router}')`;
      const at = config.source.locate(definition.path);
      throw new Error(
        `${config.source.file}:${at.line}:${at.column}: Router '${definition.name}' in virtual cluster '${virtualCluster.name}' has routes '${overlap.routeA}' and '${overlap.routeB}' that both reach cluster '${overlap.cluster}'${via}; the router factory must call allowSharedClusterTargets() in initialize() to allow this`,
      );
    }
  }

  #initializationFailure(definition: RouterDefinition, error: unknown): string {
    const { config, virtualCluster } = this.#options;
    const message = error instanceof Error ? error.message : String(error);
    const { file, locate } = config.source;
    if (error instanceof PluginConfigurationError) {
      const at = locate(`${definition.path}.config`, error.path);
      const where = error.path === undefined ? '' : ` at '${error.path}'`;
      return `${file}:${at.line}:${at.column}: Router '${definition.name}' in virtual cluster '${virtualCluster.name}' rejected its configuration${where}: ${message}`;
    }
    const at = locate(definition.path);
    return `${file}:${at.line}:${at.column}: Router '${definition.name}' in virtual cluster '${virtualCluster.name}' failed to initialize: ${message}`;
  }
}

const identityId = (brokerId: number): number => brokerId;

/** Closes the factories of `levels` in reverse initialization order; rejects with their failures. */
async function closeLevels(levels: readonly InitializedLevel[], virtualCluster: string): Promise<void> {
  const errors: unknown[] = [];
  for (const { definition, factory, initData } of [...levels].reverse()) {
    if (factory.close === undefined) continue;
    try {
      await settleWithin(
        Promise.resolve().then(() => factory.close!(initData)),
        FACTORY_CLOSE_TIMEOUT_MS,
        `router factory '${definition.name}' of virtual cluster '${virtualCluster}' did not finish close() within 10s`,
      );
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0)
    throw new AggregateError(errors, `closing the router factories of virtual cluster '${virtualCluster}' failed`);
}
