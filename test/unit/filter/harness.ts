// A filter chain in front of a fake route, driven without sockets: tests hand it request frames,
// answer from the fake route, and read what reached the route and the client's replies.
import { subscribe } from 'node:diagnostics_channel';
import { type ChainMember, FilterChain } from '../../../src/filter/chain.ts';
import type { Filter, FilterFactory, FilterMetrics } from '../../../src/filter/index.ts';
import type { Logger } from '../../../src/observability/logger.ts';
import type { DecodeEvent } from '../../../src/pipeline/diagnostics.ts';
import type { Reply, SessionCloseCause } from '../../../src/pipeline/reply.ts';
import type { RequestMessage } from '../../../src/pipeline/request-message.ts';
import { ResponseMessage } from '../../../src/pipeline/response-message.ts';
import type { ClientTls, SessionHandle, SessionStage } from '../../../src/pipeline/stage.ts';
import { ANONYMOUS } from '../../../src/pipeline/types.ts';
import {
  ApiKey,
  decodeRequestBody,
  decodeResponseBody,
  encodeRequest,
  encodeResponse,
  readRequestHeader,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { readClientRequest } from '../../../src/proxy/session/client-request.ts';
import { DEFAULT_TLS_IDENTITY } from '../../../src/security/tls-principal.ts';

export const PRODUCE_VERSION = 9;
export const CREATE_TOPICS_VERSION = 7;

const silent: Logger = {
  isLevelEnabled: () => false,
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

const noMetrics: FilterMetrics = {
  counter: () => ({ inc: () => {} }),
  histogram: () => ({ observe: () => {} }),
};

/** What the client of one request got back. */
export interface ReplyRecord {
  readonly reply: Reply;
  frames: { frame: Buffer; closeWith: SessionCloseCause | undefined }[];
  failures: { cause: SessionCloseCause; message: string }[];
}

/** A request as it reached the fake route: its bytes (encoded again when a filter changed it). */
export interface ForwardedRequest {
  readonly message: RequestMessage;
  readonly frame: Buffer;
  readonly correlationId: number;
  readonly apiKey: number;
  readonly apiVersion: number;
}

export interface Forwarded {
  readonly request: ForwardedRequest;
  readonly reply: Reply;
}

export type FakeSession = SessionHandle & { failed: string[] };

export function fakeSession(id = 'session-1'): FakeSession {
  const failed: string[] = [];
  return {
    id,
    binding: { kind: 'bootstrap' },
    logger: silent,
    clientTls: undefined,
    isOpen: true,
    subject: ANONYMOUS,
    failed,
    failAfter: (_cause: SessionCloseCause, message: string) => failed.push(message),
    markAuthenticated: () => {},
    onClientWritable: () => () => {},
    upstreamCongestion: () => {},
  };
}

/** The fake route answers a forwarded request with a response frame. */
export function answer(forwarded: Forwarded, frame: Buffer): void {
  const { apiKey, apiVersion } = forwarded.request;
  forwarded.reply.respond(ResponseMessage.fromFrame(apiKey, apiVersion, frame));
}

/** A chain under test: the stage opened once per session, as a client session does. */
export class ChainUnderTest {
  readonly stage: FilterChain;
  readonly #tls: ClientTls | undefined;
  readonly #opened = new Map<SessionHandle, SessionStage>();

  constructor(stage: FilterChain, tls: ClientTls | undefined) {
    this.stage = stage;
    this.#tls = tls;
  }

  dispatch(session: SessionHandle, message: RequestMessage, reply: Reply): void {
    let opened = this.#opened.get(session);
    if (opened === undefined) {
      if (this.#tls !== undefined) {
        Object.assign(session, { clientTls: this.#tls, subject: DEFAULT_TLS_IDENTITY.subjectOf(this.#tls) });
      }
      opened = this.stage.open(session);
      this.#opened.set(session, opened);
    }
    opened.dispatch(message, reply);
  }

  sessionClosed(session: SessionHandle): void {
    this.#opened.get(session)?.close();
    this.#opened.delete(session);
  }

  instancesClosed(): Promise<void> {
    return this.stage.instancesClosed();
  }
}

/** A chain of `filters` (one factory per filter, created per session) in front of a recording route. */
export function chainOf(filters: (() => Filter)[], timeoutMs = 20_000, tls?: ClientTls) {
  const forwarded: Forwarded[] = [];
  const errors: string[] = [];
  const decodes: string[] = [];
  const onDecode = (event: unknown): void => {
    const { direction, apiKey } = event as DecodeEvent;
    decodes.push(`${direction}:${apiKey}`);
  };
  // Each chain records into its own list; tests of one file run one at a time.
  subscribe('switchyard:decode', onDecode);
  const members: ChainMember[] = filters.map((create, index) => {
    const factory: FilterFactory = { initialize: () => undefined, createFilter: () => create() };
    return { name: `f${index}`, factory, initData: undefined, metrics: noMetrics };
  });
  const stage = new FilterChain({
    virtualCluster: 'vc',
    scope: 'virtualCluster',
    members,
    next: {
      open: () => ({
        dispatch: (message, reply) =>
          forwarded.push({
            request: {
              message,
              get frame() {
                return message.originalFrame ?? message.frameFor(message.correlationId);
              },
              correlationId: message.correlationId,
              apiKey: message.apiKey,
              apiVersion: message.apiVersion,
            },
            reply,
          }),
        close: () => {},
      }),
    },
    timeoutMs,
    onError: (filter, error) => errors.push(`${filter}:${error}`),
  });
  return { chain: new ChainUnderTest(stage, tls), forwarded, errors, decodes };
}

/** Sends `frame` as the client would; `node` is the broker the request is addressed to, if any. */
export function send(chain: ChainUnderTest, session: SessionHandle, frame: Buffer, node?: number): ReplyRecord {
  const request = readClientRequest(frame, node);
  const record: ReplyRecord = {
    reply: {
      expectsResponse: request.expectsResponse,
      respond: (response, closeWith) => {
        if (response !== undefined) record.frames.push({ frame: response.frameFor(request.correlationId), closeWith });
      },
      fail: (cause, message) => record.failures.push({ cause, message }),
    },
    frames: [],
    failures: [],
  };
  chain.dispatch(session, request, record.reply);
  return record;
}

export function produceFrame(correlationId: number, topic: string, acks = -1): Buffer {
  return encodeRequest(ApiKey.PRODUCE, PRODUCE_VERSION, correlationId, 'client', {
    transactionalId: null,
    acks,
    timeoutMs: 1000,
    topicData: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitionData: [{ index: 0, records: null }] }],
  });
}

export function createTopicsFrame(correlationId: number, topic: string): Buffer {
  return encodeRequest(ApiKey.CREATE_TOPICS, CREATE_TOPICS_VERSION, correlationId, 'client', {
    topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 1000,
    validateOnly: false,
  });
}

export function createTopicsResponseFrame(correlationId: number, topic: string): Buffer {
  return encodeResponse(ApiKey.CREATE_TOPICS, CREATE_TOPICS_VERSION, correlationId, {
    throttleTimeMs: 0,
    topics: [
      {
        name: topic,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        errorCode: 0,
        errorMessage: null,
        numPartitions: 1,
        replicationFactor: 1,
        configs: [],
      },
    ],
  });
}

export function produceResponseFrame(correlationId: number, topic: string, baseOffset = 0n): Buffer {
  return encodeResponse(ApiKey.PRODUCE, PRODUCE_VERSION, correlationId, {
    responses: [
      {
        name: topic,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        partitionResponses: [
          {
            index: 0,
            errorCode: 0,
            baseOffset,
            logAppendTimeMs: -1n,
            logStartOffset: 0n,
            recordErrors: [],
            errorMessage: null,
          },
        ],
      },
    ],
    throttleTimeMs: 0,
  });
}

export function decodedRequest(request: ForwardedRequest): Record<string, unknown> {
  return decodeRequestBody(
    request.apiKey,
    request.apiVersion,
    request.frame,
    readRequestHeader(request.frame).bodyOffset,
  ) as Record<string, unknown>;
}

export function decodedResponse(apiKey: number, version: number, frame: Buffer): Record<string, unknown> {
  const header = readResponseHeader(frame, responseHeaderVersion(apiKey, version));
  return decodeResponseBody(apiKey, version, frame, header.bodyOffset) as Record<string, unknown>;
}

/** Resolves after every pending promise continuation has run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves once `condition` holds, checking after each turn of the event loop. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await settle();
}
