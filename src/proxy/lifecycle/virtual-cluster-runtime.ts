// @internal The seam between the proxy lifecycle (this folder) and the proxy core (gateways,
// sessions, upstreams, plugin factories). The lifecycle decides *when* each step runs, tracks the
// virtual-cluster states, applies the failure policy, and counts and logs; the runtime does the
// work of each step for one virtual cluster. Tests drive the lifecycle with fake runtimes.
//
// Call order for one VC (lifecycle.md §7, §8), each call at most once:
//
//   startup:   initialize() ─▶ bind()            (bind() only after initialize() fulfilled)
//   shutdown:  stopAccepting() ─▶ drain() ─▶ closePlugins()
//   release after a startup failure: the same three, with drain() given an already-aborted signal
//
// stopAccepting()/drain()/closePlugins() are called only for a VC whose initialize() fulfilled;
// a VC whose initialize() rejected has released everything itself and is never called again.
// A VC whose bind() rejected has closed every listener it had bound, but its plugin factories are
// still initialized: the lifecycle then calls closePlugins() only.

import type { ProxyConfigurationModel, VirtualClusterDefinition } from '../../config/model.ts';
import { SwitchyardError } from '../../errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ProxyMetrics } from '../../observability/metrics.ts';
import type { RouteGraphView } from '../../routing/graph-view.ts';

export interface GatewayStatus {
  readonly name: string;
  /** The configured bootstrap address, "host:port" (IPv6 hosts in brackets). */
  readonly bootstrapAddress: string;
  /** The address actually bound for the bootstrap listener, "host:port"; null while unbound. */
  readonly boundBootstrapAddress: string | null;
  /** Every port this gateway currently listens on, bootstrap first. */
  readonly boundPorts: readonly number[];
}

/** A virtual node the VC has learned, with the broker behind it (the VC's address book). */
export interface VirtualNodeStatus {
  /** The node id clients see (the top-level virtual id). */
  readonly id: number;
  /** The upstream broker, "host:port". */
  readonly upstream: string;
}

export interface DrainResult {
  /** Requests still in flight when the deadline closed their connections. */
  readonly abandonedRequests: number;
}

export interface VirtualClusterRuntime {
  readonly name: string;

  /**
   * Initialize the VC's filter factories and router factories (router levels in pre-order,
   * awaiting each `initialize()`), then run the shared-cluster-target check (VS1).
   * On failure: close whatever was initialized (reverse order) and reject with an Error whose
   * message is the one-line failure reason (e.g. "router 'union' failed to initialize: …").
   * Must not accept connections.
   */
  initialize(): Promise<void>;

  /**
   * Bind every listener the VC's gateways open at startup, in parallel. When it fulfils, the VC
   * accepts and serves connections (even while the proxy is still STARTING, L38).
   * On failure: close the listeners it had bound and reject with a GatewayBindError.
   */
  bind(): Promise<void>;

  /** The gateways and their bound ports, for /status and KafkaProxy.bootstrapAddress(). */
  gateways(): readonly GatewayStatus[];

  /** The VC's route graph as configured (routers, routes, filters, clusters), for the admin page. */
  routeGraph(): RouteGraphView;

  /** The virtual nodes learned so far, by id, for the admin page. */
  nodes(): readonly VirtualNodeStatus[];

  /**
   * Close every listener of the VC (including per-node listeners opened on demand) and resolve
   * once they are closed. From then on new connections to this VC are refused. Rejects (after
   * closing what it can) when a listener fails to close.
   */
  stopAccepting(): Promise<void>;

  /**
   * Drain the VC's client connections (§8.1 step 3): stop reading new requests on every
   * connection; answer requests already read; close each connection once nothing is in flight
   * and its writes are flushed (count `switchyard_client_disconnects_total{cause="drain_completed"}`).
   * When `deadline` aborts (drainTimeout; already aborted = close at once), close every remaining
   * connection (cause "drain_timeout") and abandon its in-flight requests. Closing a session closes
   * its upstream connections and its router/filter instances; their close() errors are logged and
   * counted by the runtime, never rejected. Resolves once every connection is closed.
   * The lifecycle counts `abandonedRequests` and logs them.
   */
  drain(deadline: AbortSignal): Promise<DrainResult>;

  /**
   * §8.1 step 4: wait for the close() calls of router and filter instances; close any upstream
   * connection still open; close the router factories in reverse initialization order, then the
   * filter factories. A factory close() that does not settle within 10 s is abandoned (use
   * `settleWithin` from ./timeouts.ts) with the message "router factory '{router}' of virtual
   * cluster '{vc}' did not finish close() within 10s" (or "filter factory …").
   * Every close is attempted; rejects with an AggregateError of the factory errors, if any.
   */
  closePlugins(): Promise<void>;
}

/** bind() failure: names the address, the gateway and the VC (lifecycle.md §7.1 step 5). */
export class GatewayBindError extends SwitchyardError {
  readonly virtualCluster: string;
  readonly gateway: string;
  /** "host:port" as configured. */
  readonly address: string;

  constructor(virtualCluster: string, gateway: string, address: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'ERR_GATEWAY_BIND',
      `cannot bind gateway '${gateway}' of virtual cluster '${virtualCluster}' to ${address}: ${reason}`,
      { cause },
    );
    this.virtualCluster = virtualCluster;
    this.gateway = gateway;
    this.address = address;
  }
}

export interface RuntimeDependencies {
  /** The whole validated configuration (clusters, routers, filters the VC refers to). */
  readonly config: ProxyConfigurationModel;
  /** This proxy's metrics; the data path binds its counters from here (see docs/metrics.md). */
  readonly metrics: ProxyMetrics;
  /** This proxy's logger. */
  readonly logger: Logger;
  /** Worker index in multi-worker mode (0 otherwise), e.g. to prefix session ids. */
  readonly workerIndex: number;
}

/**
 * Creates the runtime of every VC of one proxy, in configuration order. Called once, at the start
 * of startup (never in the KafkaProxy constructor); it must acquire nothing (no socket, timer or
 * plugin initialization), so that a proxy that never binds holds nothing. One call for all VCs
 * lets the core share things between VCs (for example a listener shared by several SNI gateways).
 */
export type ProxyRuntimeFactory = (
  virtualClusters: readonly VirtualClusterDefinition[],
  dependencies: RuntimeDependencies,
) => ProxyRuntime;

export interface ProxyRuntime {
  readonly virtualClusters: readonly VirtualClusterRuntime[];
  /**
   * A reload's new or changed virtual clusters, created from the new configuration `config` and
   * sharing what this runtime shares between VCs. Acquires nothing, like the factory; the lifecycle
   * then calls each one's methods in the order above.
   */
  add(
    virtualClusters: readonly VirtualClusterDefinition[],
    config: ProxyConfigurationModel,
  ): readonly VirtualClusterRuntime[];
  /** §8.1 step 5: release anything shared between VCs that is still held. Called once, last. */
  release(): Promise<void>;
}
