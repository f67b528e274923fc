import type { ApiKey } from '../protocol/generated/api-keys.ts';
import { decodeRequestBody, encodeRequest, readRequestHeader } from '../protocol/index.ts';
import { type DecodeEvent, decodeChannel } from './diagnostics.ts';
import type { ApiMessage, RequestHeader } from './types.ts';

/**
 * A bootstrap server of a cluster route, by its index in the cluster's `bootstrapServers`: what
 * `anyNode()` of a cluster route addresses.
 */
export interface BootstrapRef {
  readonly bootstrapIndex: number;
}

/**
 * The node a request is addressed to at the level it is travelling through: a node id of that
 * level's space, a bootstrap server (cluster routes only), or none (the target chooses: the
 * session's default bootstrap server, or a nested router's entry).
 */
export type NodeRef = number | BootstrapRef | undefined;

const SIZE_AND_FIXED_HEADER = 12;

/**
 * Where the rest of a streamed request goes (see RequestMessage.streamed): the upstream connection
 * its head was written to, which writes each slice as it comes.
 */
export interface FrameRestSink {
  writeRest(slice: Buffer, last: boolean): void;
  /**
   * True for a sink that keeps what it is given until the last piece instead of writing it on:
   * those bytes count as buffered (overload budget), as a frame being reassembled would.
   */
  readonly holdsPieces?: boolean;
}

/**
 * One request on its way through the stages: the bytes as the client sent them, or a decoded body,
 * or both. It is decoded the first time a stage asks for the body and encoded again only when a
 * stage changed it, so a filter's change reaches a router (and the upstream) without a re-encode
 * and re-decode in between. It carries the header fields every stage needs, the node it is
 * addressed to at the current level, and whether it is out of band (a plugin's own request, which
 * takes no response slot).
 */
export class RequestMessage {
  readonly apiKey: number;
  readonly apiVersion: number;
  /** The correlation id the sender used (the client's for client requests). */
  readonly correlationId: number;
  readonly expectsResponse: boolean;
  readonly outOfBand: boolean;
  node: NodeRef;
  /**
   * For a streamed request: the connection that took its head and now takes the rest. Set by the
   * upstream connection when it sends the head.
   */
  restSink: FrameRestSink | undefined;
  /** For a streamed request, the length of the whole frame (`#frame` holds only its head); else 0. */
  #streamedLength: number;
  /** The bytes (size prefix included); undefined once the body changed. */
  #frame: Buffer | undefined;
  /** True once the frame's correlation id was overwritten for an upstream connection. */
  #frameLent = false;
  #header: RequestHeader | undefined;
  #body: ApiMessage | undefined;

  private constructor(
    apiKey: number,
    apiVersion: number,
    correlationId: number,
    expectsResponse: boolean,
    outOfBand: boolean,
    node: NodeRef,
    streamedLength = 0,
  ) {
    this.#streamedLength = streamedLength;
    this.apiKey = apiKey;
    this.apiVersion = apiVersion;
    this.correlationId = correlationId;
    this.expectsResponse = expectsResponse;
    this.outOfBand = outOfBand;
    this.node = node;
  }

  /** A request read from a client; only the fixed header fields have been read. */
  static fromFrame(
    frame: Buffer,
    apiKey: number,
    apiVersion: number,
    correlationId: number,
    expectsResponse: boolean,
    node: NodeRef,
  ): RequestMessage {
    const message = new RequestMessage(apiKey, apiVersion, correlationId, expectsResponse, false, node);
    message.#frame = frame;
    return message;
  }

  /**
   * A request read from a client whose bytes are still arriving: `head` is its start (fixed header
   * fields read), `frameLength` its whole size. It may be sent only where the bytes go unchanged to
   * one upstream connection (SessionStage.streams), which then takes the rest through `restSink`;
   * its body cannot be decoded.
   */
  static streamed(
    head: Buffer,
    frameLength: number,
    apiKey: number,
    apiVersion: number,
    correlationId: number,
    expectsResponse: boolean,
    node: NodeRef,
  ): RequestMessage {
    const message = new RequestMessage(apiKey, apiVersion, correlationId, expectsResponse, false, node, frameLength);
    message.#frame = head;
    return message;
  }

  /** True for a request whose bytes are still arriving (see streamed()). */
  get isStreamed(): boolean {
    return this.#streamedLength > 0;
  }

  /** A request built by a plugin (or by the proxy itself). */
  static fromBody(
    header: RequestHeader,
    body: ApiMessage,
    options: { readonly outOfBand: boolean; readonly node?: NodeRef },
  ): RequestMessage {
    const apiKey = header.requestApiKey as number;
    const expectsResponse = apiKey !== 0 || (body as { acks?: number }).acks !== 0;
    const message = new RequestMessage(
      apiKey,
      header.requestApiVersion,
      header.correlationId,
      expectsResponse,
      options.outOfBand,
      options.node,
    );
    message.#header = { ...header };
    message.#body = body;
    return message;
  }

  /** True when the body has been decoded (or was built decoded). */
  get isDecoded(): boolean {
    return this.#body !== undefined;
  }

  /** The request header; reading it from the bytes costs one parse of the client id. */
  header(): RequestHeader {
    if (this.#header === undefined) {
      const read = readRequestHeader(this.#frame!);
      this.#header = {
        requestApiKey: this.apiKey as ApiKey,
        requestApiVersion: this.apiVersion,
        correlationId: this.correlationId,
        clientId: read.clientId,
      };
    }
    return this.#header;
  }

  /** The decoded body, decoded on first use. Throws DecodeError for a malformed frame. */
  body(): ApiMessage {
    if (this.#body === undefined) {
      if (this.#streamedLength > 0) throw new Error('the body of a request still arriving cannot be decoded');
      const frame = this.#frame!;
      const read = readRequestHeader(frame);
      this.#header ??= {
        requestApiKey: this.apiKey as ApiKey,
        requestApiVersion: this.apiVersion,
        correlationId: this.correlationId,
        clientId: read.clientId,
      };
      if (decodeChannel.hasSubscribers) {
        decodeChannel.publish({ direction: 'request', apiKey: this.apiKey } satisfies DecodeEvent);
      }
      this.#body = decodeRequestBody(this.apiKey, this.apiVersion, frame, read.bodyOffset) as ApiMessage;
    }
    return this.#body;
  }

  /**
   * Says the body (or the header's client id) changed: the original bytes are no longer the
   * request, and it is encoded again when it is sent. `body` replaces the body when given.
   */
  bodyChanged(body?: ApiMessage): void {
    if (body !== undefined) {
      this.header();
      this.#body = body;
    } else {
      this.body();
    }
    this.#frame = undefined;
  }

  /**
   * The frame to write on an upstream connection, carrying `correlationId`. The original bytes
   * are used as they are, with the correlation id written in place, the first time; a frame
   * already lent to one connection is copied, so that a request sent on two connections is never
   * corrupted by the first connection's id. A changed body is encoded afresh.
   */
  frameFor(correlationId: number): Buffer {
    let frame = this.#frame;
    if (frame === undefined) {
      const header = this.header();
      return encodeRequest(this.apiKey, this.apiVersion, correlationId, header.clientId, this.#body as never);
    }
    if (this.#frameLent) {
      if (this.#streamedLength > 0) throw new Error('a request still arriving can be sent only once');
      frame = Buffer.from(frame);
    } else {
      this.#frameLent = true;
    }
    frame.writeInt32BE(correlationId, 8);
    return frame;
  }

  /**
   * A streamed request whose bytes have all arrived, before any of them was sent: `frame` is the
   * whole of it, and it becomes an ordinary request (its body can be decoded).
   */
  assembled(frame: Buffer): void {
    if (this.#streamedLength === 0 || this.#frameLent || frame.length !== this.#streamedLength) {
      throw new Error('only a streamed request not yet sent can be assembled, from all of its bytes');
    }
    this.#frame = frame;
    this.#streamedLength = 0;
    this.restSink = undefined;
  }

  /** The bytes as received, when unchanged (for probes and byte-exact checks); only the head of a streamed request. */
  get originalFrame(): Buffer | undefined {
    return this.#frame;
  }

  /** Size of the request on the wire, when known without encoding. */
  get byteLength(): number {
    return this.#streamedLength || (this.#frame?.length ?? SIZE_AND_FIXED_HEADER);
  }
}
