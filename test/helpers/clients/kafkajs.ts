// kafkajs (pure JavaScript, classic protocol versions) against any bootstrap address: produce,
// consume as a group member, and admin calls, returning the shapes of common.ts.
import { readFileSync } from 'node:fs';
import { type Admin, Kafka, type Kafka as KafkaClient, logLevel, type SASLOptions } from 'kafkajs';
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

const client = 'kafkajs';

export function kafkajsClient(connection: KafkaConnection, clientId = 'switchyard-test-kafkajs'): KafkaClient {
  const { tls, sasl } = connection;
  return new Kafka({
    clientId,
    brokers: connection.bootstrapServers.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5000,
    // Enough retries to ride out a leader election or a topic being auto-created on a busy
    // machine, few enough that a refused connection fails within seconds. Authentication
    // failures are not retried at all.
    retry: { retries: 6, initialRetryTime: 200, maxRetryTime: 2000 },
    ...(tls
      ? {
          ssl: {
            // Names of the connection's own (SNI names) resolve through it; the TLS server name stays the name.
            ...(connection.hosts ? { lookup: hostsLookup(connection.hosts) } : {}),
            ca: [readFileSync(tls.caFile, 'utf8')],
            ...(tls.certFile && tls.keyFile
              ? { cert: readFileSync(tls.certFile, 'utf8'), key: readFileSync(tls.keyFile, 'utf8') }
              : {}),
          },
        }
      : {}),
    ...(sasl
      ? {
          sasl: {
            mechanism: sasl.mechanism.toLowerCase(),
            username: sasl.username,
            password: sasl.password,
          } as SASLOptions,
        }
      : {}),
  });
}

async function attempt<T>(operation: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof ClientError) throw error;
    throw new ClientError(client, operation, (error as Error).message, { cause: error });
  }
}

/**
 * Produces the records (acks=all) and returns the base offset of each partition's batch.
 * Idempotent unless told otherwise, so that a retry writes nothing twice: kafkajs fails a whole
 * broker request when any one partition in it fails (a leader still moving right after
 * CREATE_TOPICS) and sends all of it again, which without idempotence duplicates the partitions
 * that had succeeded. `idempotent: false` keeps the producer's first request a METADATA (no
 * INIT_PRODUCER_ID), for tests about how the first request is answered.
 */
export function kafkajsProduce(
  connection: KafkaConnection,
  topic: string,
  records: readonly RecordToProduce[],
  options: { readonly idempotent?: boolean } = {},
): Promise<ProducedOffset[]> {
  return attempt('produce', async () => {
    const idempotent = options.idempotent ?? true;
    const producer = kafkajsClient(connection).producer({
      allowAutoTopicCreation: true,
      ...(idempotent ? { idempotent, maxInFlightRequests: 1 } : {}),
    });
    await producer.connect();
    try {
      const metadata = await producer.send({
        topic,
        acks: -1,
        messages: records.map((r) => ({
          key: r.key ?? null,
          value: r.value,
          ...(r.headers ? { headers: { ...r.headers } } : {}),
          ...(r.partition !== undefined ? { partition: r.partition } : {}),
        })),
      });
      return metadata.map((m) => ({ topic: m.topicName, partition: m.partition, offset: Number(m.baseOffset) }));
    } finally {
      await producer.disconnect();
    }
  });
}

/** Joins `groupId` (required for kafkajs), reads from the beginning, commits, and leaves. */
export function kafkajsConsume(connection: KafkaConnection, options: ConsumeOptions): Promise<ConsumedRecord[]> {
  const groupId = options.groupId;
  if (!groupId) throw new Error('kafkajs consumes only as a group member: pass groupId');
  return attempt('consume', async () => {
    const consumer = kafkajsClient(connection).consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500 });
    const records: ConsumedRecord[] = [];
    const delivered = new Set<string>();
    await consumer.connect();
    try {
      const topics = options.pattern ? [new RegExp(options.pattern)] : [...(options.topics ?? [options.topic])];
      await consumer.subscribe({ topics, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new ClientError(client, 'consume', `timed out with ${records.length} of ${options.count} records`, {
                received: [...records].sort(byOffset),
              }),
            ),
          options.timeoutMs ?? 30_000,
        );
        consumer.on(consumer.events.CRASH, (event) => {
          // Retriable errors (a coordinator still loading) restart the consumer by themselves.
          if (event.payload.restart) return;
          clearTimeout(timer);
          reject(event.payload.error);
        });
        consumer
          .run({
            eachMessage: async ({ topic, partition, message }) => {
              if (records.length >= options.count) return;
              // A rebalance before the first commit delivers a partition again from its start
              // (at-least-once consumption): the same offset twice is one record, not two.
              const position = `${topic}/${partition}/${message.offset}`;
              if (delivered.has(position)) return;
              delivered.add(position);
              const headers: Record<string, string> = {};
              for (const [name, value] of Object.entries(message.headers ?? {})) {
                if (value !== undefined) headers[name] = String(value);
              }
              records.push({
                topic,
                partition,
                offset: Number(message.offset),
                key: message.key === null ? null : message.key.toString('utf8'),
                value: message.value === null ? null : message.value.toString('utf8'),
                headers,
                timestamp: Number(message.timestamp),
              });
              if (records.length >= options.count) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return records.sort(byOffset);
  });
}

export function kafkajsCreateTopics(connection: KafkaConnection, topics: readonly TopicToCreate[]): Promise<void> {
  return attempt('create topics', async () => {
    // Waiting for the new partitions' leaders takes longer than the fail-fast retries allow on a
    // loaded 2-core machine (UNKNOWN_TOPIC_OR_PARTITION until the controller has elected them).
    const admin = kafkajsClient(connection).admin({
      retry: { retries: 12, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    await admin.connect();
    try {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: topics.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions ?? 1,
            replicationFactor: t.replicationFactor ?? 1,
          })),
        });
      } catch (error) {
        // kafkajs gives up when the broker it asks for the new topics' leaders has not yet applied
        // the controller's records (a KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION for a moment
        // after CreateTopics succeeded). The topics exist: wait for their leaders ourselves.
        if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
        await waitForLeaders(
          admin,
          topics.map((t) => t.name),
        );
      }
    } finally {
      await admin.disconnect();
    }
  });
}

async function waitForLeaders(admin: Admin, names: readonly string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
      if (topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`the leaders of ${names.join(', ')} were not elected within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The committed offset of each partition of `topic` for `groupId` (-1 when none). */
export function kafkajsGroupOffsets(
  connection: KafkaConnection,
  groupId: string,
  topic: string,
): Promise<{ partition: number; offset: number }[]> {
  return attempt('fetch offsets', async () => {
    const admin = kafkajsClient(connection).admin();
    await admin.connect();
    try {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return (entry?.partitions ?? [])
        .map((p) => ({ partition: p.partition, offset: Number(p.offset) }))
        .sort((a, b) => a.partition - b.partition);
    } finally {
      await admin.disconnect();
    }
  });
}

/** The cluster as kafkajs sees it: brokers and controller. */
export function kafkajsDescribeCluster(
  connection: KafkaConnection,
): Promise<{ clusterId: string; controller: number | null; brokers: { id: number; host: string; port: number }[] }> {
  return attempt('describe cluster', async () => {
    const admin = kafkajsClient(connection).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      return {
        clusterId: cluster.clusterId,
        controller: cluster.controller,
        brokers: cluster.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port })).sort((a, b) => a.id - b.id),
      };
    } finally {
      await admin.disconnect();
    }
  });
}
