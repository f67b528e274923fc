import type { ClusterDefinition, SessionLimits } from '../../config/model.ts';
import type { AddressBook } from '../address/address-book.ts';
import { formatHostPort, type HostPort } from '../address/host-port.ts';
import type { ClientRequest } from '../session/client-request.ts';
import type { ClientSession, SessionTarget } from '../session/client-session.ts';
import type { Reply } from '../session/reply.ts';
import {
  type ResponseHandler,
  UpstreamConnection,
  type UpstreamConnectionError,
} from '../upstream/upstream-connection.ts';
import type { UpstreamTlsOptions } from '../upstream/upstream-tls.ts';

/** SASL_HANDSHAKE, API_VERSIONS and SASL_AUTHENTICATE: the requests allowed before authentication. */
const UNAUTHENTICATED_APIS = new Set([17, 18, 36]);

/** Turns an upstream response frame into the frame the client gets (address rewriting, …). */
export interface ResponsePipeline {
  /**
   * Returns the frame to deliver, or a promise of it. May return `frame` itself when nothing
   * needed to change; the session then only swaps the correlation id.
   */
  toClient(session: ClientSession, request: ClientRequest, frame: Buffer): Buffer | Promise<Buffer>;
}

/** Finds broker addresses the address book does not know yet (routing.md §6.4 step 3). */
export interface AddressDiscovery {
  /** Asks `bootstrap` (reached with the cluster's `tls` settings) for the cluster's brokers. */
  discover(session: ClientSession, bootstrap: HostPort, tls: UpstreamTlsOptions | undefined): Promise<void>;
}

/** Reports upstream events to metrics. */
export interface UpstreamEvents {
  onConnectionOpened(): void;
  onConnectionClosed(failed: boolean): void;
  onReadPaused(): void;
}

export interface ClusterRouteOptions {
  readonly virtualCluster: string;
  readonly cluster: ClusterDefinition;
  readonly tls: UpstreamTlsOptions | undefined;
  readonly limits: SessionLimits;
  readonly addressBook: AddressBook;
  readonly responses: ResponsePipeline;
  readonly discovery: AddressDiscovery;
  readonly events: UpstreamEvents;
  readonly connectTimeoutMs: number;
}

/**
 * The route to one upstream cluster with identity node mapping: the whole route graph of a
 * virtual cluster whose target is a cluster, with every API key statically routed. Each session
 * forwards everything over one upstream connection: to the broker its endpoint is bound to, or to
 * the session's default bootstrap server (a random first pick, routing.md §6.3). Frames travel
 * undecoded unless the response pipeline needs to look at them.
 */
export class ClusterRoute implements SessionTarget {
  readonly #options: ClusterRouteOptions;
  readonly #sessions = new Map<ClientSession, SessionChannel>();
  #roundRobin: number;

  constructor(options: ClusterRouteOptions) {
    this.#options = options;
    this.#roundRobin = Math.floor(Math.random() * options.cluster.bootstrapServers.length);
  }

  dispatch(session: ClientSession, request: ClientRequest, reply: Reply): void {
    let channel = this.#sessions.get(session);
    if (channel === undefined) {
      channel = new SessionChannel(session, this, this.#options);
      this.#sessions.set(session, channel);
    }
    channel.send(request, reply);
  }

  sessionClosed(session: ClientSession): void {
    this.#sessions.get(session)?.close();
    this.#sessions.delete(session);
  }

  /** A bootstrap server for a new session: random first, then in configuration order. */
  nextBootstrapServer(): HostPort {
    const servers = this.#options.cluster.bootstrapServers;
    if (this.#options.cluster.selection === 'random') {
      return servers[Math.floor(Math.random() * servers.length)]!;
    }
    const server = servers[this.#roundRobin % servers.length]!;
    this.#roundRobin = (this.#roundRobin + 1) % servers.length;
    return server;
  }
}

type ChannelState =
  | { readonly kind: 'resolving'; readonly queued: { request: ClientRequest; reply: Reply }[] }
  | { readonly kind: 'connected'; readonly connection: UpstreamConnection }
  | { readonly kind: 'closed' };

/** One session's path to its upstream broker. */
class SessionChannel {
  readonly #session: ClientSession;
  readonly #route: ClusterRoute;
  readonly #options: ClusterRouteOptions;
  #state: ChannelState;
  #unsubscribeClientWritable: () => void;

  constructor(session: ClientSession, route: ClusterRoute, options: ClusterRouteOptions) {
    this.#session = session;
    this.#route = route;
    this.#options = options;
    this.#state = { kind: 'resolving', queued: [] };
    this.#unsubscribeClientWritable = session.onClientWritable((congested) => {
      if (this.#state.kind !== 'connected') return;
      if (congested) {
        this.#state.connection.pauseReading();
        options.events.onReadPaused();
      } else {
        this.#state.connection.resumeReading();
      }
    });
    void this.#resolve();
  }

  send(request: ClientRequest, reply: Reply): void {
    switch (this.#state.kind) {
      case 'resolving':
        this.#state.queued.push({ request, reply });
        return;
      case 'connected':
        this.#state.connection.send(
          request.frame,
          reply.expectsResponse ? this.#handlerFor(request, reply) : undefined,
        );
        return;
      case 'closed':
        return;
    }
  }

  close(): void {
    const state = this.#state;
    this.#state = { kind: 'closed' };
    this.#unsubscribeClientWritable();
    if (state.kind === 'connected') state.connection.close('client session closed');
  }

  async #resolve(): Promise<void> {
    const binding = this.#session.binding;
    let address: HostPort | undefined;
    if (binding.kind === 'bootstrap') {
      address = this.#route.nextBootstrapServer();
    } else {
      address = this.#options.addressBook.get(binding.nodeId);
      if (address === undefined) {
        try {
          await this.#options.discovery.discover(this.#session, this.#route.nextBootstrapServer(), this.#options.tls);
        } catch (error) {
          this.#session.logger.warn('address discovery failed', {
            sessionId: this.#session.id,
            error: (error as Error).message,
          });
        }
        address = this.#options.addressBook.get(binding.nodeId);
        if (address === undefined) {
          this.#failSession(
            `upstream address of node ${binding.nodeId} is not known: cluster '${this.#options.cluster.name}' does not list broker ${binding.nodeId}`,
          );
          return;
        }
      }
    }
    if (this.#state.kind !== 'resolving') return;
    const { queued } = this.#state;
    const events = this.#options.events;
    const session = this.#session;
    const connection = new UpstreamConnection({
      address,
      tls: this.#options.tls,
      maxFrameBytes: this.#options.limits.maxFrameBytes,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      observer: {
        onWriteBackpressure: (_connection, congested) => session.upstreamCongestion(congested),
        onClosed: (closed, error) => {
          events.onConnectionClosed(error !== undefined);
          if (closed.congested) session.upstreamCongestion(false);
          if (error && this.#state.kind === 'connected') {
            this.#state = { kind: 'closed' };
            // Requests in flight fail through their handlers; with none, close right away.
            session.failAfter(
              undefined,
              'upstream_failed',
              `upstream ${formatHostPort(address)} failed: ${error.message}`,
            );
          }
        },
      },
    });
    events.onConnectionOpened();
    this.#state = { kind: 'connected', connection };
    for (const { request, reply } of queued) this.send(request, reply);
  }

  #handlerFor(request: ClientRequest, reply: Reply): ResponseHandler {
    const session = this.#session;
    const responses = this.#options.responses;
    return {
      onResponse: (frame) => {
        // A regular request answered means the broker accepted the connection as authenticated.
        if (!UNAUTHENTICATED_APIS.has(request.apiKey)) session.markAuthenticated();
        let out: Buffer | Promise<Buffer>;
        try {
          out = responses.toClient(session, request, frame);
        } catch (error) {
          reply.fail('internal_error', `cannot process response: ${(error as Error).message}`);
          return;
        }
        if (out instanceof Promise) {
          out.then(
            (ready) => reply.respond(ready),
            (error: Error) => reply.fail('internal_error', `cannot process response: ${error.message}`),
          );
        } else {
          reply.respond(out);
        }
      },
      onError: (error: UpstreamConnectionError) => {
        reply.fail('upstream_failed', error.message);
      },
    };
  }

  #failSession(message: string): void {
    const state = this.#state;
    this.#state = { kind: 'closed' };
    if (state.kind === 'resolving') {
      const first = state.queued[0];
      if (first) first.reply.fail('upstream_failed', message);
      else this.#session.failAfter(undefined, 'upstream_failed', message);
    } else {
      this.#session.failAfter(undefined, 'upstream_failed', message);
    }
  }
}
