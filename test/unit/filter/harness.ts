// A filter chain in front of a fake route, driven without sockets: tests hand it request frames,
// answer from the fake route, and read what reached the route and the client's replies.
import { type ChainMember, type ClientTls, chainProbes, FilterChain } from '../../../src/filter/chain.ts';
import type { Filter, FilterFactory, FilterMetrics } from '../../../src/filter/index.ts';
import type { Logger } from '../../../src/observability/logger.ts';
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
import { type ClientRequest, parseClientRequest } from '../../../src/proxy/session/client-request.ts';
import type { ClientSession, SessionCloseCause } from '../../../src/proxy/session/client-session.ts';
import type { Reply } from '../../../src/proxy/session/reply.ts';

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

export interface Forwarded {
  readonly request: ClientRequest;
  readonly reply: Reply;
}

export function fakeSession(id = 'session-1'): ClientSession & { failed: string[] } {
  const failed: string[] = [];
  return {
    id,
    logger: silent,
    failed,
    failAfter: (_slot: unknown, _cause: SessionCloseCause, message: string) => failed.push(message),
    markAuthenticated: () => {},
  } as unknown as ClientSession & { failed: string[] };
}

/** A chain of `filters` (one factory per filter, created per session) in front of a recording route. */
export function chainOf(filters: (() => Filter)[], timeoutMs = 20_000, tls?: ClientTls) {
  const forwarded: Forwarded[] = [];
  const errors: string[] = [];
  const decodes: string[] = [];
  chainProbes.onDecode = (direction, apiKey) => decodes.push(`${direction}:${apiKey}`);
  const members: ChainMember[] = filters.map((create, index) => {
    const factory: FilterFactory = { initialize: () => undefined, createFilter: () => create() };
    return { name: `f${index}`, factory, initData: undefined, metrics: noMetrics };
  });
  const chain = new FilterChain({
    virtualCluster: 'vc',
    members,
    next: {
      dispatch: (_session, request, reply) => forwarded.push({ request, reply }),
      sessionClosed: () => {},
    },
    timeoutMs,
    onError: (filter, error) => errors.push(`${filter}:${error}`),
    tlsOf: () => tls,
  });
  return { chain, forwarded, errors, decodes };
}

export function send(chain: FilterChain, session: ClientSession, frame: Buffer): ReplyRecord {
  const request = parseClientRequest(frame);
  const record: ReplyRecord = {
    reply: {
      expectsResponse: request.expectsResponse,
      respond: (f, closeWith) => record.frames.push({ frame: f, closeWith }),
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

export function decodedRequest(request: ClientRequest): Record<string, unknown> {
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
