import type { Socket } from 'node:net';
import type { SessionLimits } from '../../config/model.ts';
import type { Logger } from '../../observability/logger.ts';
import { type StreamEvent, streamChannel } from '../../pipeline/diagnostics.ts';
import type { SessionCloseCause } from '../../pipeline/reply.ts';
import type { FrameRestSink, RequestMessage } from '../../pipeline/request-message.ts';
import type { ClientTls, SessionBinding, SessionHandle, SessionStage, Stage } from '../../pipeline/stage.ts';
import type { Subject } from '../../pipeline/types.ts';
import { FrameSizeError, FrameSplitter, type FrameStreamer } from '../../protocol/frames/index.ts';
import type { Gateway } from '../gateway/gateway.ts';
import type { SessionGuard } from '../overload/session-guard.ts';
import { readClientRequest, readStreamedClientRequest } from './client-request.ts';
import { type ResponseSlot, ResponseSlots, STREAMED } from './response-slots.ts';
import { NoReply, type SlotOwner, SlotReply } from './slot-reply.ts';

export type { SessionCloseCause } from '../../pipeline/reply.ts';

/** Counters the session reports to; implemented by the VC's metrics. */
export interface SessionObserver {
  /** `frame` is the whole request, or only the head of a streamed one (never with `wholeFrames`). */
  onRequest(request: RequestMessage, bytes: number, frame: Buffer): void;
  /**
   * A response of `bytes` bytes is about to be written to the client (correlation id already the
   * client's); `frame` is the whole response, or only the head of a streamed one.
   */
  onResponse(slot: ResponseSlot, frame: Buffer, bytes: number): void;
  onReadPaused(): void;
  onClosed(session: ClientSession, cause: SessionCloseCause): void;
}

/** Why reading from the client is paused: bits of one number, so a session holds no set for them. */
type PauseReason = typeof IN_FLIGHT | typeof UPSTREAM | typeof DRAINING | typeof OVERLOAD;
const IN_FLIGHT = 1;
const UPSTREAM = 2;
const DRAINING = 4;
const OVERLOAD = 8;

/** Where the rest of a streamed request goes when no upstream connection took its head. */
const DROP_REST: FrameRestSink = { writeRest: () => {} };

/** How long a graceful close may wait for the client to take the last responses. */
const GRACEFUL_CLOSE_LIMIT_MS = 5_000;

type State =
  | { readonly kind: 'open' }
  | { readonly kind: 'draining'; readonly onDrained: () => void }
  | { readonly kind: 'closed'; readonly cause: SessionCloseCause };

/** The session's legal state changes; anything else is a bug and throws. */
const EDGES: Readonly<Record<State['kind'], readonly State['kind'][]>> = {
  open: ['draining', 'closed'],
  draining: ['draining', 'closed'],
  closed: [],
};

export interface ClientSessionOptions {
  readonly id: string;
  readonly socket: Socket;
  readonly binding: SessionBinding;
  readonly gateway: Gateway;
  readonly clientTls: ClientTls | undefined;
  /** The identity the gateway established (mTLS), or anonymous; VC-chain SASL may change it later. */
  readonly subject: Subject;
  readonly limits: SessionLimits;
  /** The head of the VC's data path; the session opens it once. */
  readonly stage: Stage;
  readonly observer: SessionObserver;
  /**
   * Reassemble every frame before passing it on (the observer must see whole frames, e.g. for
   * probes); otherwise large frames that nothing inspects are forwarded as they arrive.
   */
  readonly wholeFrames?: boolean;
  readonly logger: Logger;
  /** Overload limits: buffer budget, request read deadline, rate-limited warnings. */
  readonly guard?: SessionGuard;
}

/**
 * One client connection, from accept to close. It splits the client's byte stream into frames,
 * reserves a response slot for each request that expects an answer, hands requests to its opened
 * stage in order, and writes responses back strictly in request order.
 *
 * Flow control: reading from the client pauses while the session has `maxInFlightRequests`
 * unanswered requests or while any upstream connection is congested; reading from upstreams
 * pauses (through the stages) while the client socket is congested.
 *
 * Large frames stream (docs/design/2026-12-03-streaming-frames.md): a request whose path forwards
 * its bytes unchanged is dispatched by its head and its rest goes to the upstream connection as it
 * arrives; a response nothing looks at is written as it arrives once its slot is the oldest.
 */
export class ClientSession implements SessionHandle, SlotOwner {
  readonly id: string;
  readonly binding: SessionBinding;
  /** The gateway the client came through: it decides the addresses this client is shown. */
  readonly gateway: Gateway;
  readonly logger: Logger;
  readonly clientTls: ClientTls | undefined;
  subject: Subject;
  readonly #socket: Socket;
  readonly #limits: SessionLimits;
  readonly #observer: SessionObserver;
  readonly #splitter: FrameSplitter;
  readonly #slots = new ResponseSlots();
  readonly #boundNode: number | undefined;
  #stage: SessionStage | undefined;
  #state: State = { kind: 'open' };
  /** Reasons reading from the client is paused (PauseReason bits); reading resumes at 0. */
  #pauseReasons = 0;
  #readPaused = false;
  /** The upstream connection taking the rest of the request being streamed, or undefined. */
  #requestSink: FrameRestSink | undefined;
  /** The slot whose response is being written piece by piece, or undefined. */
  #streamingSlot: ResponseSlot | undefined;
  /** Frames are reassembled both ways (the observer inspects whole frames). */
  readonly #wholeFrames: boolean;
  /** The reply of every request that expects no response: it holds nothing per request. */
  readonly #noReply = new NoReply(this);
  #congestedUpstreams = 0;
  #clientCongested = false;
  #authenticated = false;
  #flushScheduled = false;
  /** Why the session closes once the slot marked `closeAfter` has been written. */
  #closeCause: SessionCloseCause | undefined;
  /** Listeners told when the client socket becomes writable again (upstreams resume reading). */
  readonly #clientWritableListeners = new Set<(congested: boolean) => void>();
  readonly #guard: SessionGuard | undefined;

  constructor(options: ClientSessionOptions) {
    this.id = options.id;
    this.binding = options.binding;
    this.gateway = options.gateway;
    this.logger = options.logger;
    this.clientTls = options.clientTls;
    this.subject = options.subject;
    this.#boundNode = options.binding.kind === 'node' ? options.binding.nodeId : undefined;
    this.#socket = options.socket;
    this.#limits = options.limits;
    this.#observer = options.observer;
    // overload: the guard sees what this session buffers and the request it is reading.
    this.#guard = options.guard;
    this.#guard?.attach(this);
    this.#wholeFrames = options.wholeFrames === true;
    const streamer: FrameStreamer | undefined = options.wholeFrames
      ? undefined
      : {
          onHead: (head, frameLength) => this.#onRequestHead(head, frameLength),
          onRest: (slice, last) => this.#onRequestRest(slice, last),
        };
    this.#splitter = new FrameSplitter((frame) => this.#onFrame(frame), options.limits.maxFrameBytes, streamer);
    const socket = this.#socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.#limits.unauthenticatedIdleTimeoutMs, () => this.close('idle_timeout'));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('drain', () => this.#setClientCongested(false));
    socket.on('error', (error) => {
      this.logger.debug('client socket error', { sessionId: this.id, error: error.message });
    });
    socket.on('close', () => this.close('client_closed'));
    const stage = options.stage.open(this);
    if (this.#state.kind === 'closed') stage.close();
    else this.#stage = stage;
  }

  get isOpen(): boolean {
    return this.#state.kind !== 'closed';
  }

  get authenticated(): boolean {
    return this.#authenticated;
  }

  /** Bytes held for upstream responses not complete yet changed by `delta` (overload budget). */
  readonly upstreamBuffered = (delta: number): void => this.#guard?.upstreamBytes(delta);

  /** The overload budget pauses or resumes reading from this client. */
  setOverloadPaused(paused: boolean): void {
    this.#setPaused(OVERLOAD, paused);
  }

  /** Requests read whose responses have not been written yet. */
  get pendingResponses(): number {
    return this.#slots.pending;
  }

  onClientWritable(listener: (congested: boolean) => void): () => void {
    this.#clientWritableListeners.add(listener);
    return () => this.#clientWritableListeners.delete(listener);
  }

  markAuthenticated(): void {
    if (this.#authenticated) return;
    this.#authenticated = true;
    this.#socket.setTimeout(this.#limits.authenticatedIdleTimeoutMs);
  }

  /** Fills `slot` with a whole response frame already carrying the client's correlation id. */
  fill(slot: ResponseSlot | undefined, frame: Buffer | null, closeWith?: SessionCloseCause): void {
    if (slot === undefined || slot.frame !== undefined) return;
    slot.frame = frame;
    if (frame !== null) this.#guard?.slotBytes(frame.length); // overload: held until written
    if (closeWith) {
      slot.closeAfter = true;
      this.#closeCause ??= closeWith;
    }
    this.#slotFilled();
  }

  /**
   * Writes the head of `slot`'s response now and returns where its rest goes, when every earlier
   * response has been written (the slot is the oldest); otherwise returns undefined and the
   * response is filled whole, as usual. Later responses wait until the last piece is written.
   */
  streamResponse(slot: ResponseSlot, head: Buffer, frameLength: number): FrameRestSink | undefined {
    // Earlier responses complete but not written yet (their flush is due this tick) go first.
    if (this.#slots.head !== slot && this.#flushScheduled) this.#flush();
    if (
      this.#wholeFrames ||
      this.#state.kind === 'closed' ||
      this.#slots.head !== slot ||
      this.#streamingSlot !== undefined
    ) {
      return undefined;
    }
    if (streamChannel.hasSubscribers) {
      streamChannel.publish({ direction: 'response', apiKey: slot.apiKey, bytes: frameLength } satisfies StreamEvent);
    }
    head.writeInt32BE(slot.correlationId, 4);
    this.#observer.onResponse(slot, head, frameLength);
    this.#streamingSlot = slot;
    this.#writeToClient(head);
    return this.#responseSink;
  }

  /** The rest of the response being streamed (see streamResponse()). */
  readonly #responseSink: FrameRestSink = {
    writeRest: (slice, last) => {
      const slot = this.#streamingSlot;
      if (slot === undefined || this.#state.kind === 'closed') return;
      this.#writeToClient(slice);
      if (!last) return;
      this.#streamingSlot = undefined;
      // A failure while streaming already filled the slot (to close after it).
      if (slot.frame === undefined) this.fill(slot, STREAMED);
    },
  };

  #writeToClient(bytes: Buffer): void {
    // The pieces of a response held until its last one are written in one turn: one writev.
    if (!this.#writesCorked) {
      this.#writesCorked = true;
      this.#socket.cork();
      queueMicrotask(this.#uncorkWrites);
    }
    this.#socket.write(bytes);
    this.#guard?.wroteToClient(bytes.length); // overload: held until the client's next request
  }

  #writesCorked = false;
  /** Writes what this turn wrote; the client is congested if the kernel did not take it all. */
  readonly #uncorkWrites = (): void => {
    this.#writesCorked = false;
    if (this.#state.kind === 'closed') return;
    const socket = this.#socket;
    socket.uncork();
    if (socket.writableLength >= socket.writableHighWaterMark) this.#setClientCongested(true);
  };

  upstreamCongestion(congested: boolean): void {
    this.#congestedUpstreams += congested ? 1 : -1;
    if (this.#congestedUpstreams < 0) this.#congestedUpstreams = 0;
    this.#setPaused(UPSTREAM, this.#congestedUpstreams > 0);
  }

  /**
   * Fails the session after the responses already complete before `slot` (or, without a slot,
   * every response already complete) have been written: used when an upstream or a plugin fails
   * on the path of one request.
   */
  failAfter(cause: SessionCloseCause, message: string, slot?: ResponseSlot): void {
    // Requests still pending when the session itself closed fail quietly: nobody waits for them.
    if (this.#state.kind === 'closed') return;
    this.#warn(message, { sessionId: this.id, cause });
    this.#closeCause ??= cause;
    if (slot && slot.frame === undefined) {
      slot.frame = null;
      slot.closeAfter = true;
      this.#slotFilled();
    } else {
      this.close(cause);
    }
  }

  /**
   * Stops reading new requests, waits until every request already read has been answered and
   * written, then closes. Resolves when the session is closed.
   */
  drain(): Promise<void> {
    const state = this.#state;
    if (state.kind === 'closed') return Promise.resolve();
    return new Promise((resolve) => {
      const previous = state.kind === 'draining' ? state.onDrained : undefined;
      this.#transition({
        kind: 'draining',
        onDrained: () => {
          previous?.();
          resolve();
        },
      });
      this.#setPaused(DRAINING, true);
      this.#closeIfDrained();
    });
  }

  /**
   * Ends the session. `graceful` closes the client socket only after what was written has been
   * flushed (the responses the session owed); otherwise, and on a second close of either kind, the
   * socket is destroyed at once. A draining session counts as drained once its socket has closed.
   */
  close(cause: SessionCloseCause, graceful = false): void {
    const previous = this.#state;
    const socket = this.#socket;
    if (previous.kind === 'closed') {
      if (!graceful) socket.destroy();
      return;
    }
    this.#transition({ kind: 'closed', cause });
    this.#guard?.release(); // overload: give back the connection slot and the budget
    if (graceful) {
      socket.end();
      // Read (and drop: the session is closed) whatever the client still sends, so its end of the
      // connection is seen and the socket closes now rather than at the limit below.
      socket.resume();
      // A client that never reads must not hold the socket open forever.
      const timer = setTimeout(() => socket.destroy(), GRACEFUL_CLOSE_LIMIT_MS).unref();
      socket.once('close', () => clearTimeout(timer));
    } else if (cause === 'buffer_budget') {
      resetConnection(socket);
    } else {
      socket.destroy();
    }
    this.#stage?.close();
    this.#observer.onClosed(this, cause);
    if (previous.kind === 'draining') {
      if (socket.closed) previous.onDrained();
      else socket.once('close', previous.onDrained);
    }
  }

  #transition(next: State): void {
    if (!EDGES[this.#state.kind].includes(next.kind)) {
      throw new Error(`illegal session transition ${this.#state.kind} -> ${next.kind}`);
    }
    this.#state = next;
  }

  #onData(chunk: Buffer): void {
    if (this.#state.kind !== 'open') return;
    try {
      this.#splitter.push(chunk);
      this.#guard?.afterRead(this.#splitter.bufferedBytes); // overload: request read deadline
    } catch (error) {
      this.#warn('malformed request frame from client; closing the connection', {
        sessionId: this.id,
        error: (error as Error).message,
      });
      this.close(error instanceof FrameSizeError ? 'frame_too_large' : 'malformed_frame');
    }
  }

  #onFrame(frame: Buffer): void {
    if (this.#state.kind !== 'open') return;
    this.#dispatch(readClientRequest(frame, this.#boundNode), frame);
  }

  #dispatch(request: RequestMessage, frame: Buffer): void {
    this.#guard?.requestRead(this.#socket.writableLength); // overload: the client read what it was sent
    this.#observer.onRequest(request, request.byteLength, frame);
    let reply: SlotReply | NoReply = this.#noReply;
    if (request.expectsResponse) {
      const slot = new SlotReply(this, request.correlationId, request.apiKey, request.apiVersion);
      this.#slots.add(slot);
      reply = slot;
    }
    if (this.#slots.pending >= this.#limits.maxInFlightRequests) this.#setPaused(IN_FLIGHT, true);
    this.#stage!.dispatch(request, reply);
  }

  /**
   * The head of a large request: dispatched now when every stage on its path forwards its bytes
   * unchanged (SessionStage.streams), its rest following as it arrives; otherwise it is reassembled.
   */
  #onRequestHead(head: Buffer, frameLength: number): boolean {
    if (this.#state.kind !== 'open') return false;
    const request = readStreamedClientRequest(head, frameLength, this.#boundNode);
    if (request === undefined || this.#stage?.streams?.(request, request.node) !== true) return false;
    if (streamChannel.hasSubscribers) {
      streamChannel.publish({ direction: 'request', apiKey: request.apiKey, bytes: frameLength } satisfies StreamEvent);
    }
    // Set before dispatching, so that reaching the in-flight limit does not stop reading this frame.
    this.#requestSink = DROP_REST;
    this.#dispatch(request, head);
    // The connection that took the head takes the rest. Without one the request already failed
    // (the session closes after the earlier responses): its rest is read and dropped.
    this.#requestSink = request.restSink ?? DROP_REST;
    return true;
  }

  #onRequestRest(slice: Buffer, last: boolean): void {
    const sink = this.#requestSink!;
    if (this.#state.kind !== 'closed') sink.writeRest(slice, last);
    if (!last) return;
    this.#requestSink = undefined;
    // What the frame was read through (the in-flight limit, a drain) may pause reading now.
    this.#applyPause();
  }

  #slotFilled(): void {
    if (this.#flushScheduled || this.#state.kind === 'closed') return;
    this.#flushScheduled = true;
    // Responses that complete in the same tick are written together: one writev, fewer syscalls.
    queueMicrotask(this.#flushTask);
  }

  readonly #flushTask = (): void => this.#flush();

  /** Whether the current flush corked the socket, and whether a write of it backed up. */
  #flushCorked = false;
  #flushCongested = false;

  readonly #writeSlot = (slot: ResponseSlot, frame: Buffer): void => {
    if (!this.#flushCorked) {
      this.#socket.cork();
      this.#flushCorked = true;
    }
    this.#observer.onResponse(slot, frame, frame.length);
    this.#guard?.slotWritten(frame.length); // overload: held until the client's next request
    if (!this.#socket.write(frame)) this.#flushCongested = true;
  };

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#state.kind === 'closed') return;
    this.#flushCorked = false;
    this.#flushCongested = false;
    const mustClose = this.#slots.release(this.#writeSlot);
    if (this.#flushCorked) this.#socket.uncork();
    if (this.#flushCongested) this.#setClientCongested(true);
    if (mustClose) {
      this.close(this.#closeCause ?? 'drain_completed', true);
      return;
    }
    if (this.#slots.pending < this.#limits.maxInFlightRequests) this.#setPaused(IN_FLIGHT, false);
    this.#closeIfDrained();
  }

  #closeIfDrained(): void {
    if (this.#state.kind === 'draining' && this.#slots.pending === 0) this.close('drain_completed', true);
  }

  /** Warnings a client can cause; rate-limited by the guard while it is unauthenticated. */
  #warn(message: string, fields: Record<string, unknown>): void {
    if (this.#guard) this.#guard.warn(message, fields);
    else this.logger.warn(message, fields);
  }

  #setPaused(reason: PauseReason, paused: boolean): void {
    this.#pauseReasons = paused ? this.#pauseReasons | reason : this.#pauseReasons & ~reason;
    this.#applyPause();
  }

  /**
   * A streamed request is read to its end whatever else pauses the session, except a congested
   * upstream (which takes that rest and will drain): it already holds a response slot, so waiting
   * for in-flight answers, or for a drain, would wait for itself.
   */
  #applyPause(): void {
    const reasons = this.#requestSink === undefined ? this.#pauseReasons : this.#pauseReasons & UPSTREAM;
    const pause = reasons !== 0;
    if (pause === this.#readPaused) return;
    this.#guard?.readingPaused(pause); // overload: request deadline
    if (pause) {
      this.#readPaused = true;
      this.#socket.pause();
      this.#observer.onReadPaused();
    } else if (this.#state.kind !== 'closed') {
      this.#readPaused = false;
      this.#socket.resume();
    }
  }

  #setClientCongested(congested: boolean): void {
    if (this.#clientCongested === congested) return;
    this.#clientCongested = congested;
    for (const listener of this.#clientWritableListeners) listener(congested);
  }
}

/**
 * Closes with a reset: a plain close leaves what the client did not read in the kernel, which
 * keeps trying to deliver it for minutes, and the budget closed the session to free exactly that.
 * A TLS socket cannot be reset from Node: it is destroyed.
 */
function resetConnection(socket: Socket): void {
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
