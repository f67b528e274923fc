// Kafka's load and verification tools run from the pinned jars: ProducerPerformance and
// ConsumerPerformance (their summary lines parsed into numbers), VerifiableProducer and
// VerifiableConsumer (their JSON event lines parsed into acknowledged / consumed offsets).
import { runJavaTool } from '../../../testbed/java.ts';
import { ClientError, type KafkaConnection, type ProducedOffset } from './common.ts';
import { writeJavaClientConfig } from './java-config.ts';
import { firstErrorLine } from './java-console.ts';

export interface ProducerPerformanceResult {
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly averageLatencyMs: number;
  readonly maxLatencyMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
}

export interface ConsumerPerformanceResult {
  readonly records: number;
  readonly megabytes: number;
  readonly megabytesPerSecond: number;
  readonly recordsPerSecond: number;
  readonly rebalanceMs: number;
  readonly fetchMs: number;
}

export interface VerifiableProducerResult {
  readonly sent: number;
  readonly acked: readonly (ProducedOffset & { readonly key: string | null; readonly value: string })[];
  readonly failed: readonly { readonly value: string; readonly exception: string; readonly message: string }[];
}

export interface VerifiableConsumerResult {
  /** Per partition: how many records were consumed and the offsets seen. */
  readonly consumed: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly count: number;
    readonly minOffset: number;
    readonly maxOffset: number;
  }[];
  /** Offsets committed successfully (the next offset to read), last commit per partition. */
  readonly committed: readonly { readonly topic: string; readonly partition: number; readonly offset: number }[];
}

async function withConfig<T>(connection: KafkaConnection, action: (configFile: string) => Promise<T>): Promise<T> {
  const config = writeJavaClientConfig(connection);
  try {
    return await action(config.file);
  } finally {
    config.dispose();
  }
}

/** `kafka-producer-perf-test`: sends `records` records of `recordSize` bytes as fast as allowed. */
export function javaProducerPerformance(
  connection: KafkaConnection,
  options: {
    topic: string;
    records: number;
    /** Bytes per record; or `'monotonic'`: record i carries the decimal string of i. */
    recordSize: number | 'monotonic';
    throughput?: number;
    /** Producer properties beyond acks=all, e.g. `{ 'enable.idempotence': 'true' }`. */
    producerProps?: Readonly<Record<string, string>>;
    timeoutMs?: number;
  },
): Promise<ProducerPerformanceResult> {
  return withConfig(connection, async (configFile) => {
    const result = await runJavaTool(
      'org.apache.kafka.tools.ProducerPerformance',
      [
        '--bootstrap-server',
        connection.bootstrapServers,
        '--command-config',
        configFile,
        '--topic',
        options.topic,
        '--num-records',
        String(options.records),
        ...(options.recordSize === 'monotonic'
          ? ['--payload-monotonic']
          : ['--record-size', String(options.recordSize)]),
        '--throughput',
        String(options.throughput ?? -1),
        '--producer-props',
        'acks=all',
        ...Object.entries(options.producerProps ?? {}).map(([name, value]) => `${name}=${value}`),
      ],
      { timeoutMs: options.timeoutMs ?? 120_000 },
    );
    // "1000 records sent, 2288.3 records/sec (0.22 MB/sec), 46.65 ms avg latency, 379.00 ms max
    // latency, 50 ms 50th, 61 ms 95th, 65 ms 99th, 379 ms 99.9th."
    const summary = result.stdout.split('\n').find((line) => line.includes('99.9th'));
    const numbers = summary?.match(/[\d.]+/g)?.map(Number);
    if (result.exitCode !== 0 || !numbers || numbers.length < 10) {
      throw new ClientError('producer-perf-test', 'produce', firstErrorLine(result.stderr, result.exitCode), {
        output: result.stderr,
      });
    }
    const [
      records,
      recordsPerSecond,
      megabytesPerSecond,
      averageLatencyMs,
      maxLatencyMs,
      p50Ms,
      p95Ms,
      p99Ms,
      ,
      p999Ms,
    ] = numbers as [number, number, number, number, number, number, number, number, number, number];
    return {
      records,
      recordsPerSecond,
      megabytesPerSecond,
      averageLatencyMs,
      maxLatencyMs,
      p50Ms,
      p95Ms,
      p99Ms,
      p999Ms,
    };
  });
}

/** `kafka-consumer-perf-test`: reads `records` records from the beginning of the topic. */
export function javaConsumerPerformance(
  connection: KafkaConnection,
  options: { topic: string; records: number; groupId?: string; timeoutMs?: number },
): Promise<ConsumerPerformanceResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return withConfig(connection, async (configFile) => {
    const result = await runJavaTool(
      'org.apache.kafka.tools.ConsumerPerformance',
      [
        '--bootstrap-server',
        connection.bootstrapServers,
        '--command-config',
        configFile,
        '--topic',
        options.topic,
        '--num-records',
        String(options.records),
        '--timeout',
        String(Math.max(1000, timeoutMs - 5000)),
        '--hide-header',
        ...(options.groupId ? ['--group', options.groupId] : []),
      ],
      { timeoutMs },
    );
    // "start, end, MB, MB/s, records, records/s, rebalance ms, fetch ms, fetch MB/s, fetch records/s"
    const line = result.stdout.split('\n').find((l) => l.split(',').length >= 10);
    const cells = line?.split(',').map((cell) => Number(cell.trim()));
    if (result.exitCode !== 0 || !cells) {
      throw new ClientError('consumer-perf-test', 'consume', firstErrorLine(result.stderr, result.exitCode), {
        output: result.stderr,
      });
    }
    const [, , megabytes = 0, megabytesPerSecond = 0, records = 0, recordsPerSecond = 0, rebalanceMs = 0, fetchMs = 0] =
      cells;
    return { records, megabytes, megabytesPerSecond, recordsPerSecond, rebalanceMs, fetchMs };
  });
}

function jsonEvents(stdout: string): { name: string; [field: string]: unknown }[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { name: string });
}

/** `VerifiableProducer`: sends values "0".."n-1" and reports each acknowledgement or failure. */
export function javaVerifiableProducer(
  connection: KafkaConnection,
  options: {
    topic: string;
    messages: number;
    acks?: 'all' | 0 | 1;
    /** Records per second; default unlimited. */
    throughput?: number;
    timeoutMs?: number;
  },
): Promise<VerifiableProducerResult> {
  return withConfig(connection, async (configFile) => {
    const result = await runJavaTool(
      'org.apache.kafka.tools.VerifiableProducer',
      [
        '--bootstrap-server',
        connection.bootstrapServers,
        '--command-config',
        configFile,
        '--topic',
        options.topic,
        '--max-messages',
        String(options.messages),
        '--acks',
        String(options.acks === 'all' || options.acks === undefined ? -1 : options.acks),
        ...(options.throughput !== undefined ? ['--throughput', String(options.throughput)] : []),
      ],
      { timeoutMs: options.timeoutMs ?? 60_000 },
    );
    const events = jsonEvents(result.stdout);
    const summary = events.find((e) => e.name === 'tool_data') as { sent?: number } | undefined;
    if (result.exitCode !== 0 || !summary) {
      throw new ClientError('verifiable-producer', 'produce', firstErrorLine(result.stderr, result.exitCode), {
        output: result.stderr,
      });
    }
    type Success = { topic: string; partition: number; offset: number; key: string | null; value: string };
    type Failure = { value: string; exception: string; message: string };
    return {
      sent: summary.sent ?? 0,
      acked: events
        .filter((e) => e.name === 'producer_send_success')
        .map((e) => e as unknown as Success)
        .map(({ topic, partition, offset, key, value }) => ({ topic, partition, offset, key, value })),
      failed: events
        .filter((e) => e.name === 'producer_send_error')
        .map((e) => e as unknown as Failure)
        .map(({ value, exception, message }) => ({ value, exception, message })),
    };
  });
}

/**
 * `VerifiableConsumer`: joins `groupId`, reads from the earliest offset, commits after each batch,
 * and stops after `messages` records.
 */
export function javaVerifiableConsumer(
  connection: KafkaConnection,
  options: { topic: string; groupId: string; messages: number; timeoutMs?: number },
): Promise<VerifiableConsumerResult> {
  return withConfig(connection, async (configFile) => {
    const result = await runJavaTool(
      'org.apache.kafka.tools.VerifiableConsumer',
      [
        '--bootstrap-server',
        connection.bootstrapServers,
        '--command-config',
        configFile,
        '--topic',
        options.topic,
        '--group-id',
        options.groupId,
        '--max-messages',
        String(options.messages),
        '--reset-policy',
        'earliest',
      ],
      { timeoutMs: options.timeoutMs ?? 60_000 },
    );
    const events = jsonEvents(result.stdout);
    type PartitionCount = { topic: string; partition: number; count: number; minOffset: number; maxOffset: number };
    type Committed = { topic: string; partition: number; offset: number };
    const consumed = new Map<string, PartitionCount>();
    const committed = new Map<string, Committed>();
    for (const event of events) {
      if (event.name === 'records_consumed') {
        for (const p of event.partitions as PartitionCount[]) {
          const key = `${p.topic}/${p.partition}`;
          const seen = consumed.get(key);
          consumed.set(key, {
            topic: p.topic,
            partition: p.partition,
            count: (seen?.count ?? 0) + p.count,
            minOffset: Math.min(seen?.minOffset ?? p.minOffset, p.minOffset),
            maxOffset: Math.max(seen?.maxOffset ?? p.maxOffset, p.maxOffset),
          });
        }
      } else if (event.name === 'offsets_committed' && event.success === true) {
        for (const o of event.offsets as Committed[]) {
          committed.set(`${o.topic}/${o.partition}`, { topic: o.topic, partition: o.partition, offset: o.offset });
        }
      }
    }
    const total = [...consumed.values()].reduce((sum, p) => sum + p.count, 0);
    if (result.exitCode !== 0 || total < options.messages) {
      throw new ClientError(
        'verifiable-consumer',
        'consume',
        `consumed ${total} of ${options.messages} records: ${firstErrorLine(result.stderr, result.exitCode)}`,
        { output: result.stderr },
      );
    }
    const order = (a: { topic: string; partition: number }, b: { topic: string; partition: number }) =>
      a.topic.localeCompare(b.topic) || a.partition - b.partition;
    return { consumed: [...consumed.values()].sort(order), committed: [...committed.values()].sort(order) };
  });
}
