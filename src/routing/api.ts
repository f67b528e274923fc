// The public Router API (docs/routers.md): what a router plugin implements and what the runtime
// offers it. Everything here is exported from the package entry point.

import type { Logger } from '../observability/logger.ts';
import type { KafkaError } from '../pipeline/kafka-error.ts';
import type { ApiMessage, RequestHeader, ResponseHeader, Subject } from '../pipeline/types.ts';
import type { JsonSchema, PluginKind } from '../plugins/kinds.ts';
import type { FrameBytes } from '../protocol/frames/frame-bytes.ts';
import type { ApiKey } from '../protocol/generated/api-keys.ts';
import type { ErrorCode } from '../protocol/generated/error-codes.ts';
import type { Uuid } from '../protocol/wire/uuid.ts';

/**
 * Decides where requests go and what the client gets back. One instance exists per client session
 * per router level; it may keep per-session state in plain fields. State shared between sessions
 * belongs in the factory's initialization data.
 */
export interface Router {
  /**
   * Called for each dynamically routed request, in the order the client sent them. Sends zero or
   * more requests through `context` and returns the response built with one of its builders,
   * directly or as a promise. A throw or rejection is a router failure (the client connection
   * closes, or, for a nested level reached through sendRequest(), the outer promise rejects).
   * No time limit is applied: a router implements its own timeouts.
   */
  onRequest(
    apiKey: ApiKey,
    apiVersion: number,
    header: RequestHeader,
    request: ApiMessage,
    context: RouterContext,
  ): RouterResponse | Promise<RouterResponse>;
  /** API keys this instance always sends to one fixed route (never passed to onRequest). Read once. */
  staticRoutes?(): ReadonlyMap<ApiKey, string>;
  /**
   * API keys whose requests addressed to a broker are first offered to `onRequestFrame()` as the
   * client's bytes (when no VC filter changed them). Read once.
   */
  frameKeys?(): ReadonlySet<ApiKey>;
  /**
   * Looks at the bytes of a request addressed to a broker of `route` (`frame`, size prefix
   * included, the body from `frame.bodyOffset`) before it is dispatched, and may change bytes in
   * place (`frame.write()`, or a `frame.view()`), never the length. A large frame is offered once
   * all of it has arrived, as the pieces it arrived in, never copied together; offsets are in the
   * whole frame. True forwards the frame as it now is to that broker, undecoded (the opaque path);
   * false dispatches it as usual (a static route or onRequest()), and then the frame must be
   * unchanged. Synchronous: it runs on the path of every such request. `frame` is reused: keep
   * nothing of it after the call. A throw is a router failure.
   */
  onRequestFrame?(apiKey: ApiKey, apiVersion: number, frame: FrameBytes, route: string): boolean;
  /** How many onRequest calls may be outstanding at once: 1 to 1000, default 1. Read once. */
  readonly maxConcurrentRequests?: number;
  /** Releases per-session resources; called once, after the session closed. */
  close?(): void | Promise<void>;
}

/** Creates routers of one type; a router definition's `type` names it. */
export interface RouterFactory<C = unknown, I = unknown> {
  /** JSON Schema (draft 2020-12) of `config`, checked by the configuration loader with file and line. */
  readonly configSchema?: JsonSchema;
  /** Prepares one router level, once per level per VC per process. A throw fails the VC. */
  initialize(context: RouterFactoryContext, config: C): I | Promise<I>;
  /** Creates the Router of one session at this level. Synchronous and cheap. */
  createRouter(context: RouterFactoryContext, initData: I): Router;
  /** Releases what initialize() acquired, after every Router of the level closed. */
  close?(initData: I): void | Promise<void>;
}

/** The factory's context: the initialization context (one per level) or a session context. */
export interface RouterFactoryContext {
  readonly virtualClusterName: string;
  readonly routerName: string;
  /** The level's router path, e.g. "union/b/b-split"; equals routerName at the top level. */
  readonly routerPath: string;
  /** The route names declared by the definition, in configuration order. */
  readonly routeNames: ReadonlySet<string>;
  readonly logger: Logger;
  pluginInstance<P>(kind: PluginKind<P>, implementationName: string): P;
  pluginImplementationNames<P>(kind: PluginKind<P>): ReadonlySet<string>;
  /** The level's topology service (creates the level's shared cache on first call). */
  topologyService(): TopologyService;
  /** Lets routes of this level reach one cluster; only during initialize(). */
  allowSharedClusterTargets(): void;
}

/** What a router can do while handling one request. */
export interface RouterContext {
  readonly sessionId: string;
  readonly logger: Logger;
  /** The node this request is addressed to at this level, or undefined (bootstrap session, entry node). */
  virtualNode(): VirtualNode | undefined;
  /** "Some broker" of a route: a bootstrap server (cluster route) or the entry of a nested router. */
  anyNode(route: string): VirtualNode;
  /** The node for an id of this level's space taken from a response body. */
  nodeForId(virtualNodeId: number): VirtualNode;
  /** The name of the route a node of this level belongs to. */
  routeOf(node: VirtualNode): string;
  /** Sends a request to a node; resolves with its response translated into this level's space. */
  sendRequest(node: VirtualNode, header: RequestHeader, request: ApiMessage): Promise<ApiMessage | undefined>;
  /** The client's identity from mTLS or VC-chain SASL; anonymous otherwise. */
  authenticatedSubject(): Subject;
  respondWith(body: ApiMessage): CloseOrTerminalStage;
  respondWith(header: ResponseHeader, body: ApiMessage): CloseOrTerminalStage;
  respondWithError(header: RequestHeader, request: ApiMessage, error: ErrorCode | KafkaError): CloseOrTerminalStage;
  respondWithoutReply(): CloseOrTerminalStage;
  /**
   * Forwards this request along `route` as a static route would (undecoded unless something on
   * the path reads it), and every later request of the session at this level with it, without
   * calling onRequest(), while the session's authenticated subject stays the one seen now. After
   * a change of subject (re-authentication) the next request comes to onRequest() again.
   */
  forwardSessionTo(route: string): TerminalStage;
}

declare const routerResponseBrand: unique symbol;
/** Opaque result of onRequest. Only the runtime can create one. */
export interface RouterResponse {
  readonly [routerResponseBrand]: true;
}

export interface TerminalStage {
  /** Produces the RouterResponse. May be called once per stage. */
  build(): RouterResponse;
}

export interface CloseOrTerminalStage extends TerminalStage {
  /** After delivering the response (if any), close the client connection. */
  withCloseConnection(): TerminalStage;
}

declare const virtualNodeBrand: unique symbol;
/**
 * An opaque handle to one node of one router level's id space, interned per level: `===`, Map and
 * Set keys work. `toString()` is for debugging only.
 */
export interface VirtualNode {
  readonly [virtualNodeBrand]: true;
  toString(): string;
}

/** Kinds of coordinator keys (FIND_COORDINATOR's key type). */
export const CoordinatorKeyType = Object.freeze({ GROUP: 0, TRANSACTION: 1, SHARE: 2 } as const);
export type CoordinatorKeyType = (typeof CoordinatorKeyType)[keyof typeof CoordinatorKeyType];

/** Partition leaders, coordinators and topic names of a router level's routes (docs/routers.md). */
export interface TopologyService {
  leaders(topicsByRoute: ReadonlyMap<string, Iterable<string>>): Promise<PartitionLeaders>;
  coordinators(route: string, keyType: CoordinatorKeyType, keys: Iterable<string>): Promise<Coordinators>;
  topicNames(route: string, topicIds: Iterable<Uuid>): Promise<TopicNames>;
  partitionInfo(topicName: string, partitionIndex: number, route?: string): PartitionInfo | undefined;
  brokerInfo(node: VirtualNode): BrokerInfo | undefined;
  invalidateRoute(route: string): void;
}

export interface PartitionLeaders {
  leaderOf(topicName: string, partitionIndex: number, route?: string): VirtualNode | undefined;
}

export interface Coordinators {
  coordinatorFor(key: string): VirtualNode | undefined;
}

export interface TopicNames {
  nameOf(topicId: Uuid): string | undefined;
  readonly size: number;
  entries(): IterableIterator<readonly [Uuid, string]>;
}

export interface PartitionInfo {
  readonly leader: VirtualNode | undefined;
  readonly replicas: readonly VirtualNode[];
  readonly isr: readonly VirtualNode[];
}

export interface BrokerInfo {
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}
