import { randomBytes } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { ClusterDefinition, ProxyConfigurationModel, VirtualClusterDefinition } from '../config/model.ts';
import { FilterChain } from '../filter/chain.ts';
import { FilterFactories } from '../filter/factories.ts';
import { type Logger, withFields } from '../observability/logger.ts';
import type { ProxyMetrics } from '../observability/metrics.ts';
import type { ClientTls, SessionHandle, Stage } from '../pipeline/stage.ts';
import { RouteGraph } from '../routing/graph.ts';
import { describeRouteGraph, type RouteGraphView } from '../routing/graph-view.ts';
import { DEFAULT_TLS_IDENTITY, TlsIdentity } from '../security/tls-principal.ts';
import { AddressBook } from './address/address-book.ts';
import { formatHostPort } from './address/host-port.ts';
import { ConnectionLog } from './connection-log.ts';
import { ClusterLeaf } from './forwarding/cluster-leaf.ts';
import { VersionGate } from './forwarding/version-gate.ts';
import type { AcceptedConnection, Gateway } from './gateway/gateway.ts';
import { GatewayTlsContext } from './gateway/gateway-tls.ts';
import { PortIdentifiesNodeGatewayRuntime } from './gateway/port-identifies-node.ts';
import { SniListeners } from './gateway/sni-host-identifies-node.ts';
import { FACTORY_CLOSE_TIMEOUT_MS, settleWithin } from './lifecycle/timeouts.ts';
import type {
  DrainResult,
  GatewayStatus,
  ProxyRuntime,
  ProxyRuntimeFactory,
  RuntimeDependencies,
  VirtualClusterRuntime,
  VirtualNodeStatus,
} from './lifecycle/virtual-cluster-runtime.ts';
import { DiscoveryThrottle } from './overload/discovery-throttle.ts';
import { OverloadManager } from './overload/overload-manager.ts';
import { GraphExit } from './response/graph-exit.ts';
import { ClientSession } from './session/client-session.ts';
import { UpstreamPool } from './upstream/upstream-pool.ts';
import { UpstreamTlsMaterial } from './upstream/upstream-tls.ts';
import { VirtualClusterMetrics } from './virtual-cluster-metrics.ts';

/** Connecting to a broker that neither accepts nor refuses must not hold a session forever. */
const UPSTREAM_CONNECT_TIMEOUT_MS = 10_000;

/** @internal Test seams of the data path. */
export interface DataPathProbes {
  /** Sees every request frame as read from a client, before anything changes it. Tests only. */
  readonly inspectRequest?: (frame: Buffer) => void;
  /** Sees every response frame just before it is written to a client. Tests only. */
  readonly inspectResponse?: (apiKey: number, apiVersion: number, frame: Buffer) => void;
}

/** The proxy core behind the lifecycle, with test probes: one runtime per virtual cluster. */
export function proxyRuntimeFactory(probes: DataPathProbes = {}): ProxyRuntimeFactory {
  return (virtualClusters, dependencies): ProxyRuntime => {
    const { config, metrics, logger } = dependencies;
    // One set of overload limits per process: connection caps, buffer budget, warning rate.
    const overload = new OverloadManager({
      overload: config.network.overload,
      session: config.network.session,
      metrics,
      logger,
    });
    const sni = new SniListeners(logger, overload.unauthenticatedWarnings);
    const connectionLog = new ConnectionLog(logger);
    const create = (vc: VirtualClusterDefinition, config: ProxyConfigurationModel) =>
      new VirtualClusterService(vc, { ...dependencies, config }, sni, connectionLog, probes, overload);
    return {
      virtualClusters: virtualClusters.map((vc) => create(vc, config)),
      // A reload never changes `network` (it is refused), so the shared overload limits still hold.
      add: (added, newConfig) => added.map((vc) => create(vc, newConfig)),
      release: () => {
        overload.dispose();
        return sni.closeAll();
      },
    };
  };
}

/** The real proxy core behind the lifecycle. */
export const createProxyRuntime: ProxyRuntimeFactory = proxyRuntimeFactory();

/**
 * One virtual cluster in one process: its gateways, its sessions, and the stages they dispatch to:
 * the version gate, the VC filter chain (when there is one), the graph exit (client-facing
 * addresses), and the route graph down to the clusters. A VC that targets a cluster is a one-route
 * graph with identity node mapping and every API key statically routed (routing.md §2.7): the same
 * runtime, with nothing to decide.
 */
class VirtualClusterService implements VirtualClusterRuntime {
  readonly name: string;
  readonly #definition: VirtualClusterDefinition;
  readonly #config: ProxyConfigurationModel;
  readonly #logger: Logger;
  readonly #metrics: VirtualClusterMetrics;
  readonly #sni: SniListeners;
  readonly #connectionLog: ConnectionLog;
  readonly #sessionPrefix: string;
  readonly #sessions = new Set<ClientSession>();
  readonly #addressBook = new AddressBook();
  readonly #proxyMetrics: ProxyMetrics;
  /** The initialized filter factories (VC chain and route chains) and every chain built from them. */
  #filterFactories: FilterFactories | undefined;
  readonly #filterChains: FilterChain[] = [];
  #graph: RouteGraph | undefined;
  /** Each session's upstream connections. */
  readonly #pools = new WeakMap<SessionHandle, UpstreamPool>();
  #gateways: Gateway[] = [];
  #tlsContexts: GatewayTlsContext[] = [];
  /** The TLS material of each cluster this VC reaches, loaded once for all its connections. */
  readonly #upstreamTls = new Map<string, UpstreamTlsMaterial>();
  /** The head of the data path; set by initialize(). */
  #head: Stage | undefined;
  #nextSessionNumber = 0;

  readonly #probes: DataPathProbes;
  readonly #overload: OverloadManager;

  constructor(
    definition: VirtualClusterDefinition,
    dependencies: RuntimeDependencies,
    sni: SniListeners,
    connectionLog: ConnectionLog,
    probes: DataPathProbes,
    overload: OverloadManager,
  ) {
    this.#connectionLog = connectionLog;
    this.#probes = probes;
    this.#overload = overload;
    this.name = definition.name;
    this.#definition = definition;
    this.#config = dependencies.config;
    this.#logger = withFields(dependencies.logger, { virtualCluster: definition.name });
    this.#metrics = new VirtualClusterMetrics(dependencies.metrics, definition.name);
    this.#proxyMetrics = dependencies.metrics;
    this.#sni = sni;
    // Unique across worker processes and restarts without coordination: worker index plus a
    // random process tag, then a counter.
    this.#sessionPrefix = `${dependencies.workerIndex}-${randomBytes(4).toString('hex')}`;
  }

  async initialize(): Promise<void> {
    const definition = this.#definition;
    const config = this.#config;
    const filterErrors = this.#proxyMetrics.filterErrors;
    const routeFilters = routeFilterNames(definition, config);
    if (definition.filters.length > 0 || routeFilters.length > 0) {
      this.#filterFactories = await FilterFactories.initialize({
        virtualCluster: this.name,
        chain: definition.filters,
        others: routeFilters,
        config,
        registry: this.#proxyMetrics.registry,
        logger: this.#logger,
      });
    }
    const chainOf = (names: readonly string[], next: Stage, scope: 'virtualCluster' | 'route'): Stage => {
      const chain = new FilterChain({
        virtualCluster: this.name,
        members: this.#filterFactories!.membersFor(names),
        next,
        scope,
        timeoutMs: config.network.session.filterTimeoutMs,
        onError: (filter, error) => filterErrors.inc({ virtual_cluster: this.name, filter, error }),
      });
      this.#filterChains.push(chain);
      return chain;
    };
    try {
      this.#graph = await RouteGraph.start({
        virtualCluster: definition,
        config,
        metrics: this.#proxyMetrics,
        logger: this.#logger,
        stages: {
          cluster: (cluster, routeKey, topLevelId) => {
            return new ClusterLeaf({
              cluster,
              routeKey,
              topLevelId,
              tls: this.#upstreamTlsOf(cluster),
              addressBook: this.#addressBook,
              events: this.#metrics.upstreamEvents(cluster.name),
              poolOf: (session) => this.#poolOf(session),
              // overload: unknown node ids must not cost a discovery each
              discovery: new DiscoveryThrottle((result) =>
                this.#proxyMetrics.addressDiscoveries.inc({ virtual_cluster: this.name, result }),
              ),
            });
          },
          filters: (names, next) => chainOf(names, next, 'route'),
          releaseSession: (session) => this.#pools.get(session)?.close(),
        },
      });
    } catch (error) {
      await this.#filterFactories?.close().catch(() => {});
      this.#filterFactories = undefined;
      throw error;
    }
    // A VC without filters has no filter stage at all: its frames pay nothing for the machinery.
    const exit = new GraphExit(
      this.#graph,
      (session) => (session as ClientSession).gateway,
      this.#logger,
      this.#addressBook,
    );
    this.#head = new VersionGate(
      definition.filters.length === 0 ? exit : chainOf(definition.filters, exit, 'virtualCluster'),
    );
  }

  /** A cluster's TLS material, loaded on first use; unusable material fails this VC's start. */
  #upstreamTlsOf(cluster: ClusterDefinition): UpstreamTlsMaterial | undefined {
    if (cluster.tls === undefined) return undefined;
    let material = this.#upstreamTls.get(cluster.name);
    if (material === undefined) {
      material = UpstreamTlsMaterial.load(cluster.name, cluster.tls, this.#logger);
      this.#upstreamTls.set(cluster.name, material);
    }
    return material;
  }

  #poolOf(session: SessionHandle): UpstreamPool {
    let pool = this.#pools.get(session);
    if (pool === undefined) {
      pool = new UpstreamPool(session, {
        // Responses are bounded by what the client asked for, not by the request limit.
        maxFrameBytes: this.#config.network.session.maxResponseFrameBytes,
        connectTimeoutMs: UPSTREAM_CONNECT_TIMEOUT_MS,
        idleLossClosesSession: this.#definition.target.kind === 'cluster',
        onBuffered: (session as ClientSession).upstreamBuffered, // overload budget
      });
      this.#pools.set(session, pool);
    }
    return pool;
  }

  async bind(): Promise<void> {
    const gateways: Gateway[] = [];
    for (const definition of this.#definition.gateways) {
      const tls = definition.tls ? new GatewayTlsContext(definition.tls, this.#logger) : undefined;
      if (tls) this.#tlsContexts.push(tls);
      // Compiled once per gateway: every connection through it maps its certificate the same way.
      const principal = definition.tls?.trust?.principal;
      const identity = principal === undefined ? DEFAULT_TLS_IDENTITY : new TlsIdentity(principal);
      const onConnection = (connection: AcceptedConnection, gateway: Gateway): void =>
        this.#accept(connection, gateway, identity);
      if (definition.kind === 'portIdentifiesNode') {
        gateways.push(
          new PortIdentifiesNodeGatewayRuntime({
            virtualCluster: this.name,
            definition,
            tls,
            onConnection,
            logger: this.#logger,
          }),
        );
      } else {
        gateways.push(this.#sni.gateway({ virtualCluster: this.name, definition, tls: tls!, onConnection }));
      }
    }
    this.#gateways = gateways;
    const results = await Promise.allSettled(gateways.map((gateway) => gateway.bind()));
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) {
      await this.stopAccepting();
      throw failure.reason;
    }
    for (const tls of this.#tlsContexts) tls.watchFiles();
    for (const material of this.#upstreamTls.values()) material.watchFiles();
  }

  gateways(): readonly GatewayStatus[] {
    return this.#definition.gateways.map((definition) => {
      const gateway = this.#gateways.find((g) => g.name === definition.name);
      const ports = gateway?.boundPorts() ?? [];
      return {
        name: definition.name,
        bootstrapAddress: formatHostPort(definition.bootstrapAddress),
        boundBootstrapAddress: ports.length > 0 ? (gateway?.bootstrapAddress() ?? null) : null,
        boundPorts: ports,
      };
    });
  }

  routeGraph(): RouteGraphView {
    return describeRouteGraph(this.#definition, this.#config);
  }

  nodes(): readonly VirtualNodeStatus[] {
    return [...this.#addressBook.entries()]
      .sort(([a], [b]) => a - b)
      .map(([id, address]) => ({ id, upstream: formatHostPort(address) }));
  }

  async stopAccepting(): Promise<void> {
    await Promise.all(this.#gateways.map((gateway) => gateway.stopAccepting()));
    for (const tls of this.#tlsContexts) tls.close();
    for (const material of this.#upstreamTls.values()) material.close();
  }

  async drain(deadline: AbortSignal): Promise<DrainResult> {
    const sessions = [...this.#sessions];
    let abandonedRequests = 0;
    const closeRemaining = (): void => {
      for (const session of sessions) {
        if (!session.isOpen) continue;
        abandonedRequests += session.pendingResponses;
        session.close('drain_timeout');
      }
    };
    if (deadline.aborted) {
      closeRemaining();
      return { abandonedRequests };
    }
    deadline.addEventListener('abort', closeRemaining, { once: true });
    await Promise.all(sessions.map((session) => session.drain()));
    deadline.removeEventListener('abort', closeRemaining);
    return { abandonedRequests };
  }

  async closePlugins(): Promise<void> {
    // drain() closed every session and so called close() on every router and filter instance:
    // wait for those calls, then close the router factories, then the filter factories.
    const factories = this.#filterFactories;
    this.#filterFactories = undefined;
    const graph = this.#graph;
    this.#graph = undefined;
    await settleWithin(
      Promise.all([graph?.instancesClosed(), ...this.#filterChains.map((chain) => chain.instancesClosed())]),
      FACTORY_CLOSE_TIMEOUT_MS,
      `router and filter instances of virtual cluster '${this.name}' did not finish close() within 10s; abandoned`,
    ).catch((error: Error) => this.#logger.warn(error.message));
    const errors: unknown[] = [];
    await graph?.close().catch((error: unknown) => errors.push(error));
    await factories?.close().catch((error: unknown) => errors.push(error));
    // One AggregateError of individual factory failures, as the lifecycle expects.
    if (errors.length > 0) {
      const all = errors.flatMap((error) => (error instanceof AggregateError ? error.errors : [error]));
      throw new AggregateError(all, `closing the plugins of virtual cluster '${this.name}' failed`);
    }
  }

  #accept(connection: AcceptedConnection, gateway: Gateway, identity: TlsIdentity): void {
    const head = this.#head;
    if (head === undefined) {
      connection.socket.destroy();
      return;
    }
    const tls = connection.tls;
    const certificate = tls?.peerCertificate;
    const clientTls: ClientTls | undefined =
      tls === undefined
        ? undefined
        : {
            serverName: tls.serverName,
            // Node reports "no certificate" as an empty object.
            peerCertificate: certificate !== undefined && Object.keys(certificate).length > 0 ? certificate : undefined,
            certificateVerified: (connection.socket as TLSSocket).authorized === true,
          };
    // The identity is settled before the session exists, so nothing ever sees an intermediate one.
    const subject = identity.subjectOf(clientTls);
    if ('refused' in subject) {
      // Only holders of a certificate the gateway trusts get here, so the warning is not rate-limited.
      this.#logger.warn('client certificate gives no principal; closing the connection', {
        gateway: gateway.name,
        reason: subject.refused,
      });
      connection.socket.destroy();
      return;
    }
    // overload: connection caps; a refused connection never becomes a session.
    const guard = this.#overload.admit(connection.socket, this.name, gateway);
    if (guard === undefined) {
      connection.socket.destroy();
      return;
    }
    const id = `${this.#sessionPrefix}-${(this.#nextSessionNumber++).toString(36)}`;
    const metrics = this.#metrics;
    const inspect = this.#probes.inspectResponse;
    const inspectRequest = this.#probes.inspectRequest;
    metrics.onConnectionAccepted(gateway.name);
    const logger = withFields(this.#logger, { sessionId: id });
    const logClosed = this.#connectionLog.opened(logger, {
      gateway: gateway.name,
      socket: connection.socket,
      subject,
      serverName: tls?.serverName,
    });
    const session = new ClientSession({
      id,
      socket: connection.socket,
      binding: connection.binding,
      gateway,
      clientTls,
      subject,
      limits: this.#config.network.session,
      stage: head,
      guard,
      // Probes look at whole frames.
      wholeFrames: inspect !== undefined || inspectRequest !== undefined,
      observer: {
        onRequest: (request, bytes, frame) => {
          metrics.onRequest(request, bytes);
          inspectRequest?.(frame);
        },
        onResponse: (slot, frame, bytes) => {
          metrics.onResponse(slot.apiKey, bytes);
          inspect?.(slot.apiKey, slot.apiVersion, frame);
        },
        onReadPaused: () => metrics.onReadPaused(),
        onClosed: (closed, cause) => {
          this.#sessions.delete(closed);
          metrics.onConnectionClosed(gateway.name);
          metrics.onClosed(closed, cause);
          logClosed(closed.subject, cause);
        },
      },
      logger,
    });
    if (session.isOpen) this.#sessions.add(session);
  }
}

/** The filter definitions used on routes of the routers a VC reaches (initialized once per VC). */
function routeFilterNames(definition: VirtualClusterDefinition, config: ProxyConfigurationModel): string[] {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (router: string): void => {
    if (seen.has(router)) return;
    seen.add(router);
    for (const route of config.routers.get(router)?.routes ?? []) {
      for (const filter of route.filters) names.add(filter);
      if (route.target.kind === 'router') visit(route.target.router);
    }
  };
  if (definition.target.kind === 'router') visit(definition.target.router);
  return [...names];
}
