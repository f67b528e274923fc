// ProtocolLogger: one log line per request with api key, version, body sizes and latency, for
// debugging a client's conversation with the cluster. It never logs message contents.

import type {
  ApiMessage,
  Filter,
  FilterContext,
  FilterFactory,
  FilterInterest,
  ResponseHeader,
} from '../filter/index.ts';
import { FilterResults } from '../filter/index.ts';
import { ApiKey } from '../protocol/generated/api-keys.ts';
import { codecsFor } from '../protocol/generated/codecs.ts';
import { apiKeyName } from '../protocol/index.ts';

export interface ProtocolLoggerConfig {
  /** Log level of the lines. */
  readonly level: 'debug' | 'info';
  /** Kafka API names (e.g. PRODUCE) to log; absent = every API. */
  readonly apis?: readonly string[];
}

interface InitData {
  readonly level: 'debug' | 'info';
  readonly interests: readonly FilterInterest[] | undefined;
}

interface InFlight {
  readonly started: number;
  readonly requestBytes: number;
}

const API_NAMES = Object.keys(ApiKey);

/** The encoded size of a body: what the client sent or received, headers excluded. */
function sizeOf(apiKey: number, version: number, side: 'request' | 'response', body: ApiMessage): number {
  return codecsFor(apiKey)![side].size(body, version);
}

class ProtocolLoggerFilter implements Filter {
  readonly interests: readonly FilterInterest[] | undefined;
  readonly #level: 'debug' | 'info';
  /** Requests awaiting their response, by the client's correlation id. */
  readonly #inFlight = new Map<number, InFlight>();

  constructor(init: InitData) {
    this.interests = init.interests;
    this.#level = init.level;
  }

  onRequest(
    apiKey: ApiKey,
    header: { requestApiVersion: number; correlationId: number },
    request: ApiMessage,
    context: FilterContext,
  ) {
    const requestBytes = sizeOf(apiKey, header.requestApiVersion, 'request', request);
    if (apiKey === ApiKey.PRODUCE && (request as { acks: number }).acks === 0) {
      // No response will come: log now.
      context.logger[this.#level]('kafka request', {
        api: apiKeyName(apiKey),
        apiVersion: header.requestApiVersion,
        correlationId: header.correlationId,
        requestBytes,
      });
    } else {
      this.#inFlight.set(header.correlationId, { started: performance.now(), requestBytes });
    }
    return FilterResults.forward();
  }

  onResponse(apiKey: ApiKey, apiVersion: number, header: ResponseHeader, response: ApiMessage, context: FilterContext) {
    const request = this.#inFlight.get(header.correlationId);
    this.#inFlight.delete(header.correlationId);
    context.logger[this.#level]('kafka request', {
      api: apiKeyName(apiKey),
      apiVersion,
      correlationId: header.correlationId,
      requestBytes: request?.requestBytes,
      responseBytes: sizeOf(apiKey, apiVersion, 'response', response),
      latencyMs: request === undefined ? undefined : Math.round((performance.now() - request.started) * 1000) / 1000,
    });
    return FilterResults.forward();
  }
}

export const ProtocolLogger: FilterFactory<ProtocolLoggerConfig | null, InitData> = {
  configSchema: {
    type: ['object', 'null'],
    additionalProperties: false,
    properties: {
      level: { enum: ['debug', 'info'], default: 'info' },
      apis: { type: 'array', items: { enum: API_NAMES }, uniqueItems: true },
    },
  },
  initialize(_context, config) {
    const apis = config?.apis;
    return {
      level: config?.level ?? 'info',
      interests: apis === undefined ? undefined : apis.map((name) => ApiKey[name as keyof typeof ApiKey]),
    };
  },
  createFilter(_context, init) {
    return new ProtocolLoggerFilter(init);
  },
};
