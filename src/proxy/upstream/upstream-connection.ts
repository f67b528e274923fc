import { connect as netConnect, Socket } from 'node:net';
import { lazyTls } from '../../config/lazy-tls.ts';
import type { FrameRestSink, RequestMessage } from '../../pipeline/request-message.ts';
import { ResponseMessage } from '../../pipeline/response-message.ts';
import type { SetupChannel, UpstreamSetup } from '../../pipeline/upstream-setup.ts';
import { FrameSplitter } from '../../protocol/frames/index.ts';
import type { HostPort } from '../address/host-port.ts';
import { PendingRequests } from './pending-requests.ts';
import type { UpstreamTlsOptions } from './upstream-tls.ts';

/**
 * What the connection calls back with once the response to one request has arrived. One handler
 * serves many requests: `context` (given to send()) tells them apart, so no object is made per
 * request. `apiKey` and `apiVersion` are those of the request.
 */
export interface ResponseHandler<C = undefined> {
  /** `frame` is the whole response frame (size prefix included) with the upstream correlation id. */
  onResponse(frame: Buffer, apiKey: number, apiVersion: number, context: C): void;
  onError(error: UpstreamConnectionError, context: C): void;
  /**
   * Offered the head of a large response (upstream correlation id, at least the response header)
   * of `frameLength` bytes: returns where the rest goes when the handler forwards the response as
   * it arrives, or undefined to get the whole frame through onResponse().
   */
  onResponseHead?(
    head: Buffer,
    frameLength: number,
    apiKey: number,
    apiVersion: number,
    context: C,
  ): FrameRestSink | undefined;
}

export class UpstreamConnectionError extends Error {
  override readonly name = 'UpstreamConnectionError';
  readonly address: string;
  /** The connection's setup (authentication) failed: the session cannot go on without it. */
  readonly duringSetup: boolean;
  constructor(address: string, message: string, options?: ErrorOptions & { duringSetup?: boolean }) {
    super(`upstream ${address}: ${message}`, options);
    this.address = address;
    this.duringSetup = options?.duringSetup === true;
  }
}

/** Observes flow-control changes so the owning session can pause or resume its client. */
export interface UpstreamObserver {
  /** The socket's write buffer went above (true) or back below (false) its high-water mark. */
  onWriteBackpressure(connection: UpstreamConnection, congested: boolean): void;
  /** The connection closed; `error` is undefined for a close the owner asked for. */
  onClosed(connection: UpstreamConnection, error: UpstreamConnectionError | undefined): void;
}

export interface UpstreamConnectionOptions {
  readonly address: HostPort;
  readonly tls: UpstreamTlsOptions | undefined;
  readonly maxFrameBytes: number;
  readonly connectTimeoutMs: number;
  readonly observer: UpstreamObserver;
  /** Told how the bytes held for a response not complete yet change (overload budget). */
  readonly onBuffered?: (delta: number) => void;
  /** Runs once connected, before any request is written (authentication); undefined: none. */
  readonly setup?: UpstreamSetup;
}

type State =
  // Frames (and pieces of a streamed frame) sent before the connection was established, or while
  // its setup runs (first time: preparing; again later: renewing). The setup's own requests go
  // ahead of them.
  | { readonly kind: 'connecting'; readonly queued: Buffer[] }
  | { readonly kind: 'preparing'; readonly queued: Buffer[] }
  | { readonly kind: 'ready' }
  | { readonly kind: 'renewing'; readonly queued: Buffer[] }
  | { readonly kind: 'closed'; readonly error: UpstreamConnectionError | undefined };

/** The connection's legal state changes; anything else is a bug and throws. */
const EDGES: Readonly<Record<State['kind'], readonly State['kind'][]>> = {
  connecting: ['preparing', 'ready', 'closed'],
  preparing: ['ready', 'closed'],
  ready: ['renewing', 'closed'],
  renewing: ['ready', 'closed'],
  closed: [],
};

/** A request of the setup waiting for its response. */
interface SetupRequest {
  readonly correlationId: number;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly resolve: (response: ResponseMessage) => void;
  readonly reject: (error: Error) => void;
}

/**
 * One TCP (or TLS) connection from a client session to one upstream broker. It numbers its own
 * requests (correlation ids are rewritten in place in the request frame), remembers which handler
 * waits for each, and hands every response frame to its handler. Requests sent before the
 * connection is established are queued and written, in order, once it is.
 *
 * With a setup (UpstreamSetup: authentication), the connection runs it once established and again
 * whenever it asks to be renewed; requests sent meanwhile wait, and the setup's own requests go
 * first. Responses come back in the order requests were written, so a setup request's response is
 * told apart by its correlation id: requests written before a renewal began are answered first.
 *
 * Large frames may pass in pieces both ways. A streamed request (RequestMessage.streamed) has its
 * head written at once and its rest, through writeRest(), as the client sends it; other requests
 * sent meanwhile wait until its last piece, so frames never interleave. A large response is offered
 * to its handler by its head; a handler that takes it gets the rest piece by piece.
 */
export class UpstreamConnection implements FrameRestSink {
  readonly address: HostPort;
  readonly #socket: Socket;
  readonly #pending = new PendingRequests<ResponseHandler<unknown> | undefined, unknown>();
  readonly #splitter: FrameSplitter;
  /** Bytes of the streamed request still to come (0 when none is being streamed). */
  #requestRemaining = 0;
  /** Frames sent while a streamed request was still arriving, written after its last piece. */
  #held: Buffer[] | undefined;
  /** Where the rest of the response being streamed goes, or undefined; and who waits for it. */
  #responseSink: FrameRestSink | undefined;
  #responseHandler: ResponseHandler<unknown> | undefined;
  #responseContext: unknown;
  readonly #observer: UpstreamObserver;
  #state: State = { kind: 'connecting', queued: [] };
  readonly #setup: UpstreamSetup | undefined;
  /** Requests of the setup waiting for their response, oldest first (empty without a setup). */
  readonly #setupPending: SetupRequest[] = [];
  #setupChannel: SetupChannel | undefined;
  /** A renewal came due while a streamed request was being written: it starts after its last piece. */
  #renewalDue = false;
  #renewalTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #connectTimeoutMs: number;
  #nextCorrelationId = 1;
  #congested = false;
  #readPaused = false;
  #corked = false;
  readonly #onBuffered: ((delta: number) => void) | undefined;
  #reportedBuffered = 0;
  /** Bytes of the response being streamed that its sink holds (holdsPieces), for the overload budget. */
  #heldBytes = 0;

  constructor(options: UpstreamConnectionOptions) {
    this.address = options.address;
    this.#observer = options.observer;
    this.#onBuffered = options.onBuffered;
    this.#setup = options.setup;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#splitter = new FrameSplitter((frame) => this.#onFrame(frame), options.maxFrameBytes, {
      onHead: (head, frameLength) => this.#onResponseHead(head, frameLength),
      onRest: (slice, last) => this.#onResponseRest(slice, last),
    });
    try {
      this.#socket = openSocket(options.address, options.tls);
    } catch (error) {
      // Setting up one connection must never throw into the session (or, from an event handler,
      // out of the process): the connection fails like any other, after the caller holds it.
      this.#socket = new Socket();
      process.nextTick(() => this.#fail(`cannot open the connection: ${(error as Error).message}`, error));
      return;
    }
    this.#socket.setNoDelay(true);
    this.#socket.setTimeout(options.connectTimeoutMs, () => {
      const { kind } = this.#state;
      if (kind === 'connecting') this.#fail(`connection timed out after ${options.connectTimeoutMs} ms`);
      else if (kind === 'preparing' || kind === 'renewing') {
        this.#fail(
          `the broker did not answer the connection's setup within ${options.connectTimeoutMs} ms`,
          undefined,
          {
            duringSetup: true,
          },
        );
      }
    });
    this.#socket.once(options.tls ? 'secureConnect' : 'connect', () => this.#onConnected());
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('drain', () => this.#setCongested(false));
    this.#socket.on('error', (error) => this.#fail(error.message, error));
    this.#socket.on('close', () => this.#fail('connection closed by the broker'));
  }

  get isClosed(): boolean {
    return this.#state.kind === 'closed';
  }

  get congested(): boolean {
    return this.#congested;
  }

  /**
   * Sends one request with this connection's next correlation id (written into the message's
   * frame, see RequestMessage.frameFor). `handler` is undefined for requests that get no response
   * (PRODUCE with acks=0); it is called with `context`. A closed connection reports the failure to
   * the handler asynchronously. For a streamed request the connection becomes its `restSink`.
   */
  send<C>(message: RequestMessage, handler: ResponseHandler<C> | undefined, context: C): void;
  send(message: RequestMessage, handler: ResponseHandler | undefined): void;
  send(message: RequestMessage, handler: ResponseHandler<unknown> | undefined, context?: unknown): void {
    if (message.isStreamed) message.restSink = this;
    if (this.#state.kind === 'closed') {
      const error = this.#state.error ?? new UpstreamConnectionError(this.#label(), 'connection already closed');
      if (handler) queueMicrotask(() => handler.onError(error, context));
      return;
    }
    const correlationId = this.#nextCorrelationId;
    this.#nextCorrelationId = correlationId === 0x7fffffff ? 1 : correlationId + 1;
    let frame: Buffer;
    try {
      frame = message.frameFor(correlationId);
    } catch (error) {
      const failure = new UpstreamConnectionError(
        this.#label(),
        `cannot encode the request: ${(error as Error).message}`,
      );
      if (handler) queueMicrotask(() => handler.onError(failure, context));
      return;
    }
    if (handler) this.#pending.push(correlationId, message.apiKey, message.apiVersion, handler, context);
    if (this.#requestRemaining > 0) {
      // A streamed request is still arriving: this one follows it.
      this.#held ??= [];
      this.#held.push(frame);
      return;
    }
    if (message.isStreamed) this.#requestRemaining = message.byteLength - frame.length;
    this.#write(frame);
  }

  /** The next piece of the streamed request (see send()); `last` ends it. */
  writeRest(slice: Buffer, last: boolean): void {
    if (this.#state.kind === 'closed') return;
    this.#requestRemaining -= slice.length;
    this.#write(slice);
    if (!last) return;
    this.#requestRemaining = 0;
    const held = this.#held;
    this.#held = undefined;
    if (held !== undefined) for (const frame of held) this.#write(frame);
    if (this.#renewalDue && this.#requestRemaining === 0) this.#renew();
  }

  #write(bytes: Buffer): void {
    const state = this.#state;
    // Not ready: connecting, or a setup runs; the bytes wait their turn (dropped once closed).
    if (state.kind !== 'ready') {
      if (state.kind !== 'closed') state.queued.push(bytes);
      return;
    }
    this.#writeNow(bytes);
  }

  /** Writes to the socket, whatever the state (the setup's requests, and ready traffic). */
  #writeNow(bytes: Buffer): void {
    // Frames sent in the same turn of the event loop (a client chunk often carries several) go
    // out in one writev: fewer system calls, which is where a proxy's CPU goes.
    if (!this.#corked) {
      this.#corked = true;
      this.#socket.cork();
      queueMicrotask(this.#uncork);
    }
    if (!this.#socket.write(bytes)) this.#setCongested(true);
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  /** Stops reading responses (the client cannot take more); resumes with resumeReading(). */
  pauseReading(): void {
    if (!this.#readPaused) {
      this.#readPaused = true;
      this.#socket.pause();
    }
  }

  resumeReading(): void {
    if (this.#readPaused) {
      this.#readPaused = false;
      this.#socket.resume();
    }
  }

  /** Closes the connection; requests still waiting are failed with `reason`. */
  close(reason = 'closed by the proxy'): void {
    this.#fail(reason, undefined, { requested: true });
  }

  #label(): string {
    return `${this.address.host}:${this.address.port}`;
  }

  #onConnected(): void {
    if (this.#state.kind !== 'connecting') return;
    const { queued } = this.#state;
    if (this.#setup !== undefined) {
      // The connect timeout keeps running: it bounds the setup too.
      this.#moveTo({ kind: 'preparing', queued });
      this.#runSetup(false);
      return;
    }
    this.#socket.setTimeout(0);
    this.#becomeReady(queued);
  }

  #moveTo(next: State): void {
    if (!EDGES[this.#state.kind].includes(next.kind)) {
      throw new Error(`illegal upstream connection transition ${this.#state.kind} -> ${next.kind}`);
    }
    this.#state = next;
  }

  /** Writes what waited (for the connection, or for its setup), in order, in one writev. */
  #becomeReady(queued: Buffer[]): void {
    this.#moveTo({ kind: 'ready' });
    if (queued.length === 0) return;
    this.#socket.cork();
    let ok = true;
    for (const frame of queued) ok = this.#socket.write(frame);
    this.#socket.uncork();
    if (!ok) this.#setCongested(true);
  }

  /** Sends a request of the setup now, ahead of whatever waits in the queue. */
  #setupRequest(message: RequestMessage): Promise<ResponseMessage> {
    return new Promise<ResponseMessage>((resolve, reject) => {
      if (this.#state.kind === 'closed') {
        reject(this.#state.error ?? new UpstreamConnectionError(this.#label(), 'connection closed'));
        return;
      }
      const correlationId = this.#nextCorrelationId;
      this.#nextCorrelationId = correlationId === 0x7fffffff ? 1 : correlationId + 1;
      const frame = message.frameFor(correlationId);
      this.#setupPending.push({
        correlationId,
        apiKey: message.apiKey,
        apiVersion: message.apiVersion,
        resolve,
        reject,
      });
      this.#writeNow(frame);
    });
  }

  #runSetup(renewal: boolean): void {
    this.#setupChannel ??= { broker: this.#label(), request: (message) => this.#setupRequest(message) };
    this.#setup!.run(this.#setupChannel, renewal).then(
      (renewAfterMs) => {
        const state = this.#state;
        if (state.kind !== 'preparing' && state.kind !== 'renewing') return;
        this.#socket.setTimeout(0);
        this.#becomeReady(state.queued);
        if (renewAfterMs !== undefined) this.#scheduleRenewal(renewAfterMs);
      },
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.#fail(message, undefined, { duringSetup: true });
      },
    );
  }

  #scheduleRenewal(afterMs: number): void {
    this.#renewalTimer = setTimeout(
      () => {
        this.#renewalTimer = undefined;
        if (this.#state.kind !== 'ready') return;
        // A streamed request's pieces must not be cut by the setup's requests: renew after it.
        if (this.#requestRemaining > 0) this.#renewalDue = true;
        else this.#renew();
      },
      Math.max(0, afterMs),
    );
    // A pending renewal never keeps a process alive on its own.
    this.#renewalTimer.unref();
  }

  /** Runs the setup again between requests: requests sent from now on wait until it is done. */
  #renew(): void {
    this.#renewalDue = false;
    if (this.#state.kind !== 'ready') return;
    this.#moveTo({ kind: 'renewing', queued: [] });
    this.#socket.setTimeout(this.#connectTimeoutMs);
    this.#runSetup(true);
  }

  #onData(chunk: Buffer): void {
    try {
      this.#splitter.push(chunk);
      // overload budget: what the splitter holds, and what a sink holds of a response still arriving
      if (this.#onBuffered) this.#reportBuffered(this.#splitter.bufferedBytes + this.#heldBytes);
    } catch (error) {
      this.#fail(`invalid response frame: ${(error as Error).message}`, error);
    }
  }

  #reportBuffered(bytes: number): void {
    if (bytes === this.#reportedBuffered) return;
    this.#onBuffered?.(bytes - this.#reportedBuffered);
    this.#reportedBuffered = bytes;
  }

  #onFrame(frame: Buffer): void {
    if (this.#setupPending.length > 0 && frame.length >= 8) {
      const setup = this.#setupPending[0]!;
      if (frame.readInt32BE(4) === setup.correlationId) {
        this.#setupPending.shift();
        let response: ResponseMessage;
        try {
          response = ResponseMessage.fromFrame(setup.apiKey, setup.apiVersion, frame);
        } catch (error) {
          setup.reject(error as Error);
          return;
        }
        setup.resolve(response);
        return;
      }
    }
    if (!this.#matchesOldest(frame)) return;
    const pending = this.#pending;
    const handler = pending.headHandler!;
    const apiKey = pending.headApiKey;
    const apiVersion = pending.headApiVersion;
    const context = pending.headContext;
    pending.shift();
    handler.onResponse(frame, apiKey, apiVersion, context);
  }

  /** A large response's head: its handler may take the rest piece by piece. */
  #onResponseHead(head: Buffer, frameLength: number): boolean {
    // A mismatch is reported once the whole frame is there (#onFrame).
    if (this.#pending.length === 0 || head.readInt32BE(4) !== this.#pending.headCorrelationId) return false;
    const pending = this.#pending;
    const sink = pending.headHandler!.onResponseHead?.(
      head,
      frameLength,
      pending.headApiKey,
      pending.headApiVersion,
      pending.headContext,
    );
    if (sink === undefined) return false;
    if (sink.holdsPieces === true) this.#heldBytes = head.length;
    this.#responseHandler = pending.headHandler;
    this.#responseContext = pending.headContext;
    pending.shift();
    this.#responseSink = sink;
    return true;
  }

  #onResponseRest(slice: Buffer, last: boolean): void {
    const sink = this.#responseSink!;
    if (sink.holdsPieces === true) this.#heldBytes = last ? 0 : this.#heldBytes + slice.length;
    if (last) {
      this.#responseSink = undefined;
      this.#responseHandler = undefined;
      this.#responseContext = undefined;
    }
    sink.writeRest(slice, last);
  }

  /** Whether `frame` answers the oldest pending request; fails the connection when it does not. */
  #matchesOldest(frame: Buffer): boolean {
    if (frame.length < 8) {
      this.#fail(`response frame of ${frame.length - 4} bytes is too short for a header`);
      return false;
    }
    const correlationId = frame.readInt32BE(4);
    const pending = this.#pending;
    if (pending.length === 0 || pending.headCorrelationId !== correlationId) {
      this.#fail(
        `response with correlation id ${correlationId} does not match the oldest pending request (${pending.length === 0 ? 'none' : pending.headCorrelationId})`,
      );
      return false;
    }
    return true;
  }

  #setCongested(congested: boolean): void {
    if (this.#congested === congested) return;
    this.#congested = congested;
    this.#observer.onWriteBackpressure(this, congested);
  }

  #fail(message: string, cause?: unknown, options: { requested?: boolean; duringSetup?: boolean } = {}): void {
    if (this.#state.kind === 'closed') return;
    const duringSetup = options.duringSetup === true;
    const error = options.requested
      ? undefined
      : new UpstreamConnectionError(this.#label(), message, { cause, duringSetup });
    this.#moveTo({ kind: 'closed', error });
    this.#socket.destroy();
    if (this.#renewalTimer !== undefined) clearTimeout(this.#renewalTimer);
    const failure = error ?? new UpstreamConnectionError(this.#label(), message);
    for (const setup of this.#setupPending.splice(0)) setup.reject(failure);
    this.#reportBuffered(0);
    this.#held = undefined;
    // A response cut off in the middle of its stream fails like one that never came.
    const streamed = this.#responseHandler;
    if (this.#responseSink !== undefined && streamed !== undefined) {
      this.#responseSink = undefined;
      this.#responseHandler = undefined;
      streamed.onError(failure, this.#responseContext);
    }
    const pending = this.#pending;
    while (pending.length > 0) {
      const handler = pending.headHandler!;
      const context = pending.headContext;
      pending.shift();
      handler.onError(failure, context);
    }
    this.#observer.onClosed(this, error);
  }
}

function openSocket({ host, port }: HostPort, tls: UpstreamTlsOptions | undefined): Socket {
  if (tls === undefined) return netConnect({ host, port });
  return lazyTls().connect({
    host,
    port,
    secureContext: tls.secureContext,
    rejectUnauthorized: !tls.insecure,
    // SNI and certificate checks use the host name; an IP literal sends no SNI.
    servername: /^[\d.]+$|:/.test(host) ? undefined : host,
  });
}
