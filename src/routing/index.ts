// Public surface of the Router API (docs/routers.md).
export type {
  BrokerInfo,
  CloseOrTerminalStage,
  Coordinators,
  PartitionInfo,
  PartitionLeaders,
  Router,
  RouterContext,
  RouterFactory,
  RouterFactoryContext,
  RouterResponse,
  TerminalStage,
  TopicNames,
  TopologyService,
  VirtualNode,
} from './api.ts';
export { CoordinatorKeyType } from './api.ts';
export {
  AmbiguousTopicError,
  BrokerIdRouteMismatchError,
  ForeignVirtualNodeError,
  NestedRouterCloseError,
  NestedRouterError,
  NodeIdOverflowError,
  TopologyDiscoveryUnavailableError,
  UnknownRouteError,
  UpstreamAddressUnknownError,
  UpstreamConnectionError,
} from './errors.ts';
