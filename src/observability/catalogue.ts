// Every metric Switchyard exposes: name, type, help and labels. Names, types and labels are public
// API (docs/metrics.md documents each one); change them only as a compatibility break.
//
// No label may carry an unbounded value (client id, topic, group, principal, session id): every
// label below is bounded by the configuration (virtual cluster, gateway, cluster, router, route),
// by the protocol (api key: the names of the API keys Switchyard knows, every other key counted as
// `unknown`) or by a closed set of values listed in `labelValues`.

import type { MetricDefinition } from './registry.ts';

export const PROXY_STATES = ['new', 'starting', 'started', 'stopping', 'stopped'] as const;
export type ProxyStateLabel = (typeof PROXY_STATES)[number];

export const VIRTUAL_CLUSTER_STATES = ['initializing', 'serving', 'draining', 'failed', 'stopped'] as const;
export type VirtualClusterStateLabel = (typeof VIRTUAL_CLUSTER_STATES)[number];

export const STARTUP_OUTCOMES = ['success', 'failure', 'aborted'] as const;

/** Why the proxy closed a client connection. The lifecycle defines the two drain causes. */
export const DISCONNECT_CAUSES = [
  'drain_completed',
  'drain_timeout',
  'startup_failed',
  'frame_too_large',
  'malformed_frame',
  'unsupported_request',
  'upstream_failed',
  'router_failed',
  'unknown_route',
  'filter_failed',
  'filter_closed',
  'router_closed',
  'tls_failed',
  'authentication_failed',
  'idle_timeout',
  'request_timeout',
  'buffer_budget',
  'internal_error',
] as const;
export type DisconnectCause = (typeof DISCONNECT_CAUSES)[number];

export const ROUTE_ERRORS = ['unknown_route', 'node_forward_failed', 'router_failed'] as const;
export type RouteError = (typeof ROUTE_ERRORS)[number];

export const UPSTREAM_ERRORS = [
  'connect_failed',
  'connection_closed',
  'request_timeout',
  'tls_failed',
  'authentication_failed',
  'malformed_response',
] as const;
export type UpstreamError = (typeof UPSTREAM_ERRORS)[number];

export const FILTER_ERRORS = ['filter_failed', 'close_failed'] as const;

/** Why a client connection was refused on accept (network.overload). */
export const CONNECTION_REFUSALS = ['gateway_limit', 'address_limit'] as const;
export type ConnectionRefusal = (typeof CONNECTION_REFUSALS)[number];

/** Configuration reloads (docs/operations.md, reload). */
export const RELOAD_OUTCOMES = ['success', 'failure'] as const;
/** What a reload did to one virtual cluster. */
export const RELOAD_CHANGES = ['restarted', 'started', 'stopped'] as const;
export type ReloadChange = (typeof RELOAD_CHANGES)[number];
/**
 * Every configuration metric starts with this: in multi-worker mode the supervisor decides reloads,
 * so it serves these series itself instead of summing the workers' (lifecycle §13.5).
 */
export const CONFIG_METRICS_PREFIX = 'switchyard_config_';

/** How a session's need for broker addresses was met: a discovery connection, or a recent answer. */
export const DISCOVERY_RESULTS = ['queried', 'cached'] as const;

/** Lifecycle specification §11. */
const STARTUP_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const STATE_DURATION_BUCKETS = [0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];
/** Routing specification §8.1; also used for client request latencies. */
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function define<L extends string>(definition: MetricDefinition<L>): MetricDefinition<L> {
  return definition;
}

export const METRICS = {
  // ---- Proxy lifecycle (lifecycle specification §11) ----
  proxyState: define({
    name: 'switchyard_proxy_state',
    type: 'gauge',
    help: 'Proxy state: one series per state, 1 for the current state and 0 for the others.',
    labels: ['state'],
    labelValues: { state: PROXY_STATES },
  }),
  proxyStartupDuration: define({
    name: 'switchyard_proxy_startup_duration_seconds',
    type: 'histogram',
    help: 'Time from entering STARTING to STARTED (success), to STOPPED after a startup failure (failure), or to a shutdown that interrupted startup (aborted).',
    labels: ['outcome'],
    labelValues: { outcome: STARTUP_OUTCOMES },
    buckets: STARTUP_BUCKETS,
  }),
  virtualClusterState: define({
    name: 'switchyard_virtual_cluster_state',
    type: 'gauge',
    help: 'Virtual cluster state: per virtual cluster, one series per state, 1 for the current state and 0 for the others.',
    labels: ['virtual_cluster', 'state'],
    labelValues: { state: VIRTUAL_CLUSTER_STATES },
  }),
  virtualClusterTransitions: define({
    name: 'switchyard_virtual_cluster_transitions_total',
    type: 'counter',
    help: 'Virtual cluster state transitions.',
    labels: ['virtual_cluster', 'from', 'to'],
    labelValues: { from: VIRTUAL_CLUSTER_STATES, to: VIRTUAL_CLUSTER_STATES },
  }),
  virtualClusterStateDuration: define({
    name: 'switchyard_virtual_cluster_state_duration_seconds',
    type: 'histogram',
    help: 'Time a virtual cluster spent in a state, observed when it leaves the state.',
    labels: ['virtual_cluster', 'state'],
    labelValues: { state: VIRTUAL_CLUSTER_STATES },
    buckets: STATE_DURATION_BUCKETS,
  }),
  clientDisconnects: define({
    name: 'switchyard_client_disconnects_total',
    type: 'counter',
    help: 'Client connections closed by the proxy, by cause.',
    labels: ['virtual_cluster', 'cause'],
    labelValues: { cause: DISCONNECT_CAUSES },
  }),
  drainAbandonedRequests: define({
    name: 'switchyard_drain_abandoned_requests_total',
    type: 'counter',
    help: 'Requests still in flight when a drain timed out.',
    labels: ['virtual_cluster'],
  }),
  configGeneration: define({
    name: 'switchyard_config_generation',
    type: 'gauge',
    help: 'Generation of the configuration in use: 1 at startup, one more after each successful reload.',
    labels: [],
  }),
  configReloads: define({
    name: 'switchyard_config_reloads_total',
    type: 'counter',
    help: 'Configuration reloads, by outcome (a failed one changed nothing, or left a virtual cluster failed).',
    labels: ['outcome'],
    labelValues: { outcome: RELOAD_OUTCOMES },
  }),
  configLastReloadSuccess: define({
    name: 'switchyard_config_last_reload_success',
    type: 'gauge',
    help: '1 when the last configuration reload succeeded (or none was tried), 0 when it failed.',
    labels: [],
  }),
  configLastReloadTimestamp: define({
    name: 'switchyard_config_last_reload_timestamp_seconds',
    type: 'gauge',
    help: 'When the last configuration reload ended, in seconds since the epoch; 0 before the first.',
    labels: [],
  }),
  configVirtualClusterChanges: define({
    name: 'switchyard_config_virtual_cluster_changes_total',
    type: 'counter',
    help: 'Virtual clusters restarted, started or stopped by configuration reloads.',
    labels: ['virtual_cluster', 'change'],
    labelValues: { change: RELOAD_CHANGES },
  }),
  workerRestarts: define({
    name: 'switchyard_worker_restarts_total',
    type: 'counter',
    help: 'Supervisor only: worker processes replaced after an unexpected exit.',
    labels: [],
  }),

  // ---- Routing (routing specification §8.1) ----
  routeRequests: define({
    name: 'switchyard_route_requests_total',
    type: 'counter',
    help: 'Requests sent along a route: static forwards (mode="static") and sendRequest() calls (mode="dynamic").',
    labels: ['virtual_cluster', 'router', 'route', 'api_key', 'mode'],
    labelValues: { mode: ['static', 'dynamic'] },
  }),
  routeRequestDuration: define({
    name: 'switchyard_route_request_duration_seconds',
    type: 'histogram',
    help: 'Time from sending a request along a route to its response crossing back into the router.',
    labels: ['virtual_cluster', 'router', 'route', 'api_key'],
    buckets: REQUEST_BUCKETS,
  }),
  routeErrors: define({
    name: 'switchyard_route_errors_total',
    type: 'counter',
    help: 'Routing failures by type.',
    labels: ['virtual_cluster', 'router', 'error'],
    labelValues: { error: ROUTE_ERRORS },
  }),

  // ---- Client side of the data path ----
  clientConnections: define({
    name: 'switchyard_client_connections_total',
    type: 'counter',
    help: 'Client connections accepted, by virtual cluster and gateway.',
    labels: ['virtual_cluster', 'gateway'],
  }),
  clientConnectionsActive: define({
    name: 'switchyard_client_connections_active',
    type: 'gauge',
    help: 'Client connections currently open, by virtual cluster and gateway.',
    labels: ['virtual_cluster', 'gateway'],
  }),
  clientRequests: define({
    name: 'switchyard_client_requests_total',
    type: 'counter',
    help: 'Requests received from clients, by virtual cluster and api key.',
    labels: ['virtual_cluster', 'api_key'],
  }),
  clientRequestDuration: define({
    name: 'switchyard_client_request_duration_seconds',
    type: 'histogram',
    help: 'Time from reading a client request to writing its response, by virtual cluster and api key.',
    labels: ['virtual_cluster', 'api_key'],
    buckets: REQUEST_BUCKETS,
  }),
  clientRequestBytes: define({
    name: 'switchyard_client_request_bytes_total',
    type: 'counter',
    help: 'Bytes of request frames received from clients (including the size prefix), by virtual cluster and api key.',
    labels: ['virtual_cluster', 'api_key'],
  }),
  clientResponseBytes: define({
    name: 'switchyard_client_response_bytes_total',
    type: 'counter',
    help: 'Bytes of response frames written to clients (including the size prefix), by virtual cluster and api key.',
    labels: ['virtual_cluster', 'api_key'],
  }),
  clientReadPauses: define({
    name: 'switchyard_client_read_pauses_total',
    type: 'counter',
    help: 'Times the proxy stopped reading from a client connection because of backpressure.',
    labels: ['virtual_cluster'],
  }),
  clientReadsPaused: define({
    name: 'switchyard_client_reads_paused',
    type: 'gauge',
    help: 'Client connections whose reads are currently paused by backpressure.',
    labels: ['virtual_cluster'],
  }),

  clientConnectionsRefused: define({
    name: 'switchyard_client_connections_refused_total',
    type: 'counter',
    help: 'Client connections closed on accept because a connection limit was reached, by virtual cluster, gateway and limit.',
    labels: ['virtual_cluster', 'gateway', 'reason'],
    labelValues: { reason: CONNECTION_REFUSALS },
  }),

  // ---- Overload budget (network.overload) ----
  bufferedBytes: define({
    name: 'switchyard_buffered_bytes',
    type: 'gauge',
    help: 'Bytes client sessions hold in buffers, as counted by the buffer budget (network.overload.maxBufferedBytes).',
    labels: [],
  }),
  bufferBudgetPausedSessions: define({
    name: 'switchyard_buffer_budget_paused_sessions',
    type: 'gauge',
    help: 'Client sessions whose reads are currently paused because the buffer budget is exceeded.',
    labels: [],
  }),
  bufferBudgetPauses: define({
    name: 'switchyard_buffer_budget_pauses_total',
    type: 'counter',
    help: 'Times a client session was paused because the buffer budget was exceeded and it held the most.',
    labels: ['virtual_cluster'],
  }),
  warningsSuppressed: define({
    name: 'switchyard_warnings_suppressed_total',
    type: 'counter',
    help: 'Warnings caused by unauthenticated clients that were logged at debug level instead, by the warning rate limit.',
    labels: [],
  }),

  // ---- Upstream side of the data path ----
  upstreamConnections: define({
    name: 'switchyard_upstream_connections_total',
    type: 'counter',
    help: 'Upstream broker connections opened, by virtual cluster and target cluster.',
    labels: ['virtual_cluster', 'cluster'],
  }),
  upstreamConnectionsActive: define({
    name: 'switchyard_upstream_connections_active',
    type: 'gauge',
    help: 'Upstream broker connections currently open, by virtual cluster and target cluster.',
    labels: ['virtual_cluster', 'cluster'],
  }),
  upstreamErrors: define({
    name: 'switchyard_upstream_errors_total',
    type: 'counter',
    help: 'Upstream connection failures, by virtual cluster, target cluster and error type.',
    labels: ['virtual_cluster', 'cluster', 'error'],
    labelValues: { error: UPSTREAM_ERRORS },
  }),
  addressDiscoveries: define({
    name: 'switchyard_address_discoveries_total',
    type: 'counter',
    help: 'Sessions bound to a broker whose address was unknown: answered by a discovery connection to the cluster (queried) or by a recent discovery (cached).',
    labels: ['virtual_cluster', 'result'],
    labelValues: { result: DISCOVERY_RESULTS },
  }),
  upstreamReadPauses: define({
    name: 'switchyard_upstream_read_pauses_total',
    type: 'counter',
    help: 'Times the proxy stopped reading from an upstream connection because the client could not keep up.',
    labels: ['virtual_cluster', 'cluster'],
  }),

  // ---- Filters ----
  filterErrors: define({
    name: 'switchyard_filter_errors_total',
    type: 'counter',
    help: 'Filter failures, by virtual cluster, filter name and error type.',
    labels: ['virtual_cluster', 'filter', 'error'],
    labelValues: { error: FILTER_ERRORS },
  }),

  // ---- Node process (read at scrape time) ----
  processCpuUser: define({
    name: 'process_cpu_user_seconds_total',
    type: 'counter',
    help: 'User CPU time spent by the process, in seconds.',
    labels: [],
  }),
  processCpuSystem: define({
    name: 'process_cpu_system_seconds_total',
    type: 'counter',
    help: 'System CPU time spent by the process, in seconds.',
    labels: [],
  }),
  processResidentMemory: define({
    name: 'process_resident_memory_bytes',
    type: 'gauge',
    help: 'Resident memory size of the process, in bytes.',
    labels: [],
  }),
  nodejsHeapUsed: define({
    name: 'nodejs_heap_used_bytes',
    type: 'gauge',
    help: 'V8 heap in use, in bytes.',
    labels: [],
  }),
  nodejsHeapTotal: define({
    name: 'nodejs_heap_total_bytes',
    type: 'gauge',
    help: 'V8 heap allocated, in bytes.',
    labels: [],
  }),
  nodejsExternalMemory: define({
    name: 'nodejs_external_memory_bytes',
    type: 'gauge',
    help: 'Memory of C++ objects bound to JavaScript objects (including Buffers), in bytes.',
    labels: [],
  }),
  nodejsEventLoopUtilization: define({
    name: 'nodejs_eventloop_utilization_ratio',
    type: 'gauge',
    help: 'Fraction of time the event loop was busy since the previous scrape (since the registry was created for the first scrape).',
    labels: [],
  }),
} as const;
