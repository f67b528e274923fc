// Request frames for the raw connection tests, and reading their responses.
import {
  ApiKey,
  codecsFor,
  decodeResponseBody,
  encodeRequest,
  type FetchRequest,
  type FetchResponse,
  type ProduceResponse,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { encodeRecordBatch } from '../../../src/protocol/records/index.ts';

export const PRODUCE_VERSION = 9;
export const FETCH_VERSION = 12;

export async function recordBatch(values: readonly string[]): Promise<Buffer> {
  const now = BigInt(Date.now());
  return encodeRecordBatch({
    baseOffset: 0n,
    partitionLeaderEpoch: -1,
    compression: 'none',
    timestampType: 'CreateTime',
    isTransactional: false,
    isControl: false,
    hasDeleteHorizon: false,
    lastOffsetDelta: values.length - 1,
    baseTimestamp: now,
    maxTimestamp: now,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    records: values.map((value, i) => ({
      attributes: 0,
      timestampDelta: 0n,
      offsetDelta: i,
      key: null,
      value: Buffer.from(value),
      headers: [],
    })),
  });
}

export async function produceFrame(
  correlationId: number,
  topic: string,
  values: readonly string[],
  options: { acks?: number; clientId?: string } = {},
): Promise<Buffer> {
  return encodeRequest(ApiKey.PRODUCE, PRODUCE_VERSION, correlationId, options.clientId ?? 'raw', {
    transactionalId: null,
    acks: options.acks ?? -1,
    timeoutMs: 5000,
    topicData: [
      {
        name: topic,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        partitionData: [{ index: 0, records: await recordBatch(values) }],
      },
    ],
  });
}

export function fetchFrame(correlationId: number, topic: string, maxBytes = 1024 * 1024): Buffer {
  const request = codecsFor(ApiKey.FETCH)!.request.defaults() as FetchRequest;
  request.replicaId = -1;
  request.maxWaitMs = 100;
  request.minBytes = 1;
  request.maxBytes = maxBytes;
  request.sessionEpoch = -1;
  request.topics = [
    {
      topic,
      topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      partitions: [
        {
          partition: 0,
          currentLeaderEpoch: -1,
          fetchOffset: 0n,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: maxBytes,
        },
      ],
    },
  ];
  return encodeRequest(ApiKey.FETCH, FETCH_VERSION, correlationId, 'raw', request);
}

function body<T>(apiKey: number, version: number, frame: Buffer): T {
  const header = readResponseHeader(frame, responseHeaderVersion(apiKey, version));
  return decodeResponseBody(apiKey, version, frame, header.bodyOffset) as T;
}

/** Error code and base offset of the single partition of a produce response. */
export function producePartition(frame: Buffer): { errorCode: number; baseOffset: bigint } {
  const response = body<ProduceResponse>(ApiKey.PRODUCE, PRODUCE_VERSION, frame);
  const partition = response.responses[0]!.partitionResponses[0]!;
  return { errorCode: partition.errorCode, baseOffset: partition.baseOffset };
}

export function fetchPartition(frame: Buffer): { errorCode: number; records: Buffer | null } {
  const response = body<FetchResponse>(ApiKey.FETCH, FETCH_VERSION, frame);
  const partition = response.responses[0]!.partitions[0]!;
  return { errorCode: partition.errorCode, records: partition.records };
}
