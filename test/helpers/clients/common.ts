// Shapes shared by every client helper, so a test can swap one client for another, and the error
// every helper throws when its client fails.
export type { KafkaConnection } from '../../../testbed/index.ts';

export interface RecordToProduce {
  readonly key?: string | null;
  /** null produces a tombstone. */
  readonly value: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  /** Default: the client's partitioner decides. */
  readonly partition?: number;
}

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

/** Where a produced record (or batch) landed, when the client reports it. */
export interface ProducedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface ConsumeOptions {
  readonly topic: string;
  /** Subscribe (as a group member) to these topics instead of `topic` alone. */
  readonly topics?: readonly string[];
  /** Subscribe (as a group member) to the topics matching this regular expression instead. */
  readonly pattern?: string;
  /** Consume as a member of this consumer group (committing offsets); without it, no group. */
  readonly groupId?: string;
  /** Stop after this many records. */
  readonly count: number;
  /** Fail if `count` records have not arrived by then. Default 30 s. */
  readonly timeoutMs?: number;
}

export interface TopicToCreate {
  readonly name: string;
  readonly partitions?: number;
  readonly replicationFactor?: number;
}

/** A client failed: connection, authentication, timeout, or an error code from Kafka. */
export class ClientError extends Error {
  readonly client: string;
  readonly operation: string;
  /** Records received before the failure, for consume operations. */
  readonly received: readonly ConsumedRecord[];
  /** The client's own diagnostic output (stderr of command-line clients), if any. */
  readonly output: string;

  constructor(
    client: string,
    operation: string,
    message: string,
    details: { received?: readonly ConsumedRecord[]; output?: string; cause?: unknown } = {},
  ) {
    super(`${client} ${operation}: ${message}`, { cause: details.cause });
    this.name = 'ClientError';
    this.client = client;
    this.operation = operation;
    this.received = details.received ?? [];
    this.output = details.output ?? '';
  }
}

export function byOffset(a: ConsumedRecord, b: ConsumedRecord): number {
  return a.partition - b.partition || a.offset - b.offset;
}
