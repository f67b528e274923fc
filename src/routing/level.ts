// The runtime of one router level (routing.md §2.2, §6): its routes, node-id mapping, interned
// nodes, topology cache and metrics, and per session the Router instance, its static map, the
// first-in first-out dispatch queue with its concurrency limit, and the route sessions. A virtual
// cluster that targets a cluster runs the same code as a level with one route, identity mapping,
// every key static and no Router instance.

import type { ClusterDefinition } from '../config/model.ts';
import { errorResponseFor } from '../filter/error-response.ts';
import type { Logger } from '../observability/logger.ts';
import { withFields } from '../observability/logger.ts';
import type { Reply, SessionCloseCause } from '../pipeline/reply.ts';
import { type BootstrapRef, type FrameRestSink, type NodeRef, RequestMessage } from '../pipeline/request-message.ts';
import type { ResponseMessage } from '../pipeline/response-message.ts';
import { ResponseMessage as Response } from '../pipeline/response-message.ts';
import { SessionClosedError } from '../pipeline/session-closed-error.ts';
import type { SessionHandle, SessionStage, Stage } from '../pipeline/stage.ts';
import type { ApiMessage, RequestHeader, Subject } from '../pipeline/types.ts';
import { FrameBytes } from '../protocol/frames/frame-bytes.ts';
import { ErrorCode } from '../protocol/generated/error-codes.ts';
import { requestBodyOffset } from '../protocol/headers.ts';
import { FifoQueue } from '../proxy/fifo-queue.ts';
import type { Router } from './api.ts';
import {
  API_VERSIONS,
  ApiVersionsAcrossRoutes,
  type KeysByRoute,
  type RouteVersions,
  type VersionRanges,
} from './api-versions-across-routes.ts';
import {
  BrokerIdRouteMismatchError,
  NestedRouterCloseError,
  NestedRouterError,
  NodeIdOverflowError,
  UpstreamAddressUnknownError,
  UpstreamConnectionError,
} from './errors.ts';
import type { RoutingMetrics } from './metrics.ts';
import {
  carriesNodeIds,
  frameMayHoldNodeIds,
  nodeIdFields,
  piecesMayHoldNodeIds,
  responseMayHoldNodeIds,
  rewriteNodeIds,
} from './node-id-fields.ts';
import type { NodeIdMapping } from './node-id-mapping.ts';
import { RouterCall, RouterResponseImpl } from './router-context.ts';
import { FIND_COORDINATOR, METADATA, type TopologyCache } from './topology.ts';
import type { LevelNode, NodeInterner } from './virtual-nodes.ts';

/** One route of a level, as the runtime runs it. */
export interface RouteRuntime {
  readonly name: string;
  readonly id: number;
  /** The route filter chain in front of the target, or the target itself. */
  readonly stage: Stage;
  /** The cluster, when the route targets one (bootstrap nodes); undefined for a router target. */
  readonly cluster: ClusterDefinition | undefined;
  /** The nested level's router path, when the route targets a router. */
  readonly nestedPath: string | undefined;
}

/** What a level needs from the factory side to serve a session. */
export interface LevelPlugin {
  /** Creates the session's Router; throws what createRouter() threw. */
  createRouter(session: SessionHandle): Router;
}

export interface RouterLevelOptions {
  readonly virtualCluster: string;
  readonly routerName: string;
  readonly routerPath: string;
  readonly routes: readonly RouteRuntime[];
  readonly mapping: NodeIdMapping;
  readonly nodes: NodeInterner;
  /** Undefined for the level of a VC that targets a cluster: every key is static on its one route. */
  readonly plugin: LevelPlugin | undefined;
  /** Undefined for a VC that targets a cluster (routing metrics exist for router targets only). */
  readonly metrics: RoutingMetrics | undefined;
  readonly logger: Logger;
}

/** Per session: what every level of the session shares (slots of pending sends, Router instances). */
export class SessionRouting {
  readonly session: SessionHandle;
  closed = false;
  /** Promises of sendRequest() still pending: rejected with SessionClosedError when the session closes. */
  readonly pending = new Set<PromiseReply>();
  /** Router instances in creation order, with their level, for closing in reverse order. */
  readonly routers: { router: Router; level: RouterLevel }[] = [];
  readonly #levels = new Map<RouterLevel, LevelSession>();

  constructor(session: SessionHandle) {
    this.session = session;
  }

  /** The session of `level`, opened on first use (one Router per session per level). */
  levelSession(level: RouterLevel): LevelSession {
    let opened = this.#levels.get(level);
    if (opened === undefined) {
      opened = new LevelSession(level, this);
      this.#levels.set(level, opened);
    }
    return opened;
  }
}

export class RouterLevel {
  readonly options: RouterLevelOptions;
  readonly logger: Logger;
  /** Set once some context of the level asked for the topology service. */
  topology: TopologyCache | undefined;
  /** Each route's API_VERSIONS ranges as last seen (§6.12); filled only where static keys span routes. */
  readonly apiVersionsByRoute: (VersionRanges | undefined)[] = [];
  #routesByName: ReadonlyMap<string, RouteRuntime> | undefined;

  constructor(options: RouterLevelOptions) {
    this.options = options;
    this.logger = options.logger;
  }

  /** The routes by name; read once the graph is built (the routes are added after the factory initialized). */
  get routesByName(): ReadonlyMap<string, RouteRuntime> {
    if (this.#routesByName !== undefined) return this.#routesByName;
    const byName = new Map(this.options.routes.map((route) => [route.name, route]));
    if (byName.size > 0) this.#routesByName = byName;
    return byName;
  }

  get routeNames(): readonly string[] {
    return [...this.routesByName.keys()];
  }

  get routerPath(): string {
    return this.options.routerPath;
  }

  get mapping(): NodeIdMapping {
    return this.options.mapping;
  }

  get nodes(): NodeInterner {
    return this.options.nodes;
  }

  routeById(id: number): RouteRuntime {
    return this.options.routes[id]!;
  }
}

interface Queued {
  readonly message: RequestMessage;
  readonly reply: Reply;
  readonly bytes: number;
}

/**
 * Bytes of client requests a session may hold waiting for a busy router before it stops reading
 * from the client (R67). The same order as a socket's high-water mark: enough to keep a router
 * with a few requests in flight busy, far below what maxInFlightRequests frames could hold.
 */
const QUEUE_HIGH_WATER = 1024 * 1024;

/** One level of one session. */
export class LevelSession implements SessionStage {
  readonly level: RouterLevel;
  readonly routing: SessionRouting;
  readonly logger: Logger;
  readonly #router: Router | undefined;
  /** Route of each statically routed api key; for a VC targeting a cluster, every key's route. */
  readonly #static: (RouteRuntime | undefined)[] = [];
  /** Api keys offered to the router's onRequestFrame() first. */
  readonly #frameKeys: boolean[] = [];
  /** What onRequestFrame() is given: one instance for every frame of the session. */
  readonly #requestFrame = new FrameBytes();
  readonly #onePiece: Buffer[] = [];
  /** A large request for onRequestFrame() whose pieces are still arriving (one at a time: the client's bytes are in order). */
  #gathering: FrameGathering | undefined;
  readonly #allStatic: RouteRuntime | undefined;
  readonly #maxConcurrent: number = 1;
  #outstanding = 0;
  readonly #queue = new FifoQueue<Queued>();
  /** Bytes of the queued requests; above QUEUE_HIGH_WATER the session stops reading. */
  #queuedBytes = 0;
  #queueCongested = false;
  /** Bodies this level's router already handed to sendRequest(): passing one again is a TypeError. */
  readonly sentBodies = new WeakSet<object>();
  readonly #routeSessions: (SessionStage | undefined)[] = [];
  /** Per cluster route: the session's sticky bootstrap pick and the next round-robin index. */
  readonly #bootstrapPicks: ({ first: number; next: number; readonly ref: BootstrapRef } | undefined)[] = [];
  /** Why this session cannot dispatch (its Router could not be created). */
  #broken = false;
  /** Static keys per other route, for API_VERSIONS served by a route (§6.12); null when all go to one. */
  #keysElsewhere: Map<RouteRuntime, KeysByRoute | null> | undefined;
  /** The route the router bound the session to (forwardSessionTo()), and the subject it saw then. */
  #sessionRoute: RouteRuntime | undefined;
  #sessionRouteSubject: Subject | undefined;

  constructor(level: RouterLevel, routing: SessionRouting) {
    this.level = level;
    this.routing = routing;
    const session = routing.session;
    this.logger = withFields(level.logger, { sessionId: session.id });
    const plugin = level.options.plugin;
    if (plugin === undefined) {
      this.#allStatic = level.options.routes[0];
      return;
    }
    try {
      this.#router = plugin.createRouter(session);
      routing.routers.push({ router: this.#router, level });
    } catch (error) {
      this.#brokenBy(
        'router_failed',
        `createRouter() of router '${level.routerPath}' failed: ${messageOf(error)}`,
        error,
      );
      return;
    }
    const router = this.#router;
    try {
      const max = router.maxConcurrentRequests ?? 1;
      if (!Number.isInteger(max) || max < 1 || max > 1000) {
        this.#brokenBy(
          'router_failed',
          `router '${level.routerPath}' has maxConcurrentRequests ${max}: it must be an integer from 1 to 1000`,
        );
        return;
      }
      this.#maxConcurrent = max;
      const routes = router.staticRoutes?.();
      for (const [apiKey, name] of routes ?? []) {
        const route = level.routesByName.get(name);
        if (route === undefined) {
          this.#brokenBy(
            'unknown_route',
            `staticRoutes() of router '${level.routerPath}' names unknown route '${name}'; routes are: ${level.routeNames.join(', ')}`,
          );
          return;
        }
        this.#static[apiKey as number] = route;
      }
      if (router.onRequestFrame !== undefined)
        for (const key of router.frameKeys?.() ?? []) this.#frameKeys[key] = true;
    } catch (error) {
      this.#brokenBy(
        'router_failed',
        `router '${level.routerPath}' failed while reading staticRoutes(): ${messageOf(error)}`,
        error,
      );
    }
  }

  dispatch(message: RequestMessage, reply: Reply): void {
    const allStatic = this.#allStatic;
    if (allStatic !== undefined) {
      this.forward(allStatic, message, reply);
      return;
    }
    if (message.isStreamed && this.#frameKeys[message.apiKey] === true) {
      // A frame key streamed in (streams()): its pieces are kept until the last, then offered.
      this.#gathering = new FrameGathering(this, message, reply);
      message.restSink = this.#gathering;
      return;
    }
    if (this.#broken) {
      reply.fail('router_failed', 'the router of this session could not be created');
      return;
    }
    // Out-of-band requests never wait behind the client request a filter is processing (§6.10).
    if (message.outOfBand || (this.#queue.length === 0 && this.#ready(message))) {
      this.#dispatchNow(message, reply);
      return;
    }
    const bytes = message.byteLength;
    this.#queue.push({ message, reply, bytes });
    this.#queuedBytes += bytes;
    this.#congestion();
  }

  close(): void {
    this.#gathering = undefined;
    for (const stage of this.#routeSessions) stage?.close();
    this.#routeSessions.length = 0;
    this.#queue.drainAll();
    this.#queuedBytes = 0;
    this.#congestion();
  }

  /** A busy router is congestion like a full upstream: the session stops reading while it lasts. */
  #congestion(): void {
    const congested = this.#queuedBytes > QUEUE_HIGH_WATER;
    if (congested === this.#queueCongested) return;
    this.#queueCongested = congested;
    this.routing.session.upstreamCongestion(congested);
  }

  /** A bootstrap server of a cluster route: the first pick is random, later ones go round-robin (§6.3). */
  pickBootstrap(route: RouteRuntime): number {
    const cluster = route.cluster!;
    const count = cluster.bootstrapServers.length;
    let picks = this.#bootstrapPicks[route.id];
    if (picks === undefined) {
      const first = Math.floor(Math.random() * count);
      picks = { first, next: (first + 1) % count, ref: Object.freeze({ bootstrapIndex: first }) };
      this.#bootstrapPicks[route.id] = picks;
      return first;
    }
    if (cluster.selection === 'random') return Math.floor(Math.random() * count);
    const index = picks.next;
    picks.next = (index + 1) % count;
    return index;
  }

  /** The session's sticky bootstrap server of a cluster route: its first pick, made on demand. */
  defaultBootstrap(route: RouteRuntime): number {
    const picks = this.#bootstrapPicks[route.id];
    return picks === undefined ? this.pickBootstrap(route) : picks.first;
  }

  #ready(message: RequestMessage): boolean {
    return (
      this.#static[message.apiKey] !== undefined ||
      this.#boundRoute() !== undefined ||
      this.#outstanding < this.#maxConcurrent
    );
  }

  /**
   * The route of forwardSessionTo(), while the session's subject is the one the router saw: a new
   * subject (re-authentication) sends the next request to the router again, to decide anew.
   */
  #boundRoute(): RouteRuntime | undefined {
    const route = this.#sessionRoute;
    return route !== undefined && this.routing.session.subject === this.#sessionRouteSubject ? route : undefined;
  }

  #pump(): void {
    for (let head = this.#queue.peek(); head !== undefined && this.#ready(head.message); head = this.#queue.peek()) {
      this.#queue.shift();
      this.#queuedBytes -= head.bytes;
      this.#congestion();
      this.#dispatchNow(head.message, head.reply);
    }
  }

  #dispatchNow(message: RequestMessage, reply: Reply): void {
    if (this.#frameKeys[message.apiKey] === true && this.#offerFrame(message, reply)) return;
    const route = this.#static[message.apiKey] ?? this.#boundRoute();
    if (route !== undefined) this.forward(route, message, reply);
    else this.#callRouter(message, reply);
  }

  /**
   * Offers the bytes of a request addressed to a broker to the router's onRequestFrame(); true when
   * it is dealt with (forwarded to that broker as it is, or failed).
   */
  #offerFrame(message: RequestMessage, reply: Reply): boolean {
    const node = message.node;
    const frame = message.originalFrame;
    if (typeof node !== 'number' || node < 0 || frame === undefined) return false;
    const bodyOffset = requestBodyOffset(frame);
    if (bodyOffset < 0) return false;
    this.#onePiece[0] = frame;
    const verdict = this.#askFrame(message, reply, this.#onePiece, bodyOffset);
    this.#onePiece[0] = NO_BYTES;
    if (verdict === undefined) return true;
    if (verdict) this.forward(verdict, message, reply);
    return verdict !== false;
  }

  /**
   * Offers the request whose bytes are `pieces` to the router's onRequestFrame(): the route to
   * forward it on, false for the usual dispatch, undefined when the router failed (the reply says so).
   */
  #askFrame(
    message: RequestMessage,
    reply: Reply,
    pieces: readonly Buffer[],
    bodyOffset: number,
  ): RouteRuntime | false | undefined {
    const route = this.level.routeById(this.level.mapping.routeIdOf(message.node as number));
    const frame = this.#requestFrame.reset(pieces, bodyOffset);
    try {
      const forward = this.#router!.onRequestFrame!(message.apiKey as never, message.apiVersion, frame, route.name);
      return forward === true ? route : false;
    } catch (error) {
      this.routerFailed(
        reply,
        `router '${this.level.routerPath}' failed in onRequestFrame(): ${messageOf(error)}`,
        error,
        message.apiKey,
      );
      return undefined;
    } finally {
      this.#requestFrame.reset(NO_PIECES, 0);
    }
  }

  /**
   * The last piece of a gathered request arrived: offered whole to onRequestFrame(), then sent on
   * as the pieces it arrived in (the upstream connection takes the head, then each piece, with
   * nothing in between), or joined into one frame for the usual dispatch.
   */
  gathered(gathering: FrameGathering): void {
    if (this.#gathering !== gathering) return; // the session closed meanwhile
    this.#gathering = undefined;
    const { message, reply, pieces } = gathering;
    // Dispatched as a whole frame would be now: offered at once when the level is ready for it,
    // otherwise joined and queued behind what the router is still handling.
    const ready = this.#queue.length === 0 && this.#ready(message);
    const verdict = ready ? this.#askFrame(message, reply, pieces, requestBodyOffset(pieces[0]!)) : false;
    if (verdict === undefined) return;
    if (verdict === false) {
      message.assembled(Buffer.concat(pieces));
      this.dispatch(message, reply);
      return;
    }
    this.forward(verdict, message, reply);
    const sink = message.restSink;
    if (sink === undefined || sink === gathering) return; // the forward failed; the reply says why
    for (let i = 1; i < pieces.length; i++) sink.writeRest(pieces[i]!, i === pieces.length - 1);
  }

  /**
   * Static forwarding along `route` (§6.3): to the node the request is addressed to when it is on
   * that route, otherwise to the route's session default node (or entry).
   */
  forward(route: RouteRuntime, message: RequestMessage, reply: Reply): void {
    const mapping = this.level.mapping;
    message.node = this.#nodeOnRoute(route, message.node);
    if (mapping.routeCount > 1 && carriesNodeIds('request', message.apiKey, message.apiVersion)) {
      const mismatch = this.#translateRequest(route, message);
      if (mismatch !== undefined) {
        if (!reply.expectsResponse) return;
        let body: object;
        try {
          body = errorResponseFor(
            message.apiKey,
            message.apiVersion,
            message.body(),
            ErrorCode.INVALID_REQUEST,
            `broker id ${mismatch.value} does not belong to route '${route.name}'`,
          );
        } catch (error) {
          reply.fail('internal_error', `cannot build the error response: ${messageOf(error)}`);
          return;
        }
        reply.respond(Response.fromBody(message.apiKey, message.apiVersion, body));
        return;
      }
    }
    this.level.options.metrics?.request(route.name, message.apiKey, 'static');
    if (message.apiKey === API_VERSIONS && this.#router !== undefined) reply = this.#acrossRoutes(route, reply);
    this.#routeSession(route).dispatch(message, this.#boundary(route, message, reply));
  }

  /**
   * API_VERSIONS served by `route` while other keys go statically to other routes: those keys get
   * their own route's ranges (§6.12: the versions of the route a request reaches).
   */
  #acrossRoutes(route: RouteRuntime, reply: Reply): Reply {
    this.#keysElsewhere ??= new Map();
    let others = this.#keysElsewhere.get(route);
    if (others === undefined) {
      const byRoute = new Map<number, number[]>();
      this.#static.forEach((to, apiKey) => {
        if (to !== undefined && to !== route) {
          const keys = byRoute.get(to.id);
          if (keys === undefined) byRoute.set(to.id, [apiKey]);
          else keys.push(apiKey);
        }
      });
      others = byRoute.size === 0 ? null : byRoute;
      this.#keysElsewhere.set(route, others);
    }
    if (others === null) return reply;
    const level = this.level;
    const versions: RouteVersions = {
      known: (routeId) => level.apiVersionsByRoute[routeId],
      remember: (routeId, ranges) => {
        level.apiVersionsByRoute[routeId] = ranges;
      },
      ask: (routeId, header, body) => {
        const to = level.routeById(routeId);
        const node =
          to.cluster === undefined
            ? level.nodes.entry(to.name)
            : level.nodes.bootstrap(to.name, this.defaultBootstrap(to));
        return this.send(node, header, body);
      },
    };
    return new ApiVersionsAcrossRoutes(reply, route.id, others, versions, this.logger);
  }

  /**
   * A request may stream along a static route: every key of a VC targeting a cluster, and a key a
   * router routes statically when nothing would hold it back (no request waiting for dispatch), so
   * that it is dispatched at once. A key the router looks at as a frame (onRequestFrame) streams
   * into this level, which keeps its pieces until the last and then offers them (no copy either way).
   */
  streams(message: RequestMessage, node: NodeRef): boolean {
    const route = this.#allStatic ?? this.#streamingRoute(message, node);
    if (route === undefined) return false;
    if (this.level.mapping.routeCount > 1 && carriesNodeIds('request', message.apiKey, message.apiVersion))
      return false;
    return this.#routeSession(route).streams?.(message, this.#nodeOnRoute(route, node)) === true;
  }

  #streamingRoute(message: RequestMessage, node: NodeRef): RouteRuntime | undefined {
    if (this.#broken || this.#queue.length > 0) return undefined;
    if (this.#frameKeys[message.apiKey] !== true) return this.#static[message.apiKey];
    // A frame key streams in: its pieces are gathered, uncopied, for onRequestFrame() (dispatch()).
    if (typeof node !== 'number' || node < 0 || this.#gathering !== undefined) return undefined;
    const head = message.originalFrame;
    if (head === undefined || requestBodyOffset(head) < 0) return undefined;
    return this.level.routeById(this.level.mapping.routeIdOf(node));
  }

  /** The node a request addressed to `node` at this level goes to on `route`. */
  #nodeOnRoute(route: RouteRuntime, node: NodeRef): NodeRef {
    const mapping = this.level.mapping;
    if (typeof node === 'number' && node >= 0 && mapping.routeIdOf(node) === route.id) return mapping.targetIdOf(node);
    if (route.cluster === undefined) return undefined;
    this.defaultBootstrap(route);
    // One reference per route and session, not one per request.
    return this.#bootstrapPicks[route.id]!.ref;
  }

  /**
   * Sends a request of this level's router (or of the topology service) to `node` (§6.4).
   * Validation of the node and body happens in the caller.
   */
  send(node: LevelNode, header: RequestHeader, body: ApiMessage): Promise<ApiMessage | undefined> {
    const level = this.level;
    let route: RouteRuntime;
    let ref: NodeRef;
    if (node.kind === 'broker') {
      route = level.routeById(level.mapping.routeIdOf(node.id));
      ref = level.mapping.targetIdOf(node.id);
    } else {
      route = level.routesByName.get(node.route)!;
      ref = node.kind === 'bootstrap' ? { bootstrapIndex: node.index } : undefined;
    }
    const message = RequestMessage.fromBody(header, body, { outOfBand: true, node: ref });
    if (level.mapping.routeCount > 1 && carriesNodeIds('request', message.apiKey, message.apiVersion)) {
      const mismatch = this.#translateRequest(route, message);
      if (mismatch !== undefined) {
        return Promise.reject(
          new BrokerIdRouteMismatchError(mismatch.field, mismatch.value, route.name, mismatch.route),
        );
      }
    }
    return new Promise((resolve, reject) => {
      const reply = new PromiseReply(this, route, message.expectsResponse, resolve, reject);
      this.routing.pending.add(reply);
      level.options.metrics?.request(route.name, message.apiKey, 'dynamic');
      this.#routeSession(route).dispatch(message, this.#boundary(route, message, reply));
      if (!message.expectsResponse) reply.respond(undefined);
    });
  }

  /** Translates the request's broker ids into the route's space; returns the first that is on another route. */
  #translateRequest(
    route: RouteRuntime,
    message: RequestMessage,
  ): { field: string; value: number; route: string } | undefined {
    const mapping = this.level.mapping;
    let mismatch: { field: string; value: number; route: string } | undefined;
    const body = message.body();
    rewriteNodeIds(nodeIdFields('request', message.apiKey, message.apiVersion), body, (v, field) => {
      const routeId = mapping.routeIdOf(v);
      if (routeId !== route.id) {
        mismatch ??= { field, value: v, route: this.level.routeById(routeId).name };
        return undefined;
      }
      return mapping.targetIdOf(v);
    });
    if (mismatch === undefined) message.bodyChanged();
    return mismatch;
  }

  /** The reply a response crosses on its way from `route` back into this level, when it must be looked at. */
  #boundary(route: RouteRuntime, message: RequestMessage, reply: Reply): Reply {
    if (!reply.expectsResponse && !message.expectsResponse) return reply;
    const level = this.level;
    const translate = level.mapping.routeCount > 1 && carriesNodeIds('response', message.apiKey, message.apiVersion);
    const cache = level.topology !== undefined && (message.apiKey === METADATA || message.apiKey === FIND_COORDINATOR);
    const metrics = level.options.metrics;
    if (!translate && !cache && metrics === undefined) return reply;
    const request = cache && message.apiKey === FIND_COORDINATOR ? message.body() : undefined;
    return new BoundaryReply(this, route, message.apiKey, message.apiVersion, reply, translate, cache, request);
  }

  #routeSession(route: RouteRuntime): SessionStage {
    let stage = this.#routeSessions[route.id];
    if (stage === undefined) {
      stage = route.stage.open(this.routing.session);
      this.#routeSessions[route.id] = stage;
    }
    return stage;
  }

  #callRouter(message: RequestMessage, reply: Reply): void {
    let body: ApiMessage;
    let header: RequestHeader;
    try {
      body = message.body();
      header = message.header();
    } catch (error) {
      reply.fail(
        'malformed_frame',
        `cannot decode the request for router '${this.level.routerPath}': ${messageOf(error)}`,
      );
      return;
    }
    this.#outstanding++;
    const call = new RouterCall(this, message);
    let result: unknown;
    try {
      result = this.#router!.onRequest(message.apiKey as never, message.apiVersion, header, body, call.context);
    } catch (error) {
      this.#settle(call, message, reply, undefined, error ?? new Error('onRequest() threw'));
      return;
    }
    if (
      result instanceof Promise ||
      (typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function')
    ) {
      (result as PromiseLike<unknown>).then(
        (value) => this.#settle(call, message, reply, value, undefined),
        (error: unknown) => this.#settle(call, message, reply, undefined, error ?? new Error('onRequest() rejected')),
      );
    } else {
      this.#settle(call, message, reply, result, undefined);
    }
  }

  #settle(call: RouterCall, message: RequestMessage, reply: Reply, result: unknown, error: unknown): void {
    this.#outstanding--;
    call.settle();
    if (this.routing.closed) return;
    try {
      this.#deliver(call, message, reply, result, error);
    } finally {
      this.#pump();
    }
  }

  #deliver(call: RouterCall, message: RequestMessage, reply: Reply, result: unknown, error: unknown): void {
    const path = this.level.routerPath;
    if (error !== undefined) {
      this.routerFailed(reply, `router '${path}' failed in onRequest(): ${messageOf(error)}`, error, message.apiKey);
      return;
    }
    if (!(result instanceof RouterResponseImpl) || result.call !== call) {
      this.routerFailed(
        reply,
        `router '${path}' returned something that is not a response built by this call's context`,
        undefined,
        message.apiKey,
      );
      return;
    }
    if (result.forwardTo !== undefined) {
      // Every later request of the session takes this route too, as a static key would.
      this.#sessionRoute = result.forwardTo;
      this.#sessionRouteSubject = this.routing.session.subject;
      this.forward(result.forwardTo, message, reply);
      return;
    }
    // A request a plugin sent (an outer router, a filter) is answered to that plugin, not to the client.
    const toOuterRouter = message.outOfBand;
    if (result.body === undefined) {
      if (reply.expectsResponse && !toOuterRouter) {
        this.routerFailed(
          reply,
          `router '${path}' answered with respondWithoutReply() a request that expects a response`,
          undefined,
          message.apiKey,
        );
        return;
      }
      reply.respond(undefined, result.close ? 'router_closed' : undefined);
      return;
    }
    const response = Response.fromBody(
      message.apiKey,
      message.apiVersion,
      result.body,
      result.header?.unknownTaggedFields,
    );
    try {
      // Encoding now proves the body is a response of this API at the client's version; the
      // encoding is kept for the way out unless a filter changes the body.
      response.frameFor(message.correlationId);
    } catch (failure) {
      this.routerFailed(
        reply,
        `router '${path}' produced a response that cannot be encoded as api key ${message.apiKey} v${message.apiVersion}: ${messageOf(failure)}`,
        failure,
        message.apiKey,
      );
      return;
    }
    if (!reply.expectsResponse && !toOuterRouter) {
      this.logger.warn('router responded to a request that expects no response (acks=0); the response is discarded', {
        router: path,
        apiKey: message.apiKey,
      });
      if (result.close) reply.respond(undefined, 'router_closed');
      return;
    }
    if (result.close && toOuterRouter) this.level.options.metrics?.error('router_failed');
    reply.respond(response, result.close ? 'router_closed' : undefined);
  }

  /** A router failure on the path of one request (§6.9): logged once, counted, and the request failed. */
  routerFailed(reply: Reply, message: string, error: unknown, apiKey?: number): void {
    this.level.options.metrics?.error('router_failed');
    this.logger.warn(message, { router: this.level.routerPath, apiKey });
    if (error instanceof Error && this.logger.isLevelEnabled('debug'))
      this.logger.debug('router failure stack', { stack: error.stack });
    reply.fail('router_failed', message, error instanceof Error ? error : new Error(message));
  }

  #brokenBy(error: 'router_failed' | 'unknown_route', message: string, cause?: unknown): void {
    this.#broken = true;
    this.level.options.metrics?.error(error);
    this.logger.warn(message, { router: this.level.routerPath });
    if (cause instanceof Error && this.logger.isLevelEnabled('debug'))
      this.logger.debug('router failure stack', { stack: cause.stack });
    this.routing.session.failAfter(error, `${message}; closing the connection`);
  }
}

/** A response crossing the router–route boundary into the level: node ids, topology cache, metrics. */
class BoundaryReply implements Reply {
  readonly expectsResponse: boolean;
  readonly #level: LevelSession;
  readonly #route: RouteRuntime;
  readonly #apiKey: number;
  readonly #apiVersion: number;
  readonly #reply: Reply;
  readonly #translate: boolean;
  readonly #cache: boolean;
  readonly #request: ApiMessage | undefined;
  readonly #started = performance.now();

  constructor(
    level: LevelSession,
    route: RouteRuntime,
    apiKey: number,
    apiVersion: number,
    reply: Reply,
    translate: boolean,
    cache: boolean,
    request: ApiMessage | undefined,
  ) {
    this.expectsResponse = reply.expectsResponse;
    this.#level = level;
    this.#route = route;
    this.#apiKey = apiKey;
    this.#apiVersion = apiVersion;
    this.#reply = reply;
    this.#translate = translate;
    this.#cache = cache;
    this.#request = request;
  }

  respond(response: ResponseMessage | undefined, closeWith?: SessionCloseCause): void {
    const level = this.#level.level;
    const route = this.#route;
    if (response !== undefined) {
      try {
        if (this.#translate && responseMayHoldNodeIds(response)) {
          const mapping = level.mapping;
          let overflow: number | undefined;
          const body = response.body();
          const ok = rewriteNodeIds(nodeIdFields('response', response.apiKey, response.apiVersion), body, (t) => {
            const v = mapping.toVirtual(route.id, t);
            if (v === undefined) overflow ??= t;
            return v;
          });
          if (!ok) {
            const error = new NodeIdOverflowError(route.name, overflow!, mapping.routeCount);
            level.options.metrics?.error('node_forward_failed');
            this.#level.logger.warn(error.message, { router: level.routerPath, route: route.name });
            this.#reply.fail('upstream_failed', error.message, error);
            return;
          }
          response.bodyChanged();
        }
        if (this.#cache)
          level.topology?.update(route.name, response.apiKey, response.apiVersion, this.#request, response.body());
      } catch (error) {
        this.#reply.fail(
          'internal_error',
          `cannot translate the response of route '${route.name}': ${messageOf(error)}`,
        );
        return;
      }
      level.options.metrics?.duration(route.name, this.#apiKey, (performance.now() - this.#started) / 1000);
    }
    this.#reply.respond(response, closeWith);
  }

  /**
   * An upstream response the leaf passes as bytes (it names no broker address): passed on as bytes
   * when nothing here changes it, without a ResponseMessage; otherwise handled as a response.
   */
  respondFrame(frame: Buffer): void {
    const reply = this.#reply;
    const apiKey = this.#apiKey;
    const apiVersion = this.#apiVersion;
    if (
      reply.respondFrame === undefined ||
      this.#cache ||
      (this.#translate && frameMayHoldNodeIds(apiKey, apiVersion, frame))
    ) {
      this.respond(Response.fromFrame(apiKey, apiVersion, frame));
      return;
    }
    this.#level.level.options.metrics?.duration(this.#route.name, apiKey, (performance.now() - this.#started) / 1000);
    reply.respondFrame(frame);
  }

  /**
   * A large response as the pieces it arrived in: passed on uncopied when nothing here changes it
   * (no broker id to translate, by the same skim, and nothing to cache); otherwise joined.
   */
  respondPieces(pieces: readonly Buffer[], frameLength: number): void {
    const reply = this.#reply;
    const apiKey = this.#apiKey;
    const apiVersion = this.#apiVersion;
    if (
      reply.respondPieces === undefined ||
      this.#cache ||
      (this.#translate && piecesMayHoldNodeIds(apiKey, apiVersion, pieces))
    ) {
      this.respond(Response.fromFrame(apiKey, apiVersion, Buffer.concat(pieces, frameLength)));
      return;
    }
    const route = this.#route;
    this.#level.level.options.metrics?.duration(route.name, apiKey, (performance.now() - this.#started) / 1000);
    reply.respondPieces(pieces, frameLength);
  }

  fail(cause: SessionCloseCause, message: string, error?: Error): void {
    // Requests torn down because the client left are not forwarding failures (§6.9).
    if (cause === 'upstream_failed' && !this.#level.routing.closed)
      this.#level.level.options.metrics?.error('node_forward_failed');
    this.#reply.fail(cause, message, error);
  }
}

/** The reply of a request a router sent: it settles the router's sendRequest() promise (§6.4, §6.6). */
export class PromiseReply implements Reply {
  readonly expectsResponse: boolean;
  readonly #level: LevelSession;
  readonly #route: RouteRuntime;
  readonly #resolve: (body: ApiMessage | undefined) => void;
  readonly #reject: (error: Error) => void;
  #settled = false;

  constructor(
    level: LevelSession,
    route: RouteRuntime,
    expectsResponse: boolean,
    resolve: (body: ApiMessage | undefined) => void,
    reject: (error: Error) => void,
  ) {
    this.expectsResponse = expectsResponse;
    this.#level = level;
    this.#route = route;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  respond(response: ResponseMessage | undefined, closeWith?: SessionCloseCause): void {
    if (closeWith === 'router_closed') {
      this.#fail(new NestedRouterCloseError(this.#route.nestedPath ?? this.#route.name));
      return;
    }
    if (!this.#begin()) return;
    if (response === undefined) {
      this.#resolve(undefined);
      return;
    }
    try {
      this.#resolve(response.body());
    } catch (error) {
      this.#reject(error as Error);
    }
  }

  fail(cause: SessionCloseCause, message: string, error?: Error): void {
    if (cause === 'router_failed' && this.#route.nestedPath !== undefined) {
      this.#fail(new NestedRouterError(this.#route.nestedPath, error ?? new Error(message)));
    } else if (
      error instanceof UpstreamAddressUnknownError ||
      error instanceof NodeIdOverflowError ||
      error instanceof NestedRouterError
    ) {
      this.#fail(error);
    } else if (cause === 'upstream_failed') {
      this.#fail(new UpstreamConnectionError(message, { cause: error }));
    } else {
      this.#fail(error ?? new Error(message));
    }
  }

  /** The session closed while the send was pending. */
  sessionClosed(): void {
    this.#fail(new SessionClosedError(this.#level.routing.session.id));
  }

  #fail(error: Error): void {
    if (this.#begin()) this.#reject(error);
  }

  #begin(): boolean {
    if (this.#settled) return false;
    this.#settled = true;
    this.#level.routing.pending.delete(this);
    return true;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const NO_BYTES = Buffer.alloc(0);
const NO_PIECES: readonly Buffer[] = [];

/**
 * The pieces of one large request for onRequestFrame(), kept as the views they arrived in (never
 * copied together) until the last one: the request's rest sink while it arrives.
 */
class FrameGathering implements FrameRestSink {
  readonly session: LevelSession;
  readonly message: RequestMessage;
  readonly reply: Reply;
  readonly pieces: Buffer[];

  constructor(session: LevelSession, message: RequestMessage, reply: Reply) {
    this.session = session;
    this.message = message;
    this.reply = reply;
    this.pieces = [message.originalFrame!];
  }

  writeRest(slice: Buffer, last: boolean): void {
    this.pieces.push(slice);
    if (last) this.session.gathered(this);
  }
}
