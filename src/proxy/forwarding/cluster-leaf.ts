import type { ClusterDefinition } from '../../config/model.ts';
import type { Reply } from '../../pipeline/reply.ts';
import type { BootstrapRef, FrameRestSink, NodeRef, RequestMessage } from '../../pipeline/request-message.ts';
import { RequestMessage as Request } from '../../pipeline/request-message.ts';
import { ResponseMessage } from '../../pipeline/response-message.ts';
import type { SessionHandle, SessionStage, Stage } from '../../pipeline/stage.ts';
import type { UpstreamSetup } from '../../pipeline/upstream-setup.ts';
import type { ApiKey } from '../../protocol/generated/api-keys.ts';
import { OWN_METADATA_VERSION } from '../../protocol/own-versions.ts';
import { UpstreamAddressUnknownError } from '../../routing/errors.ts';
import type { AddressBook } from '../address/address-book.ts';
import type { HostPort } from '../address/host-port.ts';
import type { DiscoveryThrottle } from '../overload/discovery-throttle.ts';
import {
  forEachBrokerAddress,
  piecesNeedAddressRewrite,
  responseAddressesSkimmable,
  responseCarriesBrokerAddresses,
  responseNeedsAddressRewrite,
} from '../response/broker-addresses.ts';
import { API_VERSIONS, discoveryMetadataRequest, METADATA } from '../response/codec.ts';
import type { ResponseHandler, UpstreamConnectionError } from '../upstream/upstream-connection.ts';
import type { UpstreamEvents, UpstreamPool, UpstreamRoute } from '../upstream/upstream-pool.ts';
import type { UpstreamTlsOptions } from '../upstream/upstream-tls.ts';
import { SASL_AUTHENTICATE, SASL_HANDSHAKE, SaslPassThrough } from './sasl-pass-through.ts';

/** SASL_HANDSHAKE, API_VERSIONS and SASL_AUTHENTICATE: the requests allowed before authentication. */
const UNAUTHENTICATED_APIS = new Set([17, 18, 36]);

export interface ClusterLeafOptions {
  readonly cluster: ClusterDefinition;
  /** The cluster-targeting route path, e.g. "union/b/b-split/main" ("" for a VC targeting a cluster). */
  readonly routeKey: string;
  /**
   * The top-level virtual id of broker `t` of this cluster (routing.md §5.3), or an Error when the
   * id would overflow. Identity for a VC that targets the cluster.
   */
  readonly topLevelId: (brokerId: number) => number | Error;
  readonly tls: UpstreamTlsOptions | undefined;
  readonly addressBook: AddressBook;
  readonly events: UpstreamEvents;
  /** The session's upstream connections. */
  readonly poolOf: (session: SessionHandle) => UpstreamPool;
  /** Shares discoveries between the sessions of the VC (overload: unknown ids cost one each). */
  readonly discovery?: DiscoveryThrottle;
}

/**
 * The end of every path through a route graph: one cluster. It sends each request to the broker
 * it is addressed to (a broker id of the cluster, or one of its bootstrap servers) over the
 * session's connection for (this route, that address), and records the broker addresses of every
 * response in the VC's address book under their top-level ids before anything else sees it
 * (routing.md §5.9). Frames travel undecoded unless a response carries broker addresses.
 */
export class ClusterLeaf implements Stage {
  readonly options: ClusterLeafOptions;
  readonly #upstream: UpstreamRoute;

  constructor(options: ClusterLeafOptions) {
    this.options = options;
    this.#upstream = { key: options.routeKey, tls: options.tls, events: options.events };
  }

  open(session: SessionHandle, upstream?: UpstreamSetup): SessionStage {
    return new LeafSession(this.options, this.#upstream, session, upstream);
  }
}

type Queued = { readonly message: RequestMessage; readonly reply: Reply };

class LeafSession implements SessionStage {
  readonly #options: ClusterLeafOptions;
  readonly #upstream: UpstreamRoute;
  readonly #session: SessionHandle;
  readonly #pool: UpstreamPool;
  /** Requests waiting, in order, for an address discovery (so nothing overtakes them). */
  #waiting: Queued[] = [];
  #discovering = false;
  /** The bootstrap server used when a request names none: picked at random once per session. */
  #defaultBootstrap: number | undefined;
  #closed = false;
  /** How the route's filters prepare each new connection (SaslInitiation), if they do. */
  readonly #setup: UpstreamSetup | undefined;
  /** The client's own SASL exchange on this route, when it authenticates through (no setup). */
  #passThrough: SaslPassThrough | undefined;
  /** What a new connection of this session and route is prepared with (see #send). */
  readonly #setupOfNewConnection = (): UpstreamSetup | undefined =>
    this.#setup ??
    (this.#passThrough?.authenticated ? this.#passThrough.setup(this.#session.logger, this.#session.id) : undefined);

  constructor(options: ClusterLeafOptions, upstream: UpstreamRoute, session: SessionHandle, setup?: UpstreamSetup) {
    this.#options = options;
    this.#upstream = upstream;
    this.#session = session;
    this.#pool = options.poolOf(session);
    this.#setup = setup;
  }

  dispatch(message: RequestMessage, reply: Reply): void {
    if (this.#closed) return;
    // The client's own SASL exchange passes through (a route whose filters authenticate the proxy
    // answer it themselves): it is recorded to be replayed on further connections.
    if ((message.apiKey === SASL_HANDSHAKE || message.apiKey === SASL_AUTHENTICATE) && this.#setup === undefined) {
      this.#passThrough ??= new SaslPassThrough(this.#options.routeKey, this.#options.cluster.name);
      try {
        this.#passThrough.request(message);
      } catch (error) {
        reply.fail('malformed_frame', `cannot decode the client's SASL request: ${(error as Error).message}`);
        return;
      }
    }
    if (this.#waiting.length > 0) {
      this.#waiting.push({ message, reply });
      return;
    }
    const address = this.#addressOf(message.node);
    if (address !== undefined) {
      this.#send(address, message, reply);
      return;
    }
    this.#waiting.push({ message, reply });
    // Whatever goes wrong while reaching the broker fails this session, never the process.
    this.#discover().catch((error: unknown) =>
      this.#session.failAfter('upstream_failed', `address discovery failed: ${(error as Error).message}`),
    );
  }

  close(): void {
    this.#closed = true;
    this.#waiting = [];
  }

  #addressOf(node: NodeRef): HostPort | undefined {
    const servers = this.#options.cluster.bootstrapServers;
    if (node === undefined) {
      this.#defaultBootstrap ??= Math.floor(Math.random() * servers.length);
      return servers[this.#defaultBootstrap];
    }
    if (typeof node !== 'number') return servers[(node as BootstrapRef).bootstrapIndex % servers.length];
    const top = this.#options.topLevelId(node);
    return typeof top === 'number' ? this.#options.addressBook.get(top) : undefined;
  }

  /**
   * Address discovery (routing.md §6.4 step 3): the broker list from the session's default
   * bootstrap server, on the session's own connection to it, so it carries the client's
   * credentials when that connection has authenticated.
   */
  async #discover(): Promise<void> {
    if (this.#discovering) return;
    this.#discovering = true;
    try {
      const discover = (): Promise<boolean> =>
        new Promise<boolean>((resolve) => {
          const request = Request.fromBody(
            {
              requestApiKey: METADATA as ApiKey,
              requestApiVersion: OWN_METADATA_VERSION,
              correlationId: 0,
              clientId: 'switchyard',
            },
            discoveryMetadataRequest(),
            { outOfBand: true },
          );
          this.#send(this.#addressOf(undefined)!, request, {
            expectsResponse: true,
            respond: () => resolve(true),
            fail: (_cause, message) => {
              this.#session.logger.warn('address discovery failed', { sessionId: this.#session.id, error: message });
              resolve(false);
            },
          });
        });
      await (this.#options.discovery ? this.#options.discovery.run(discover) : discover());
    } finally {
      this.#discovering = false;
    }
    if (this.#closed) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const [index, { message, reply }] of waiting.entries()) {
      const address = this.#addressOf(message.node);
      if (address === undefined) {
        const broker = message.node as number;
        const top = this.#options.topLevelId(broker);
        const error = new UpstreamAddressUnknownError(
          typeof top === 'number' ? top : -1,
          this.#options.routeKey,
          broker,
          this.#options.cluster.name,
        );
        reply.fail('upstream_failed', error.message, error);
        // Later requests must not overtake the failed one: they wait for the session to close.
        for (const later of waiting.slice(index + 1)) later.reply.fail('upstream_failed', 'an earlier request failed');
        return;
      }
      this.#send(address, message, reply);
    }
  }

  /** Any request streams here, unless address discovery must come first. */
  streams(_message: RequestMessage, node: NodeRef): boolean {
    return !this.#closed && this.#waiting.length === 0 && this.#addressOf(node) !== undefined;
  }

  #send(address: HostPort, message: RequestMessage, reply: Reply): void {
    const connection = this.#pool.connection(this.#upstream, address, this.#setupOfNewConnection);
    // The leaf session handles every response itself, told apart by their replies: nothing is
    // allocated per request.
    connection.send(message, message.expectsResponse ? this.#responses : undefined, reply);
  }

  readonly #responses: ResponseHandler<Reply> = {
    onResponse: (frame, apiKey, apiVersion, reply) => {
      // A regular request answered means the broker accepted the connection as authenticated.
      if (!UNAUTHENTICATED_APIS.has(apiKey)) this.#session.markAuthenticated();
      else if (apiKey !== API_VERSIONS && this.#passThrough !== undefined) {
        try {
          this.#passThrough.response(apiKey, apiVersion, frame);
        } catch (error) {
          reply.fail('upstream_failed', `cannot decode the broker's SASL response: ${(error as Error).message}`);
          return;
        }
      }
      // PRODUCE and FETCH responses name brokers only in a tagged field brokers rarely send: a
      // skim tells, and the usual response goes on undecoded.
      const capture = responseNeedsAddressRewrite(apiKey, apiVersion, frame);
      if (!capture && reply.respondFrame !== undefined) {
        reply.respondFrame(frame);
        return;
      }
      const response = ResponseMessage.fromFrame(apiKey, apiVersion, frame);
      if (capture) {
        const failure = this.#capture(response);
        if (failure !== undefined) {
          reply.fail('upstream_failed', failure.message, failure);
          return;
        }
      }
      reply.respond(response);
    },
    onError: (error: UpstreamConnectionError, reply) =>
      reply.fail(error.duringSetup ? 'authentication_failed' : 'upstream_failed', error.message, error),
    onResponseHead: (head, frameLength, apiKey, apiVersion, reply) => {
      const addresses = responseCarriesBrokerAddresses(apiKey, apiVersion);
      if (!addresses && reply.streamResponse !== undefined) {
        const sink = reply.streamResponse(head, frameLength);
        if (sink !== undefined && !UNAUTHENTICATED_APIS.has(apiKey)) this.#session.markAuthenticated();
        return sink;
      }
      // Held as the pieces it arrives in, uncopied, when the reply takes pieces: a reply that looks
      // at responses (a routing level skimming for broker ids), and PRODUCE v10+ and FETCH v16+,
      // which can name brokers only in their last bytes (skimmed once the last is there). Other
      // addresses are captured from the whole response.
      if (reply.respondPieces === undefined || UNAUTHENTICATED_APIS.has(apiKey)) return undefined;
      if (addresses && !responseAddressesSkimmable(apiKey, apiVersion)) return undefined;
      return new ResponsePieces(this, head, frameLength, apiKey, apiVersion, reply);
    },
  };

  /**
   * The last piece of a held response arrived: passed on as its pieces when it names no broker,
   * otherwise joined and handled whole.
   */
  piecesArrived(pieces: ResponsePieces): void {
    const { head, frameLength, apiKey, apiVersion, reply, pieces: all } = pieces;
    if (
      !responseCarriesBrokerAddresses(apiKey, apiVersion) ||
      !piecesNeedAddressRewrite(apiKey, apiVersion, head, all)
    ) {
      this.#session.markAuthenticated();
      reply.respondPieces!(all, frameLength);
      return;
    }
    this.#responses.onResponse(Buffer.concat(all, frameLength), apiKey, apiVersion, reply);
  }

  /** Records the response's broker addresses under top-level ids; returns an error when it cannot. */
  #capture(response: ResponseMessage): Error | undefined {
    let body: object;
    try {
      body = response.body();
    } catch (error) {
      return new Error(`cannot decode the ${response.apiKey} response: ${(error as Error).message}`);
    }
    let failure: Error | undefined;
    forEachBrokerAddress(response.apiKey, response.apiVersion, body, (brokerId, host, port) => {
      const top = this.#options.topLevelId(brokerId);
      if (typeof top === 'number') this.#options.addressBook.record(top, { host, port });
      else failure ??= top;
      return undefined;
    });
    return failure;
  }
}

/** A large response held as the pieces it arrives in (views of the reads, never copied together). */
class ResponsePieces implements FrameRestSink {
  readonly holdsPieces = true;
  readonly leaf: LeafSession;
  readonly head: Buffer;
  readonly frameLength: number;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly reply: Reply;
  readonly pieces: Buffer[];

  constructor(leaf: LeafSession, head: Buffer, frameLength: number, apiKey: number, apiVersion: number, reply: Reply) {
    this.leaf = leaf;
    this.head = head;
    this.frameLength = frameLength;
    this.apiKey = apiKey;
    this.apiVersion = apiVersion;
    this.reply = reply;
    this.pieces = [head];
  }

  writeRest(slice: Buffer, last: boolean): void {
    this.pieces.push(slice);
    if (last) this.leaf.piecesArrived(this);
  }
}
