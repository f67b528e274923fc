// The errors of the Router API (routing.md §3.8, docs/routers.md). Messages name the virtual
// cluster, router, route and node involved, as far as they are known.
import { SwitchyardError } from '../errors.ts';

export class UnknownRouteError extends SwitchyardError {
  constructor(route: string, routerPath: string, routes: readonly string[]) {
    super('ERR_UNKNOWN_ROUTE', `Unknown route '${route}' in router '${routerPath}'; routes are: ${routes.join(', ')}`);
  }
}

export class UpstreamAddressUnknownError extends SwitchyardError {
  constructor(virtualNodeId: number, route: string, brokerId: number, cluster: string) {
    super(
      'ERR_UPSTREAM_ADDRESS_UNKNOWN',
      `Upstream address of virtual node ${virtualNodeId} (route '${route}', broker ${brokerId}) is not known: cluster '${cluster}' does not list broker ${brokerId}`,
    );
  }
}

export class UpstreamConnectionError extends SwitchyardError {
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_UPSTREAM_CONNECTION', message, options);
  }
}

export class ForeignVirtualNodeError extends SwitchyardError {
  constructor(node: string, routerPath: string) {
    super('ERR_FOREIGN_VIRTUAL_NODE', `${node} does not belong to router '${routerPath}'`);
  }
}

export class BrokerIdRouteMismatchError extends SwitchyardError {
  constructor(field: string, value: number, route: string, actualRoute: string) {
    super(
      'ERR_BROKER_ID_ROUTE_MISMATCH',
      `${field} names broker ${value}, which belongs to route '${actualRoute}', but the request travels along route '${route}'`,
    );
  }
}

export class NodeIdOverflowError extends SwitchyardError {
  constructor(route: string, brokerId: number, routeCount: number) {
    super(
      'ERR_NODE_ID_OVERFLOW',
      `broker ${brokerId} of route '${route}' has no virtual id: ${routeCount} routes x ${brokerId} exceeds 2^31 - 1`,
    );
  }
}

export class NestedRouterError extends SwitchyardError {
  constructor(routerPath: string, cause: unknown) {
    super('ERR_NESTED_ROUTER', `nested router '${routerPath}' failed: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
  }
}

export class NestedRouterCloseError extends SwitchyardError {
  constructor(routerPath: string) {
    super('ERR_NESTED_ROUTER_CLOSE', `nested router '${routerPath}' asked to close the connection`);
  }
}

export class TopologyDiscoveryUnavailableError extends SwitchyardError {
  constructor() {
    super(
      'ERR_TOPOLOGY_DISCOVERY_UNAVAILABLE',
      'TopologyService discovery needs a client session: the service obtained in RouterFactory.initialize() can only read the cache. Call context.topologyService() in createRouter() to discover.',
    );
  }
}

export class AmbiguousTopicError extends SwitchyardError {
  constructor(topic: string, routes: readonly string[]) {
    super('ERR_AMBIGUOUS_TOPIC', `topic '${topic}' is known on several routes (${routes.join(', ')}): name the route`);
  }
}
