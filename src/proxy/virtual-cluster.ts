import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import type { ClusterDefinition, ProxyConfigurationModel, VirtualClusterDefinition } from '../config/model.ts';
import { type ClientTls, FilterChain } from '../filter/chain.ts';
import { FilterFactories } from '../filter/factories.ts';
import { type Logger, withFields } from '../observability/logger.ts';
import type { ProxyMetrics } from '../observability/metrics.ts';
import { AddressBook } from './address/address-book.ts';
import { formatHostPort } from './address/host-port.ts';
import { ClusterRoute } from './forwarding/cluster-route.ts';
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
} from './lifecycle/virtual-cluster-runtime.ts';
import { TopLevelResponses } from './response/top-level-responses.ts';
import { ClientSession, type SessionTarget } from './session/client-session.ts';
import type { UpstreamTlsOptions } from './upstream/upstream-tls.ts';
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
    const sni = new SniListeners(dependencies.logger);
    return {
      virtualClusters: virtualClusters.map((vc) => new VirtualClusterService(vc, dependencies, sni, probes)),
      release: () => sni.closeAll(),
    };
  };
}

/** The real proxy core behind the lifecycle. */
export const createProxyRuntime: ProxyRuntimeFactory = proxyRuntimeFactory();

/**
 * One virtual cluster in one process: its gateways, its sessions, and the route graph they
 * dispatch to. A VC that targets a cluster is a one-route graph with identity node mapping and
 * every API key statically routed (routing.md §2.7).
 */
class VirtualClusterService implements VirtualClusterRuntime {
  readonly name: string;
  readonly #definition: VirtualClusterDefinition;
  readonly #config: ProxyConfigurationModel;
  readonly #logger: Logger;
  readonly #metrics: VirtualClusterMetrics;
  readonly #sni: SniListeners;
  readonly #sessionPrefix: string;
  readonly #sessions = new Set<ClientSession>();
  readonly #addressBook = new AddressBook();
  readonly #proxyMetrics: ProxyMetrics;
  /** The VC chain's initialized filter factories and the chain; undefined without filters. */
  #filterFactories: FilterFactories | undefined;
  #filterChain: FilterChain | undefined;
  /** What each session's gateway learned from its TLS handshake, for the filters. */
  readonly #clientTls = new WeakMap<ClientSession, ClientTls>();
  #gateways: Gateway[] = [];
  #tlsContexts: GatewayTlsContext[] = [];
  /** The route graph behind the core's version check; set by initialize(). */
  #target: SessionTarget | undefined;
  #nextSessionNumber = 0;

  readonly #probes: DataPathProbes;

  constructor(
    definition: VirtualClusterDefinition,
    dependencies: RuntimeDependencies,
    sni: SniListeners,
    probes: DataPathProbes,
  ) {
    this.#probes = probes;
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
    const { target, filters } = this.#definition;
    if (target.kind !== 'cluster') {
      throw new Error(
        `virtual cluster '${this.name}' targets router '${target.router}', which this version cannot run yet`,
      );
    }
    const cluster = this.#config.clusters.get(target.cluster);
    if (cluster === undefined)
      throw new Error(`virtual cluster '${this.name}' targets unknown cluster '${target.cluster}'`);
    const responses = new TopLevelResponses({ addressBook: this.#addressBook, logger: this.#logger });
    const route = new ClusterRoute({
      virtualCluster: this.name,
      cluster,
      tls: upstreamTls(cluster),
      limits: this.#config.network.session,
      addressBook: this.#addressBook,
      responses,
      discovery: responses,
      events: this.#metrics.upstreamEvents(cluster.name),
      connectTimeoutMs: UPSTREAM_CONNECT_TIMEOUT_MS,
    });
    // A VC without filters has no filter stage at all: its frames pay nothing for the machinery.
    if (filters.length === 0) {
      this.#target = new VersionGate(route);
      return;
    }
    const factories = await FilterFactories.initialize({
      virtualCluster: this.name,
      chain: filters,
      config: this.#config,
      registry: this.#proxyMetrics.registry,
      logger: this.#logger,
    });
    this.#filterFactories = factories;
    const filterErrors = this.#proxyMetrics.filterErrors;
    const chain = new FilterChain({
      virtualCluster: this.name,
      members: factories.members,
      next: route,
      timeoutMs: this.#config.network.session.filterTimeoutMs,
      onError: (filter, error) => filterErrors.inc({ virtual_cluster: this.name, filter, error }),
      tlsOf: (session) => this.#clientTls.get(session),
    });
    this.#filterChain = chain;
    this.#target = new VersionGate(chain);
  }

  async bind(): Promise<void> {
    const gateways: Gateway[] = [];
    for (const definition of this.#definition.gateways) {
      const tls = definition.tls ? new GatewayTlsContext(definition.tls, this.#logger) : undefined;
      if (tls) this.#tlsContexts.push(tls);
      const onConnection = this.#accept.bind(this);
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

  async stopAccepting(): Promise<void> {
    await Promise.all(this.#gateways.map((gateway) => gateway.stopAccepting()));
    for (const tls of this.#tlsContexts) tls.close();
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
    // drain() closed every session and so called close() on every filter instance: wait for those
    // calls, then close the factories.
    const factories = this.#filterFactories;
    this.#filterFactories = undefined;
    if (this.#filterChain !== undefined) {
      await settleWithin(
        this.#filterChain.instancesClosed(),
        FACTORY_CLOSE_TIMEOUT_MS,
        `filter instances of virtual cluster '${this.name}' did not finish close() within 10s; abandoned`,
      ).catch((error: Error) => this.#logger.warn(error.message));
    }
    await factories?.close();
  }

  #accept(connection: AcceptedConnection, gateway: Gateway): void {
    const target = this.#target;
    if (target === undefined) {
      connection.socket.destroy();
      return;
    }
    const id = `${this.#sessionPrefix}-${(this.#nextSessionNumber++).toString(36)}`;
    const metrics = this.#metrics;
    const inspect = this.#probes.inspectResponse;
    const inspectRequest = this.#probes.inspectRequest;
    metrics.onConnectionAccepted(gateway.name);
    const session = new ClientSession({
      id,
      socket: connection.socket,
      binding: connection.binding,
      gateway,
      limits: this.#config.network.session,
      target,
      observer: {
        onRequest: (request, bytes) => {
          metrics.onRequest(request, bytes);
          inspectRequest?.(request.frame);
        },
        onResponse: (slot, frame) => {
          metrics.onResponse(slot.apiKey, frame.length);
          inspect?.(slot.apiKey, slot.apiVersion, frame);
        },
        onReadPaused: () => metrics.onReadPaused(),
        onClosed: (closed, cause) => {
          this.#sessions.delete(closed);
          metrics.onConnectionClosed(gateway.name);
          metrics.onClosed(closed, cause);
        },
      },
      logger: withFields(this.#logger, { sessionId: id }),
    });
    if (connection.tls !== undefined) {
      this.#clientTls.set(session, {
        ...connection.tls,
        certificateVerified: (connection.socket as TLSSocket).authorized === true,
      });
    }
    this.#sessions.add(session);
  }
}

/** Reads the PEM material of a cluster's upstream TLS settings. */
function upstreamTls(cluster: ClusterDefinition): UpstreamTlsOptions | undefined {
  const { tls } = cluster;
  if (tls === undefined) return undefined;
  return {
    ca: tls.trust?.storeFile ? readFileSync(tls.trust.storeFile, 'utf8') : undefined,
    cert: tls.key ? readFileSync(tls.key.certificateFile, 'utf8') : undefined,
    key: tls.key ? readFileSync(tls.key.privateKeyFile, 'utf8') : undefined,
    passphrase: tls.key?.password,
    insecure: tls.trust?.insecure ?? false,
  };
}
