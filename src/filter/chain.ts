// The filter chain executor: a stage of the data path that runs a chain of filters (a virtual
// cluster's, or a route's) on each session's requests and responses.
//
// - Bytes stay bytes: a frame is decoded only when a filter of the chain declared interest in its
//   api key and version for that direction, and re-encoded only when a filter forwarded it modified
//   (and then only where it leaves the proxy: a change reaches a router still decoded).
// - Order: requests pass the chain one at a time in the client's order, and the responses that
//   filters must see pass it in the same order, so async filters never reorder anything.
// - Failure stays in the session: a hook that throws, rejects, returns something that is not a
//   result, or does not settle within the time limit closes that client connection only.

import type { Logger } from '../observability/logger.ts';
import { withFields } from '../observability/logger.ts';
import { KafkaError } from '../pipeline/kafka-error.ts';
import type { Reply, SessionCloseCause } from '../pipeline/reply.ts';
import { type NodeRef, RequestMessage } from '../pipeline/request-message.ts';
import { ResponseMessage } from '../pipeline/response-message.ts';
import { SessionClosedError } from '../pipeline/session-closed-error.ts';
import type { SessionHandle, SessionStage, Stage } from '../pipeline/stage.ts';
import type { SetupChannel, UpstreamSetup } from '../pipeline/upstream-setup.ts';
import type { ApiKey } from '../protocol/generated/api-keys.ts';
import { ErrorCode } from '../protocol/generated/error-codes.ts';
import type { MetadataRequest } from '../protocol/generated/messages/metadata-request.ts';
import type { MetadataResponse } from '../protocol/generated/messages/metadata-response.ts';
import { OWN_METADATA_VERSION } from '../protocol/own-versions.ts';
import type { Uuid } from '../protocol/wire/uuid.ts';
import type {
  ApiMessage,
  ClientTlsDetails,
  Filter,
  FilterContext,
  FilterFactory,
  FilterInterest,
  FilterMetrics,
  RequestHeader,
  ResponseHeader,
  UpstreamConnectionContext,
} from './api.ts';
import { errorResponseFor } from './error-response.ts';
import { REQUEST_HOOKS, RESPONSE_HOOKS } from './generated/hooks.ts';
import { type Decision, decisionOf } from './results.ts';

const METADATA = 3;

/** One position of the chain: an initialized filter definition. */
export interface ChainMember {
  readonly name: string;
  readonly factory: FilterFactory;
  readonly initData: unknown;
  readonly metrics: FilterMetrics;
}

export interface FilterChainOptions {
  readonly virtualCluster: string;
  readonly members: readonly ChainMember[];
  /** What follows the chain: the route graph (VC chain) or the route's target (route chain). */
  readonly next: Stage;
  /**
   * A VC's chain sets the client's identity (saslAuthenticated); a route's chain may prepare the
   * route's upstream connections (onUpstreamConnection) and never touches the identity.
   */
  readonly scope: 'virtualCluster' | 'route';
  /** How long a hook's promise may stay pending before the connection is closed. */
  readonly timeoutMs: number;
  /** Counts `switchyard_filter_errors_total`. */
  readonly onError: (filter: string, error: 'filter_failed' | 'close_failed') => void;
}

/** A filter chain: the VC's, in front of the route graph, or a route's, in front of its target. Only built for a non-empty chain. */
export class FilterChain implements Stage {
  readonly #options: FilterChainOptions;
  /** close() calls of filter instances that have not settled yet. */
  readonly #closing = new Set<Promise<void>>();

  constructor(options: FilterChainOptions) {
    this.#options = options;
  }

  /** Resolves once the close() of every filter instance closed so far has settled. */
  async instancesClosed(): Promise<void> {
    while (this.#closing.size > 0) await Promise.allSettled([...this.#closing]);
  }

  open(session: SessionHandle, upstream?: UpstreamSetup): SessionStage {
    return new SessionChain(session, this.#options, this.#closing, upstream);
  }
}

type RequestHook = (header: RequestHeader, body: ApiMessage, context: FilterContext) => unknown;
type ResponseHook = (header: ResponseHeader, body: ApiMessage, context: FilterContext) => unknown;
interface Hook<F> {
  readonly name: string;
  readonly call: F;
}

/** One filter instance of one session, with its interests resolved once. */
class Position {
  readonly name: string;
  readonly filter: Filter;
  readonly context: FilterContext;
  /**
   * The node of the request whose hook (or whose response's hook) is running: where the filter's
   * own requests go meanwhile (routing.md §6.10); undefined outside hooks (the default node).
   */
  processing: NodeRef = undefined;
  /** Versions of interest by api key; undefined means every API. */
  #interests: Map<number, { min: number; max: number }> | undefined;
  /** Hooks bound per api key on first use (null: the filter has none for that key). */
  readonly #requestHooks: (Hook<RequestHook> | null)[] = [];
  readonly #responseHooks: (Hook<ResponseHook> | null)[] = [];

  constructor(name: string, filter: Filter, context: FilterContext) {
    this.name = name;
    this.filter = filter;
    this.context = context;
    this.#interests = resolveInterests(filter);
  }

  /** The filter changed its `interests` (FilterContext.interestsChanged): read them again. */
  reloadInterests(): void {
    this.#interests = resolveInterests(this.filter);
  }

  #interested(apiKey: number, version: number): boolean {
    if (this.#interests === undefined) return true;
    const range = this.#interests.get(apiKey);
    return range !== undefined && version >= range.min && version <= range.max;
  }

  requestHook(apiKey: number, version: number): Hook<RequestHook> | undefined {
    if (!this.#interested(apiKey, version)) return undefined;
    let hook = this.#requestHooks[apiKey];
    if (hook === undefined) {
      hook = this.#bindRequestHook(apiKey) ?? null;
      this.#requestHooks[apiKey] = hook;
    }
    return hook ?? undefined;
  }

  responseHook(apiKey: number, version: number): Hook<ResponseHook> | undefined {
    if (!this.#interested(apiKey, version)) return undefined;
    let hook = this.#responseHooks[apiKey];
    if (hook === undefined) {
      hook = this.#bindResponseHook(apiKey, version) ?? null;
      // Generic response hooks take the version as an argument: cache only typed ones.
      if (hook === null || hook.name !== 'onResponse') this.#responseHooks[apiKey] = hook;
    }
    return hook ?? undefined;
  }

  #bindRequestHook(apiKey: number): Hook<RequestHook> | undefined {
    const filter = this.filter as unknown as Record<string, unknown>;
    const typed = REQUEST_HOOKS[apiKey];
    const method = typed === undefined ? undefined : filter[typed];
    if (typeof method === 'function') {
      return { name: typed!, call: (h, b, c) => method.call(this.filter, h, b, c) };
    }
    const generic = this.filter.onRequest;
    if (generic === undefined) return undefined;
    return { name: 'onRequest', call: (h, b, c) => generic.call(this.filter, apiKey as ApiKey, h, b, c) };
  }

  #bindResponseHook(apiKey: number, version: number): Hook<ResponseHook> | undefined {
    const filter = this.filter as unknown as Record<string, unknown>;
    const typed = RESPONSE_HOOKS[apiKey];
    const method = typed === undefined ? undefined : filter[typed];
    if (typeof method === 'function') {
      return { name: typed!, call: (h, b, c) => method.call(this.filter, h, b, c) };
    }
    const generic = this.filter.onResponse;
    if (generic === undefined) return undefined;
    return {
      name: 'onResponse',
      call: (h, b, c) => generic.call(this.filter, apiKey as ApiKey, version, h, b, c),
    };
  }
}

/** Declared interests, or those implied by the typed hooks a filter implements (undefined = every API). */
function resolveInterests(filter: Filter): Map<number, { min: number; max: number }> | undefined {
  const out = new Map<number, { min: number; max: number }>();
  const declared: readonly FilterInterest[] | undefined = filter.interests;
  if (declared !== undefined) {
    for (const interest of declared) {
      if (typeof interest === 'number') out.set(interest, { min: 0, max: Number.MAX_SAFE_INTEGER });
      else {
        out.set(interest.apiKey, {
          min: interest.minVersion ?? 0,
          max: interest.maxVersion ?? Number.MAX_SAFE_INTEGER,
        });
      }
    }
    return out;
  }
  const members = filter as unknown as Record<string, unknown>;
  for (const table of [REQUEST_HOOKS, RESPONSE_HOOKS]) {
    table.forEach((name, apiKey) => {
      if (name !== undefined && typeof members[name] === 'function') {
        out.set(apiKey, { min: 0, max: Number.MAX_SAFE_INTEGER });
      }
    });
  }
  if (out.size === 0 && (filter.onRequest !== undefined || filter.onResponse !== undefined)) return undefined;
  return out;
}

/**
 * One request on its way through the chain: a client request, or a filter's own (out-of-band)
 * request. `reply` is where its answer goes once the filters that must see it have.
 */
interface Flow {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly expectsResponse: boolean;
  /** The request: as read, or (out of band) as the filter built it. */
  readonly message: RequestMessage;
  /** The node the request is addressed to at this chain (later stages re-address the message). */
  readonly node: NodeRef;
  readonly reply: Reply;
  /** The first position the flow passes: 0 for client requests, the sender's successor for its own. */
  readonly from: number;
  /** Client flows keep the client's order for responses; out-of-band ones answer their caller directly. */
  readonly ordered: boolean;
  close: string | undefined;
  /** A close asked for by a later stage (a router's withCloseConnection()), carried to the client. */
  closeWith?: SessionCloseCause;
}

/**
 * A response on its way back: it passes the response hooks of the positions below `upper`. A
 * client flow's entry is queued when its request leaves the chain, so responses pass the filters
 * in request order whatever order they arrive in.
 */
interface PendingResponse {
  readonly flow: Flow;
  readonly upper: number;
  response: ResponseMessage | undefined;
  state: 'waiting' | 'ready' | 'failed';
}

/** The chain of one session: its filter instances, its request queue and its response queue. */
class SessionChain implements SessionStage {
  readonly #session: SessionHandle;
  readonly #options: FilterChainOptions;
  readonly #next: SessionStage;
  readonly #logger: Logger;
  /** Undefined when creating the filters failed: the session is closing. */
  readonly #positions: Position[] | undefined;
  readonly #requests: { message: RequestMessage; reply: Reply }[] = [];
  #requestsBusy = false;
  readonly #responses: PendingResponse[] = [];
  #responsesBusy = false;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #outOfBand = new Set<(error: Error) => void>();
  #closed = false;
  /**
   * Topic names already resolved for this session. A topic id never names another topic (a
   * recreated topic gets a new id), so entries stay true; unknown ids are asked again.
   */
  readonly #knownTopicNames = new Map<Uuid, string>();
  readonly #closing: Set<Promise<void>>;

  constructor(
    session: SessionHandle,
    options: FilterChainOptions,
    closing: Set<Promise<void>>,
    upstream: UpstreamSetup | undefined,
  ) {
    this.#session = session;
    this.#options = options;
    this.#closing = closing;
    this.#logger = session.logger;
    const clientTls = session.clientTls;
    const tls: ClientTlsDetails | undefined =
      clientTls === undefined
        ? undefined
        : Object.freeze({
            serverName: clientTls.serverName,
            // Node reports "no certificate" as an empty object.
            peerCertificate:
              clientTls.peerCertificate !== undefined && Object.keys(clientTls.peerCertificate).length > 0
                ? clientTls.peerCertificate
                : undefined,
          });
    const positions: Position[] = [];
    for (const [index, member] of options.members.entries()) {
      const context = this.#context(member, index, tls);
      try {
        const filter = member.factory.createFilter(context, member.initData);
        positions.push(new Position(member.name, filter, context));
      } catch (error) {
        this.#failed(member.name, `createFilter() of filter '${member.name}' failed: ${messageOf(error)}`);
        this.#positions = undefined;
        this.#closeFilters(positions);
        this.#next = options.next.open(session, upstream);
        return;
      }
    }
    this.#positions = positions;
    // Opened after the filters exist: the next stage may open upstream connections they prepare.
    this.#next = options.next.open(session, this.#upstreamSetup(positions, upstream));
  }

  /**
   * The setup of the route's new upstream connections: the onUpstreamConnection hooks of this
   * chain's filters, in chain order, after any asked for above. Undefined when there are none.
   */
  #upstreamSetup(positions: readonly Position[], above: UpstreamSetup | undefined): UpstreamSetup | undefined {
    if (this.#options.scope !== 'route') return above;
    const hooks = positions.filter((position) => position.filter.onUpstreamConnection !== undefined);
    if (hooks.length === 0) return above;
    return {
      run: async (channel: SetupChannel, renewal: boolean): Promise<number | undefined> => {
        let next = above === undefined ? undefined : await above.run(channel, renewal);
        for (const position of hooks) {
          const connection = upstreamConnectionContext(channel, renewal);
          let after: number | undefined;
          try {
            after = await position.filter.onUpstreamConnection!(connection, position.context);
          } catch (error) {
            this.#options.onError(position.name, 'filter_failed');
            throw new Error(`filter '${position.name}' could not prepare the connection: ${messageOf(error)}`);
          }
          if (after !== undefined && (next === undefined || after < next)) next = after;
        }
        return next;
      },
    };
  }

  dispatch(message: RequestMessage, reply: Reply): void {
    const positions = this.#positions;
    if (positions === undefined) {
      reply.fail('filter_failed', 'the filters of this session could not be created; closing the connection');
      return;
    }
    if (this.#requests.length === 0 && !this.#requestsBusy && !this.#concerns(message, positions)) {
      this.#next.dispatch(message, reply);
      return;
    }
    this.#requests.push({ message, reply });
    if (!this.#requestsBusy) void this.#pumpRequests();
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const error = new SessionClosedError(this.#session.id);
    for (const reject of this.#outOfBand) reject(error);
    this.#outOfBand.clear();
    this.#requests.length = 0;
    this.#responses.length = 0;
    if (this.#positions !== undefined) this.#closeFilters(this.#positions);
    this.#next.close();
  }

  /** Whether any filter must see this request or its response. */
  #concerns(request: RequestMessage, positions: readonly Position[]): boolean {
    for (const position of positions) {
      if (position.requestHook(request.apiKey, request.apiVersion) !== undefined) return true;
      if (position.responseHook(request.apiKey, request.apiVersion) !== undefined) return true;
    }
    return false;
  }

  async #pumpRequests(): Promise<void> {
    this.#requestsBusy = true;
    while (this.#requests.length > 0 && !this.#closed) {
      const { message, reply } = this.#requests.shift()!;
      const flow: Flow = {
        apiKey: message.apiKey,
        apiVersion: message.apiVersion,
        correlationId: message.correlationId,
        expectsResponse: message.expectsResponse,
        message,
        node: message.node,
        reply,
        from: 0,
        ordered: true,
        close: undefined,
      };
      await this.#runRequest(flow);
    }
    this.#requestsBusy = false;
  }

  /** Passes `flow` through the request hooks of its positions, then on to the route. */
  async #runRequest(flow: Flow): Promise<void> {
    const positions = this.#positions!;
    const message = flow.message;
    for (let index = flow.from; index < positions.length; index++) {
      const position = positions[index]!;
      const hook = position.requestHook(flow.apiKey, flow.apiVersion);
      if (hook === undefined) continue;
      if (!this.#decodeRequest(flow, position)) return;
      position.processing = flow.node;
      const outcome = await this.#call(position, hook.name, flow.reply, () =>
        hook.call(message.header(), message.body(), position.context),
      );
      if (position.processing === flow.node) position.processing = undefined;
      if (outcome === undefined) return;
      if (outcome.close) flow.close ??= position.name;
      const decision = outcome.decision;
      switch (decision.kind) {
        case 'forward':
          continue;
        case 'forwardModified':
          message.bodyChanged(decision.message);
          continue;
        case 'drop':
          this.#dropped(flow, position, 'request');
          return;
        case 'respond':
        case 'error': {
          const response = this.#shortCircuit(flow, position, decision);
          if (response === undefined) return;
          this.#deliver(
            this.#expectResponse(flow, index),
            ResponseMessage.fromBody(flow.apiKey, flow.apiVersion, response),
          );
          return;
        }
      }
    }
    const upper = positions.length;
    const needsResponse = this.#responseConcerns(flow, upper);
    if (!flow.expectsResponse) {
      this.#next.dispatch(message, flow.reply);
      if (flow.close !== undefined) this.#closeAsked(flow);
      return;
    }
    const reply: Reply =
      needsResponse || flow.close !== undefined || !flow.ordered ? this.#responseReply(flow, upper) : flow.reply;
    this.#next.dispatch(message, reply);
  }

  /** Decodes the request body (and header) the first time a filter needs it. */
  #decodeRequest(flow: Flow, position: Position): boolean {
    try {
      flow.message.body();
      return true;
    } catch (error) {
      this.#fail(flow, position, `cannot decode the request for filter '${position.name}': ${messageOf(error)}`);
      return false;
    }
  }

  #responseConcerns(flow: Flow, upper: number): boolean {
    const positions = this.#positions!;
    for (let index = flow.from; index < upper; index++) {
      if (positions[index]!.responseHook(flow.apiKey, flow.apiVersion) !== undefined) return true;
    }
    return false;
  }

  /** The Reply the route answers `flow` through, so that filters below `upper` see the response. */
  #responseReply(flow: Flow, upper: number): Reply {
    const pending = this.#expectResponse(flow, upper);
    return {
      expectsResponse: true,
      respond: (response, closeWith) => {
        if (response === undefined) {
          pending.state = 'failed';
          flow.reply.respond(undefined, closeWith);
          this.#pumpResponses();
          return;
        }
        if (closeWith !== undefined) flow.closeWith ??= closeWith;
        this.#deliver(pending, response);
      },
      fail: (cause, message, error) => {
        pending.state = 'failed';
        flow.reply.fail(cause, message, error);
        this.#pumpResponses();
      },
    };
  }

  /** Takes the place of `flow`'s response in the response order (client flows only). */
  #expectResponse(flow: Flow, upper: number): PendingResponse {
    const pending: PendingResponse = { flow, upper, response: undefined, state: 'waiting' };
    if (flow.ordered) this.#responses.push(pending);
    return pending;
  }

  /**
   * The response of `pending` exists (from upstream, or built by a filter): it passes the response
   * hooks of positions `upper - 1` down to the flow's first, in its turn, then goes to the flow's
   * reply.
   */
  #deliver(pending: PendingResponse, response: ResponseMessage): void {
    if (this.#closed) return;
    pending.response = response;
    pending.state = 'ready';
    if (pending.flow.ordered) this.#pumpResponses();
    else void this.#runResponse(pending);
  }

  #pumpResponses(): void {
    if (!this.#responsesBusy) void this.#runResponses();
  }

  async #runResponses(): Promise<void> {
    this.#responsesBusy = true;
    while (this.#responses.length > 0 && !this.#closed && this.#responses[0]!.state !== 'waiting') {
      const pending = this.#responses.shift()!;
      if (pending.state === 'ready') await this.#runResponse(pending);
    }
    this.#responsesBusy = false;
  }

  async #runResponse(pending: PendingResponse): Promise<void> {
    const { flow } = pending;
    const positions = this.#positions!;
    const response = pending.response!;
    const header: ResponseHeader = { correlationId: flow.correlationId };
    for (let index = pending.upper - 1; index >= flow.from; index--) {
      const position = positions[index]!;
      const hook = position.responseHook(flow.apiKey, flow.apiVersion);
      if (hook === undefined) continue;
      let body: ApiMessage;
      try {
        body = response.body();
      } catch (error) {
        this.#fail(flow, position, `cannot decode the response for filter '${position.name}': ${messageOf(error)}`);
        return;
      }
      position.processing = flow.node;
      const outcome = await this.#call(position, hook.name, flow.reply, () =>
        hook.call(header, body, position.context),
      );
      if (position.processing === flow.node) position.processing = undefined;
      if (outcome === undefined) return;
      if (outcome.close) flow.close ??= position.name;
      const decision = outcome.decision;
      if (decision.kind === 'forward') continue;
      if (decision.kind === 'forwardModified') {
        response.bodyChanged(decision.message);
        continue;
      }
      if (decision.kind === 'drop') {
        this.#dropped(flow, position, 'response');
        return;
      }
      this.#fail(
        flow,
        position,
        `filter '${position.name}' answered a response with ${decision.kind}, which only requests accept`,
      );
      return;
    }
    if (!flow.ordered) {
      this.#settleOutOfBand(flow, response);
      return;
    }
    if (flow.close !== undefined) {
      this.#logger.info('a filter closed the connection', { sessionId: this.#session.id, filter: flow.close });
      flow.reply.respond(response, 'filter_closed');
    } else {
      flow.reply.respond(response, flow.closeWith);
    }
  }

  /** The response body a short-circuiting filter asked for, or undefined after a failure. */
  #shortCircuit(flow: Flow, position: Position, decision: Decision): ApiMessage | undefined {
    if (!flow.expectsResponse) {
      // The client waits for nothing (PRODUCE acks=0): there is no one to answer.
      if (flow.close !== undefined) this.#closeAsked(flow);
      return undefined;
    }
    if (decision.kind === 'respond') return decision.response;
    if (decision.kind !== 'error') return undefined;
    const { error } = decision;
    const code = error instanceof KafkaError ? error.code : error;
    if (code === ErrorCode.NONE) {
      this.#fail(flow, position, `filter '${position.name}' answered with error code NONE`);
      return undefined;
    }
    try {
      return errorResponseFor(
        flow.apiKey,
        flow.apiVersion,
        flow.message.body(),
        code,
        error instanceof KafkaError ? error.message : null,
      );
    } catch (failure) {
      this.#fail(flow, position, `cannot build the error response: ${messageOf(failure)}`);
      return undefined;
    }
  }

  #dropped(flow: Flow, position: Position, direction: 'request' | 'response'): void {
    if (!flow.ordered) {
      this.#settleOutOfBand(flow, undefined);
      return;
    }
    if (flow.close !== undefined) {
      this.#closeAsked(flow);
    } else if (flow.expectsResponse) {
      flow.reply.fail(
        'filter_failed',
        `filter '${position.name}' dropped a ${direction} the client waits for; closing the connection, since later responses would wait behind it`,
      );
    }
  }

  #closeAsked(flow: Flow): void {
    flow.reply.fail('filter_closed', `filter '${flow.close}' closed the connection`);
  }

  /**
   * Calls a hook and reads its result. Returns undefined after a failure (thrown, rejected, not a
   * result, or not settled in time), which has then been reported and the connection failed.
   */
  async #call(
    position: Position,
    hookName: string,
    reply: Reply,
    invoke: () => unknown,
  ): Promise<{ decision: Decision; close: boolean } | undefined> {
    const fail = (message: string): undefined => {
      this.#options.onError(position.name, 'filter_failed');
      this.#failReply(reply, `filter '${position.name}' ${message}; closing the connection`, position);
      return undefined;
    };
    let value: unknown;
    try {
      value = invoke();
      if (value instanceof Promise) value = await this.#withinLimit(value, hookName);
    } catch (error) {
      if (this.#closed) return undefined;
      return error instanceof HookTimeout ? fail(error.message) : fail(`failed in ${hookName}(): ${messageOf(error)}`);
    }
    if (this.#closed) return undefined;
    const outcome = decisionOf(value);
    return outcome ?? fail(`returned from ${hookName}() something that is not a FilterResults value`);
  }

  #withinLimit(promise: Promise<unknown>, hookName: string): Promise<unknown> {
    const ms = this.#options.timeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        reject(new HookTimeout(`did not complete ${hookName}() within ${ms} ms`));
      }, ms);
      this.#timers.add(timer);
      promise.then(
        (value) => {
          clearTimeout(timer);
          this.#timers.delete(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          this.#timers.delete(timer);
          reject(error);
        },
      );
    });
  }

  #fail(flow: Flow, position: Position, message: string): void {
    this.#options.onError(position.name, 'filter_failed');
    this.#failReply(flow.reply, `${message}; closing the connection`, position);
  }

  #failReply(reply: Reply, message: string, position: Position): void {
    this.#logger.warn(message, { sessionId: this.#session.id, filter: position.name });
    reply.fail('filter_failed', message);
  }

  #failed(filter: string, message: string): void {
    this.#options.onError(filter, 'filter_failed');
    this.#session.failAfter('filter_failed', `${message}; closing the connection`);
  }

  #closeFilters(positions: readonly { name: string; filter: Filter }[]): void {
    for (const { name, filter } of positions) {
      if (filter.close === undefined) continue;
      const report = (error: unknown): void => {
        this.#options.onError(name, 'close_failed');
        this.#logger.warn('filter close() failed', {
          sessionId: this.#session.id,
          filter: name,
          error: messageOf(error),
        });
      };
      try {
        const result = filter.close();
        if (result instanceof Promise) {
          const settled = result.then(() => {}, report).finally(() => this.#closing.delete(settled));
          this.#closing.add(settled);
        }
      } catch (error) {
        report(error);
      }
    }
  }

  // ---- Out-of-band requests ----

  #settleOutOfBand(flow: Flow, response: ResponseMessage | undefined): void {
    const reply = flow.reply as OutOfBandReply;
    if (response === undefined) {
      reply.settle(undefined);
      return;
    }
    try {
      reply.settle(response.body());
    } catch (error) {
      reply.fail('filter_failed', `cannot decode the response to a filter's own request: ${messageOf(error)}`);
    }
  }

  #sendRequest(index: number, header: RequestHeader, body: ApiMessage): Promise<ApiMessage | undefined> {
    if (this.#closed) return Promise.reject(new SessionClosedError(this.#session.id));
    return new Promise((resolve, reject) => {
      const node = this.#positions?.[index]?.processing;
      const message = RequestMessage.fromBody(header, body, { outOfBand: true, node });
      const expectsResponse = message.expectsResponse;
      const reply = new OutOfBandReply(expectsResponse, resolve, reject, this.#outOfBand);
      const flow: Flow = {
        apiKey: message.apiKey,
        apiVersion: message.apiVersion,
        correlationId: header.correlationId,
        expectsResponse,
        message,
        node,
        reply,
        from: index + 1,
        ordered: false,
        close: undefined,
      };
      void this.#runRequest(flow).then(() => {
        if (!expectsResponse) reply.settle(undefined);
      });
    });
  }

  async #topicNames(index: number, ids: Iterable<Uuid>): Promise<ReadonlyMap<Uuid, string>> {
    const names = new Map<Uuid, string>();
    const topics: { topicId: Uuid; name: null }[] = [];
    for (const topicId of new Set(ids)) {
      const known = this.#knownTopicNames.get(topicId);
      if (known !== undefined) names.set(topicId, known);
      else topics.push({ topicId, name: null });
    }
    if (topics.length === 0) return names;
    const request: MetadataRequest = {
      topics,
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    };
    const header: RequestHeader = {
      requestApiKey: METADATA as ApiKey,
      requestApiVersion: OWN_METADATA_VERSION,
      correlationId: 0,
      clientId: 'switchyard-filter',
    };
    const response = (await this.#sendRequest(index, header, request)) as MetadataResponse;
    for (const topic of response.topics) {
      if (topic.errorCode !== ErrorCode.NONE || topic.name === null) continue;
      names.set(topic.topicId, topic.name);
      this.#knownTopicNames.set(topic.topicId, topic.name);
    }
    return names;
  }

  #context(member: ChainMember, index: number, tls: ClientTlsDetails | undefined): FilterContext {
    const session = this.#session;
    return {
      sessionId: session.id,
      virtualClusterName: this.#options.virtualCluster,
      filterName: member.name,
      logger: withFields(session.logger, { filter: member.name }),
      metrics: member.metrics,
      clientTls: tls,
      authenticatedSubject: () => session.subject,
      interestsChanged: () => this.#positions?.[index]?.reloadInterests(),
      saslAuthenticated: (mechanism, subject) => {
        if (this.#options.scope === 'route') {
          // routing.md §6.13: identity comes from the VC chain only; a route filter (SaslInitiation)
          // authenticates the proxy to a cluster, never the client.
          throw new Error(
            `saslAuthenticated() may only be called by a filter of a virtual cluster's chain; filter '${member.name}' is on a route, where SASL authenticates the proxy, not the client`,
          );
        }
        session.subject = subject;
        session.markAuthenticated();
        this.#logger.debug('client authenticated by SASL', { sessionId: session.id, filter: member.name, mechanism });
      },
      sendRequest: <T extends ApiMessage>(header: RequestHeader, request: ApiMessage) =>
        this.#sendRequest(index, header, request) as Promise<T | undefined>,
      topicNames: (ids) => this.#topicNames(index, ids),
    };
  }
}

/** A filter's view of one upstream connection being prepared. */
function upstreamConnectionContext(channel: SetupChannel, renewal: boolean): UpstreamConnectionContext {
  return {
    broker: channel.broker,
    renewal,
    sendRequest: async <T extends ApiMessage>(header: RequestHeader, request: ApiMessage): Promise<T> => {
      const response = await channel.request(RequestMessage.fromBody(header, request, { outOfBand: true }));
      return response.body() as T;
    },
  };
}

/** The Reply of a filter's own request: its answer settles the filter's promise, never the client's slot. */
class OutOfBandReply implements Reply {
  readonly expectsResponse: boolean;
  readonly #resolve: (body: ApiMessage | undefined) => void;
  readonly #reject: (error: Error) => void;
  readonly #pending: Set<(error: Error) => void>;

  constructor(
    expectsResponse: boolean,
    resolve: (body: ApiMessage | undefined) => void,
    reject: (error: Error) => void,
    pending: Set<(error: Error) => void>,
  ) {
    this.expectsResponse = expectsResponse;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#pending = pending;
    pending.add(reject);
  }

  settle(body: ApiMessage | undefined): void {
    this.#pending.delete(this.#reject);
    this.#resolve(body);
  }

  respond(): void {
    // Responses of out-of-band requests come back through the chain's response reply, never here.
  }

  fail(_cause: SessionCloseCause, message: string, error?: Error): void {
    this.#pending.delete(this.#reject);
    this.#reject(error ?? new Error(message));
  }
}

class HookTimeout extends Error {}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
