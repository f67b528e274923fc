// Virtual producer ids for a router that spreads one client's PRODUCE requests over several
// clusters (docs/design/2026-12-03-virtual-producer-ids.md). Usable by any router, through a few
// hook points: INIT_PRODUCER_ID without a transactional id, PRODUCE (its frame first, then the
// decoded request when the frame path cannot serve it), and DESCRIBE_PRODUCERS responses.
//
// `VirtualProducerIds` is created once per router level (keep it in the initialization data);
// `session()` gives the per-session part the router keeps in its instance.
import type {
  ApiMessage,
  DescribeProducersResponse,
  InitProducerIdRequest,
  InitProducerIdResponse,
  ProduceRequest,
  RequestHeader,
} from '../../filter/index.ts';
import { KafkaError } from '../../filter/index.ts';
import type { Logger } from '../../observability/logger.ts';
import type { FrameBytes } from '../../protocol/frames/frame-bytes.ts';
import { ApiKey } from '../../protocol/generated/api-keys.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import type { RouterContext, RouterResponse, VirtualNode } from '../../routing/index.ts';
import { ProduceBatches } from './produce-batches.ts';
import { ProducerTable } from './producer-table.ts';

/**
 * How many ids INIT_PRODUCER_ID may ask a route for before one falls in the route's residue class.
 * Clusters hand ids out one after another, so one in every `routeCount` does: with this many tries
 * a miss means the cluster allocates ids some other way.
 */
const TRIES_PER_ROUTE = 8;

/**
 * INIT_PRODUCER_ID errors that pass (a coordinator loading or moving after a broker restart): the
 * router asks again, after `RETRY_BACKOFF_MS` doubling up to 1 s, for at most `RETRY_FOR_MS`.
 */
const TRANSIENT: ReadonlySet<number> = new Set([
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.CONCURRENT_TRANSACTIONS,
  ErrorCode.REQUEST_TIMED_OUT,
]);
const RETRY_BACKOFF_MS = 50;
const RETRY_FOR_MS = 15_000;

export class VirtualProducerIds {
  readonly table: ProducerTable;
  readonly #logger: Logger;

  constructor(routeNames: Iterable<string>, logger: Logger, mappingsPerRoute?: number) {
    this.table = new ProducerTable(routeNames, mappingsPerRoute);
    this.#logger = logger;
  }

  /** The per-session part (one per Router instance). */
  session(): ProducerIdsSession {
    return new ProducerIdsSession(this.table, this.#logger);
  }
}

export class ProducerIdsSession {
  readonly #table: ProducerTable;
  readonly #logger: Logger;
  readonly #batches: ProduceBatches;
  /**
   * Set when a real id could not be obtained: the session then fails every PRODUCE and closes,
   * because answering one request with an error while a later one of the same producer is
   * written would leave a gap in its sequences that no retry can fill.
   */
  #failed = false;

  constructor(table: ProducerTable, logger: Logger) {
    this.#table = table;
    this.#logger = logger;
    this.#batches = new ProduceBatches(table);
  }

  /**
   * For Router.onRequestFrame() of PRODUCE: true when the request may go to its broker on `route`
   * as the (possibly rewritten) frame; false sends it to onRequest(), then to `produce()`.
   */
  offerProduceFrame(apiVersion: number, frame: FrameBytes, route: string): boolean {
    if (this.#failed) return false;
    return this.#batches.offerFrame(apiVersion, frame, this.#table.indexOf(route));
  }

  /**
   * INIT_PRODUCER_ID without a transactional id, sent to `node`: the answer is a real id of the
   * node's route in that route's residue class (asking again when the cluster's next id is not),
   * which the client uses as its virtual id everywhere. Undefined for a transactional id: a
   * transaction stays on its route with its real id, and the router forwards it as usual.
   */
  async initProducerId(
    header: RequestHeader,
    request: InitProducerIdRequest,
    ctx: RouterContext,
    node: VirtualNode,
  ): Promise<InitProducerIdResponse | undefined> {
    if (request.transactionalId !== null) return undefined;
    const table = this.#table;
    const route = ctx.routeOf(node);
    const index = table.indexOf(route);
    table.initVersion = header.requestApiVersion;
    // A client that asks again with its id (KIP-360) gets a new one from the cluster anyway.
    if (request.producerId >= 0n) table.forget(Number(request.producerId));
    const tries = TRIES_PER_ROUTE * table.routes.length;
    let last: InitProducerIdResponse | undefined;
    for (let attempt = 0; attempt < tries; attempt++) {
      last = (await ctx.sendRequest(node, header, { ...request })) as InitProducerIdResponse;
      if (last.errorCode !== ErrorCode.NONE) return last;
      if (table.isHomeOf(Number(last.producerId), index)) return last;
    }
    ctx.logger.warn('no producer id in the route residue class; is the cluster allocating ids in sequence?', {
      route,
      tries,
      lastProducerId: String(last?.producerId),
    });
    return { ...last!, errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, producerId: -1n, producerEpoch: -1 };
  }

  /**
   * PRODUCE on the decoded path (the frame path found a producer with no real id on the route yet,
   * or a filter decoded the request): obtains the missing real ids from the route, rewrites the
   * batches in place and sends the request to `node`. Transient errors of the route are waited
   * out. When a real id cannot be obtained, every partition fails with a retriable error, nothing
   * is written, and the connection closes after the answer: the client then sends this request
   * and every later one again, in order, on a new connection.
   */
  async produce(
    header: RequestHeader,
    request: ProduceRequest,
    ctx: RouterContext,
    node: VirtualNode,
  ): Promise<RouterResponse> {
    const table = this.#table;
    const route = ctx.routeOf(node);
    const index = table.indexOf(route);
    try {
      if (this.#failed) throw new Error('an earlier request of this connection failed');
      for (const virtualId of this.#batches.missingIn(request, index)) {
        await table.acquire(index, virtualId, () => this.#obtain(header, ctx, node, virtualId));
      }
    } catch (error) {
      this.#failed = true;
      const message = `switchyard could not obtain a producer id on route '${route}': ${(error as Error).message}`;
      this.#logger.warn(message, { route });
      if (request.acks === 0) return ctx.respondWithoutReply().withCloseConnection().build();
      const code = error instanceof KafkaError ? error.code : ErrorCode.REQUEST_TIMED_OUT;
      return ctx.respondWithError(header, request, new KafkaError(code, message)).withCloseConnection().build();
    }
    this.#batches.rewriteDecoded(request, index);
    const response = await ctx.sendRequest(node, header, request);
    return response === undefined ? ctx.respondWithoutReply().build() : ctx.respondWith(response).build();
  }

  /** Names producers in a DESCRIBE_PRODUCERS response from `route` by the ids their clients know. */
  describeProducers(response: DescribeProducersResponse, route: string): DescribeProducersResponse {
    const index = this.#table.indexOf(route);
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        for (const producer of partition.activeProducers) {
          const known = this.#table.virtualOf(index, Number(producer.producerId));
          producer.producerId = BigInt(known);
        }
      }
    }
    return response;
  }

  /** A real id of `route` (the route of `node`) for virtual producer `virtualId`. */
  async #obtain(header: RequestHeader, ctx: RouterContext, node: VirtualNode, virtualId: number): Promise<number> {
    const initHeader: RequestHeader = {
      requestApiKey: ApiKey.INIT_PRODUCER_ID,
      requestApiVersion: this.#table.initVersion,
      correlationId: 0,
      clientId: header.clientId,
    };
    const request: InitProducerIdRequest & ApiMessage = {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: -1n,
      producerEpoch: -1,
      enable2Pc: false,
      keepPreparedTxn: false,
    };
    const giveUp = Date.now() + RETRY_FOR_MS;
    let response = (await ctx.sendRequest(node, initHeader, { ...request })) as InitProducerIdResponse;
    for (let backoff = RETRY_BACKOFF_MS; TRANSIENT.has(response.errorCode) && Date.now() < giveUp; ) {
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 1000);
      response = (await ctx.sendRequest(node, initHeader, { ...request })) as InitProducerIdResponse;
    }
    if (response.errorCode !== ErrorCode.NONE) {
      throw new KafkaError(response.errorCode as ErrorCode, `INIT_PRODUCER_ID answered error ${response.errorCode}`);
    }
    this.#logger.debug('producer mapped', {
      route: ctx.routeOf(node),
      virtualProducerId: virtualId,
      producerId: String(response.producerId),
    });
    return Number(response.producerId);
  }
}
