// @platformatic/kafka (pure TypeScript, modern protocol versions) against any bootstrap address:
// produce, consume as a group member, and admin calls, returning the shapes of common.ts.
import { readFileSync } from 'node:fs';
import { Admin, type BaseOptions, Consumer, Producer } from '@platformatic/kafka';
import {
  byOffset,
  ClientError,
  type ConsumedRecord,
  type ConsumeOptions,
  type KafkaConnection,
  type ProducedOffset,
  type RecordToProduce,
  type TopicToCreate,
} from './common.ts';
import { hostsLookup } from './hosts-lookup.ts';

const client = '@platformatic/kafka';

export function platformaticOptions(
  connection: KafkaConnection,
  clientId = 'switchyard-test-platformatic',
): BaseOptions {
  const { tls, sasl } = connection;
  return {
    clientId,
    bootstrapBrokers: connection.bootstrapServers.split(','),
    connectTimeout: 5000,
    // Enough retries to ride out a leader election or a topic being auto-created on a busy
    // machine, few enough that a refused connection fails within seconds.
    retries: 6,
    retryDelay: 250,
    ...(tls
      ? {
          // Names of the connection's own (SNI names) resolve through it; each is sent as the TLS server name.
          ...(connection.hosts ? { tlsServerName: true } : {}),
          tls: {
            ...(connection.hosts ? { lookup: hostsLookup(connection.hosts) } : {}),
            ca: readFileSync(tls.caFile, 'utf8'),
            ...(tls.certFile && tls.keyFile
              ? { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') }
              : {}),
          },
        }
      : {}),
    ...(sasl ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } } : {}),
  };
}

async function attempt<T>(operation: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ClientError) throw error;
    throw new ClientError(client, operation, describe(error), { cause: error });
  }
}

// The library wraps causes in aggregate errors and `cause` chains; the innermost messages say what
// happened (e.g. the SASL failure behind "Cannot connect to any broker"). Repeats are dropped.
function describe(error: unknown): string {
  const messages = new Set<string>();
  const visit = (e: unknown) => {
    if (!(e instanceof Error)) return;
    messages.add(e.message);
    for (const inner of (e as Error & { errors?: unknown[] }).errors ?? []) visit(inner);
    visit(e.cause);
  };
  visit(error);
  return [...messages].join(' <- ');
}

const text = (buffer: Buffer | null | undefined) =>
  buffer === null || buffer === undefined ? null : buffer.toString('utf8');

/**
 * Produces the records (acks=all) and returns the offset reported for each partition. Idempotent,
 * as the kafkajs helper is and for the same reason: a retry sends a broker's whole request again
 * when one of its partitions failed, which would write the others twice.
 */
export function platformaticProduce(
  connection: KafkaConnection,
  topic: string,
  records: readonly RecordToProduce[],
): Promise<ProducedOffset[]> {
  return attempt('produce', async () => {
    const producer = new Producer({ ...platformaticOptions(connection), autocreateTopics: true, idempotent: true });
    try {
      const result = await producer.send({
        acks: -1,
        messages: records.map((r) => ({
          topic,
          ...(r.key !== undefined && r.key !== null ? { key: Buffer.from(r.key) } : {}),
          ...(r.value !== null ? { value: Buffer.from(r.value) } : {}),
          ...(r.headers
            ? { headers: new Map(Object.entries(r.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) }
            : {}),
          ...(r.partition !== undefined ? { partition: r.partition } : {}),
        })),
      });
      return (result.offsets ?? []).map((o) => ({ topic: o.topic, partition: o.partition, offset: Number(o.offset) }));
    } finally {
      await producer.close();
    }
  });
}

/** Joins `groupId` (required), reads from the committed offset or the beginning, commits, and leaves. */
export function platformaticConsume(connection: KafkaConnection, options: ConsumeOptions): Promise<ConsumedRecord[]> {
  const groupId = options.groupId;
  if (!groupId) throw new Error('@platformatic/kafka consumes only as a group member: pass groupId');
  if (options.pattern) throw new Error('@platformatic/kafka subscribes to topic lists only: pass topics');
  return attempt('consume', async () => {
    const consumer = new Consumer({
      ...platformaticOptions(connection),
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
    });
    const records: ConsumedRecord[] = [];
    try {
      const stream = await consumer.consume({
        topics: [...(options.topics ?? [options.topic])],
        mode: 'committed',
        fallbackMode: 'earliest',
        autocommit: false,
      });
      const timer = setTimeout(() => void stream.close(), options.timeoutMs ?? 30_000);
      try {
        for await (const message of stream) {
          const headers: Record<string, string> = {};
          for (const [name, value] of message.headers) headers[name.toString('utf8')] = value.toString('utf8');
          records.push({
            topic: message.topic,
            partition: message.partition,
            offset: Number(message.offset),
            key: text(message.key),
            value: text(message.value),
            headers,
            timestamp: Number(message.timestamp),
          });
          await message.commit();
          if (records.length >= options.count) break;
        }
      } finally {
        clearTimeout(timer);
        await stream.close();
      }
    } finally {
      await consumer.close(true);
    }
    if (records.length < options.count) {
      throw new ClientError(client, 'consume', `timed out with ${records.length} of ${options.count} records`, {
        received: records.sort(byOffset),
      });
    }
    return records.sort(byOffset);
  });
}

export function platformaticCreateTopics(connection: KafkaConnection, topics: readonly TopicToCreate[]): Promise<void> {
  return attempt('create topics', async () => {
    const admin = new Admin(platformaticOptions(connection));
    try {
      // One call per topic: the API takes one partition count and replication factor for all.
      for (const topic of topics) {
        await admin.createTopics({
          topics: [topic.name],
          partitions: topic.partitions ?? 1,
          replicas: topic.replicationFactor ?? 1,
        });
      }
    } finally {
      await admin.close();
    }
  });
}

/** The committed offset of each partition of `topic` for `groupId`. */
export function platformaticGroupOffsets(
  connection: KafkaConnection,
  groupId: string,
  topic: string,
): Promise<{ partition: number; offset: number }[]> {
  return attempt('list group offsets', async () => {
    const admin = new Admin(platformaticOptions(connection));
    try {
      const [group] = await admin.listConsumerGroupOffsets({ groups: [groupId] });
      const partitions = group?.topics.find((t) => t.name === topic)?.partitions ?? [];
      return partitions
        .map((p) => ({ partition: p.partitionIndex, offset: Number(p.committedOffset) }))
        .sort((a, b) => a.partition - b.partition);
    } finally {
      await admin.close();
    }
  });
}
