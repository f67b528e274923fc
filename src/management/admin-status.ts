// The document behind the admin page, served as /api/status (docs/operations.md describes it):
// what the proxy (or supervisor) reports about its virtual clusters, plus per virtual cluster the
// traffic counters read from the same Prometheus text /metrics serves. Counters are totals since
// the process started; the page derives rates from two documents and their `sampledAt`.

import { parseSamples } from '../observability/exposition.ts';
import type { ReloadOutcome } from '../proxy/lifecycle/reload.ts';
import type { VirtualNodeStatus } from '../proxy/lifecycle/virtual-cluster-runtime.ts';
import type { RouteGraphView } from '../routing/graph-view.ts';

export interface AdminGateway {
  readonly name: string;
  readonly bootstrapAddress: string;
  readonly boundBootstrapAddress: string | null;
  readonly boundPorts: readonly number[];
}

export interface AdminVirtualCluster {
  readonly name: string;
  readonly state: string;
  readonly since: string;
  readonly failureReason: string | null;
  readonly gateways: readonly AdminGateway[];
  readonly routeGraph: RouteGraphView | null;
  /** Null where the process serving the page does not hold them (the multi-worker supervisor). */
  readonly nodes: readonly VirtualNodeStatus[] | null;
}

/** What a management source reports for the admin page. */
export interface AdminView {
  readonly state: string;
  readonly version: string;
  readonly startedAt: string | null;
  readonly uptimeSeconds: number;
  /** The generation of the configuration in use. */
  readonly generation: number;
  /** The last configuration reloads, newest first (at most ten). */
  readonly reloads: readonly ReloadOutcome[];
  readonly virtualClusters: readonly AdminVirtualCluster[];
  /** Multi-worker mode only. */
  readonly workers?: readonly {
    readonly index: number;
    readonly pid: number | null;
    readonly state: string;
    readonly restarts: number;
  }[];
}

export interface Traffic {
  readonly connectionsActive: number;
  readonly connectionsTotal: number;
  readonly requestsTotal: number;
  readonly requestBytesTotal: number;
  readonly responseBytesTotal: number;
  /** The sum of `errors`. */
  readonly errorsTotal: number;
  readonly errors: {
    /** Client connections the proxy closed for any cause but a completed drain. */
    readonly disconnects: number;
    readonly routing: number;
    readonly upstream: number;
    readonly filters: number;
  };
  readonly gateways: readonly { readonly gateway: string; readonly connectionsActive: number }[];
  readonly routes: readonly { readonly router: string; readonly route: string; readonly requestsTotal: number }[];
  readonly routers: readonly { readonly router: string; readonly errorsTotal: number }[];
  readonly clusters: readonly {
    readonly cluster: string;
    readonly connectionsActive: number;
    readonly errorsTotal: number;
  }[];
}

export interface AdminStatus extends AdminView {
  /** When the counters were read, in milliseconds since the epoch. */
  readonly sampledAt: number;
  readonly virtualClusters: readonly (AdminVirtualCluster & { readonly traffic: Traffic })[];
}

/** Mutable per-VC sums while reading the exposition. */
interface Sums {
  connectionsActive: number;
  connectionsTotal: number;
  requestsTotal: number;
  requestBytesTotal: number;
  responseBytesTotal: number;
  disconnects: number;
  routing: number;
  upstream: number;
  filters: number;
  readonly gateways: Map<string, number>;
  readonly routes: Map<string, { router: string; route: string; requestsTotal: number }>;
  readonly routers: Map<string, number>;
  readonly clusters: Map<string, { cluster: string; connectionsActive: number; errorsTotal: number }>;
}

function emptySums(): Sums {
  return {
    connectionsActive: 0,
    connectionsTotal: 0,
    requestsTotal: 0,
    requestBytesTotal: 0,
    responseBytesTotal: 0,
    disconnects: 0,
    routing: 0,
    upstream: 0,
    filters: 0,
    gateways: new Map(),
    routes: new Map(),
    routers: new Map(),
    clusters: new Map(),
  };
}

export function adminStatus(view: AdminView, metricsText: string, sampledAt: number): AdminStatus {
  const sums = new Map<string, Sums>(view.virtualClusters.map((vc) => [vc.name, emptySums()]));
  for (const { name, labels, value } of parseSamples(metricsText)) {
    const vc = sums.get(labels.virtual_cluster ?? '');
    if (vc === undefined) continue;
    const cluster = (): { cluster: string; connectionsActive: number; errorsTotal: number } => {
      const key = labels.cluster ?? '';
      let entry = vc.clusters.get(key);
      if (entry === undefined) {
        entry = { cluster: key, connectionsActive: 0, errorsTotal: 0 };
        vc.clusters.set(key, entry);
      }
      return entry;
    };
    switch (name) {
      case 'switchyard_client_connections_active': {
        vc.connectionsActive += value;
        const gateway = labels.gateway ?? '';
        vc.gateways.set(gateway, (vc.gateways.get(gateway) ?? 0) + value);
        break;
      }
      case 'switchyard_client_connections_total':
        vc.connectionsTotal += value;
        break;
      case 'switchyard_client_requests_total':
        vc.requestsTotal += value;
        break;
      case 'switchyard_client_request_bytes_total':
        vc.requestBytesTotal += value;
        break;
      case 'switchyard_client_response_bytes_total':
        vc.responseBytesTotal += value;
        break;
      case 'switchyard_client_disconnects_total':
        if (labels.cause !== 'drain_completed') vc.disconnects += value;
        break;
      case 'switchyard_route_errors_total': {
        vc.routing += value;
        const router = labels.router ?? '';
        vc.routers.set(router, (vc.routers.get(router) ?? 0) + value);
        break;
      }
      case 'switchyard_upstream_errors_total':
        vc.upstream += value;
        cluster().errorsTotal += value;
        break;
      case 'switchyard_upstream_connections_active':
        cluster().connectionsActive += value;
        break;
      case 'switchyard_filter_errors_total':
        vc.filters += value;
        break;
      case 'switchyard_route_requests_total': {
        const router = labels.router ?? '';
        const route = labels.route ?? '';
        const key = `${router}\u0000${route}`;
        const entry = vc.routes.get(key) ?? { router, route, requestsTotal: 0 };
        entry.requestsTotal += value;
        vc.routes.set(key, entry);
        break;
      }
    }
  }
  return {
    ...view,
    sampledAt,
    virtualClusters: view.virtualClusters.map((vc) => {
      const s = sums.get(vc.name) ?? emptySums();
      return {
        ...vc,
        traffic: {
          connectionsActive: s.connectionsActive,
          connectionsTotal: s.connectionsTotal,
          requestsTotal: s.requestsTotal,
          requestBytesTotal: s.requestBytesTotal,
          responseBytesTotal: s.responseBytesTotal,
          errorsTotal: s.disconnects + s.routing + s.upstream + s.filters,
          errors: { disconnects: s.disconnects, routing: s.routing, upstream: s.upstream, filters: s.filters },
          gateways: [...s.gateways].map(([gateway, connectionsActive]) => ({ gateway, connectionsActive })),
          routes: [...s.routes.values()],
          routers: [...s.routers].map(([router, errorsTotal]) => ({ router, errorsTotal })),
          clusters: [...s.clusters.values()],
        },
      };
    }),
  };
}
