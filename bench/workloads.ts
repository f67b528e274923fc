// The workloads. Each one runs a single measurement against one target and returns flat, named
// figures; the runner (run.ts) schedules the rounds and the comparisons turn figures of two targets
// measured in the same round into ratios and differences.

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';
import { type Broker, partitions } from './broker.ts';
import { benchClasses, benchDir, javaSources, kafkaClasspath, runJava, type ToolResult } from './java.ts';
import { KafkaWireConnection } from './kafka-wire.ts';
import { cpuSeconds, peakRssMb, resetPeakRss } from './proc.ts';
import { quantile, round } from './stats.ts';
import type { Target, TargetName } from './targets.ts';

export const workloadNames = ['produce', 'consume', 'fixedRate', 'latency', 'connections', 'routed'] as const;
export type WorkloadName = (typeof workloadNames)[number];

export type Figures = Record<string, number>;

export interface Settings {
  readonly rounds: number;
  /** Records per produce run and records read per consume run. */
  readonly records: number;
  /** Records produced and consumed through each proxy before measuring, so JITs are warm. */
  readonly warmupRecords: number;
  readonly fixedRateSeconds: number;
  readonly latencyWarmup: number;
  readonly latencyRecords: number;
  readonly connections: number;
  readonly connectionSeconds: number;
  /** Upper bound of one run; a run that takes longer is killed and recorded as failed. */
  readonly runTimeoutMs: number;
}

export const recordSize = 1024;
const mib = 1024 * 1024;
const gib = 1024 * mib;

export interface MetricInfo {
  readonly key: string;
  readonly label: string;
}

/** One figure of one target compared with the same figure of another, per round. */
export interface Comparison {
  readonly key: string;
  readonly metric: string;
  readonly of: TargetName;
  readonly to: TargetName;
  /** ratio: of / to; difference: of - to. */
  readonly kind: 'ratio' | 'difference';
}

export interface WorkloadContext {
  readonly broker: Broker;
  readonly settings: Settings;
  readonly admin: Admin;
  /** Saturation produce rate of the direct target (records/s), once the produce workload has run. */
  directSaturation: number[];
  log(message: string): void;
}

export interface Workload {
  readonly name: WorkloadName;
  parameters(settings: Settings): Record<string, unknown>;
  readonly metrics: readonly MetricInfo[];
  readonly comparisons: readonly Comparison[];
  prepare?(context: WorkloadContext): Promise<void>;
  run(target: Target, roundIndex: number, context: WorkloadContext): Promise<Figures>;
}

const proxies = ['relay', 'switchyard', 'reference'] as const;

function versus(
  metric: string,
  kind: 'ratio' | 'difference',
  pairs: readonly [TargetName, TargetName][],
): Comparison[] {
  return pairs.map(([of, to]) => ({ key: `${metric}:${of}/${to}`, metric, of, to, kind }));
}

const throughputPairs: [TargetName, TargetName][] = [
  ['switchyard', 'direct'],
  ['switchyard', 'relay'],
  ['switchyard', 'reference'],
  ['relay', 'direct'],
  ['reference', 'direct'],
];
const addedPairs: [TargetName, TargetName][] = proxies.map((proxy) => [proxy, 'direct']);

function toolFailure(what: string, result: ToolResult): Error {
  const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-8).join('\n');
  return new Error(`${what} ${result.description}: ${tail}`);
}

async function createTopic(context: WorkloadContext, topic: string, partitionCount = partitions): Promise<void> {
  await context.admin.createTopics({ topics: [topic], partitions: partitionCount, replicas: 1 });
}

/** Deleting keeps tmpfs from filling up over a long run; a failure here only costs memory. */
async function deleteTopics(context: WorkloadContext, topics: string[]): Promise<void> {
  try {
    await context.admin.deleteTopics({ topics });
  } catch (error) {
    context.log(`  (could not delete ${topics.join(', ')}: ${(error as Error).message})`);
  }
}

/** Measures the proxy's CPU time over `action`; NaN for direct, which has no proxy. */
async function withCpu<T>(target: Target, action: () => Promise<T>): Promise<{ result: T; cpu: number }> {
  const before = target.pid === undefined ? Number.NaN : cpuSeconds(target.pid);
  const result = await action();
  const after = target.pid === undefined ? Number.NaN : cpuSeconds(target.pid);
  return { result, cpu: after - before };
}

interface ProducerSummary {
  readonly records: number;
  readonly recordsPerSec: number;
  readonly mbPerSec: number;
  readonly avgMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

// ProducerPerformance's final line, e.g. "100000 records sent, 52301.2 records/sec (51.08 MB/sec),
// 212.31 ms avg latency, 512.00 ms max latency, 201 ms 50th, 420 ms 95th, 480 ms 99th, 500 ms 99.9th."
const producerSummary =
  /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/g;

function parseProducer(stdout: string): ProducerSummary {
  const matches = [...stdout.matchAll(producerSummary)];
  const last = matches.at(-1);
  if (!last) throw new Error(`no ProducerPerformance summary in: ${stdout.slice(-300)}`);
  return {
    records: Number(last[1]),
    recordsPerSec: Number(last[2]),
    mbPerSec: Number(last[3]),
    avgMs: Number(last[4]),
    p50Ms: Number(last[6]),
    p99Ms: Number(last[8]),
  };
}

export function producerPerformance(
  bootstrap: string,
  topic: string,
  records: number,
  throughput: number,
  timeoutMs: number,
): Promise<ToolResult> {
  return runJava(
    'org.apache.kafka.tools.ProducerPerformance',
    [
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--record-size',
      String(recordSize),
      '--throughput',
      String(throughput),
      '--producer-props',
      `bootstrap.servers=${bootstrap}`,
      'acks=all',
      'linger.ms=5',
    ],
    { timeoutMs },
  );
}

interface ConsumerSummary {
  readonly records: number;
  readonly mb: number;
  /** Throughput over the fetch time, excluding the group join. */
  readonly fetchMbPerSec: number;
  /** Throughput over the whole run, including the group join. */
  readonly totalMbPerSec: number;
}

function parseConsumer(stdout: string): ConsumerSummary {
  // --hide-header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,
  // nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.split(',').length >= 10)
    .at(-1);
  if (!line) throw new Error(`no ConsumerPerformance result in: ${stdout.slice(-300)}`);
  const fields = line.split(',').map((field) => field.trim());
  return {
    mb: Number(fields[2]),
    totalMbPerSec: Number(fields[3]),
    records: Number(fields[4]),
    fetchMbPerSec: Number(fields[8]),
  };
}

export function consumerPerformance(
  bootstrap: string,
  topic: string,
  records: number,
  group: string,
  timeoutMs: number,
) {
  return runJava(
    'org.apache.kafka.tools.ConsumerPerformance',
    [
      '--bootstrap-server',
      bootstrap,
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--group',
      group,
      '--timeout',
      String(Math.max(10_000, timeoutMs - 15_000)),
      '--hide-header',
    ],
    { timeoutMs },
  );
}

const produce: Workload = {
  name: 'produce',
  parameters: (s) => ({
    tool: 'org.apache.kafka.tools.ProducerPerformance',
    records: s.records,
    recordSize,
    acks: 'all',
    lingerMs: 5,
    partitions,
    throughput: 'unlimited',
    topic: 'fresh per run',
  }),
  metrics: [
    { key: 'mbPerSec', label: 'MB/s' },
    { key: 'cpuSecPerGb', label: 'proxy CPU-s/GB' },
    { key: 'avgLatencyMs', label: 'avg ms' },
  ],
  comparisons: [
    ...versus('mbPerSec', 'ratio', throughputPairs),
    ...versus('cpuSecPerGb', 'ratio', [
      ['switchyard', 'reference'],
      ['switchyard', 'relay'],
    ]),
  ],
  async run(target, roundIndex, context) {
    const topic = `bench-produce-${roundIndex}-${target.name}-${Date.now()}`;
    await createTopic(context, topic);
    try {
      const { settings } = context;
      const { result, cpu } = await withCpu(target, () =>
        producerPerformance(target.bootstrap, topic, settings.records, -1, settings.runTimeoutMs),
      );
      if (!result.ok) throw toolFailure('ProducerPerformance', result);
      const summary = parseProducer(result.stdout);
      if (target.name === 'direct') context.directSaturation.push(summary.recordsPerSec);
      return {
        mbPerSec: summary.mbPerSec,
        recordsPerSec: summary.recordsPerSec,
        avgLatencyMs: summary.avgMs,
        cpuSeconds: cpu,
        cpuSecPerGb: cpu / ((summary.records * recordSize) / gib),
      };
    } finally {
      await deleteTopics(context, [topic]);
    }
  },
};

const consumeTopic = 'bench-consume';

const consume: Workload = {
  name: 'consume',
  parameters: (s) => ({
    tool: 'org.apache.kafka.tools.ConsumerPerformance',
    records: s.records,
    recordSize,
    partitions,
    group: 'fresh per run',
    data: `${s.records} records written once, directly, before the first round`,
    throughputFrom: 'fetch time (the group join is excluded; totalMbPerSec includes it)',
  }),
  metrics: [
    { key: 'mbPerSec', label: 'MB/s' },
    { key: 'cpuSecPerGb', label: 'proxy CPU-s/GB' },
    { key: 'totalMbPerSec', label: 'MB/s incl. join' },
  ],
  comparisons: [
    ...versus('mbPerSec', 'ratio', throughputPairs),
    ...versus('cpuSecPerGb', 'ratio', [
      ['switchyard', 'reference'],
      ['switchyard', 'relay'],
    ]),
  ],
  async prepare(context) {
    const { settings, broker } = context;
    // The broker is new in every benchmark run, so the topic does not exist yet.
    await createTopic(context, consumeTopic);
    context.log(`  writing ${settings.records} records for the consume workload (direct)`);
    const result = await producerPerformance(
      `127.0.0.1:${broker.directPort}`,
      consumeTopic,
      settings.records,
      -1,
      settings.runTimeoutMs,
    );
    if (!result.ok) throw toolFailure('ProducerPerformance (consume data)', result);
  },
  async run(target, roundIndex, context) {
    const { settings } = context;
    const group = `bench-consume-${roundIndex}-${target.name}-${Date.now()}`;
    const { result, cpu } = await withCpu(target, () =>
      consumerPerformance(target.bootstrap, consumeTopic, settings.records, group, settings.runTimeoutMs),
    );
    if (!result.ok) throw toolFailure('ConsumerPerformance', result);
    const summary = parseConsumer(result.stdout);
    if (summary.records < settings.records) {
      throw new Error(`ConsumerPerformance read ${summary.records} of ${settings.records} records`);
    }
    return {
      mbPerSec: summary.fetchMbPerSec,
      totalMbPerSec: summary.totalMbPerSec,
      cpuSeconds: cpu,
      cpuSecPerGb: cpu / (summary.mb / 1024),
    };
  },
};

function offeredRate(context: WorkloadContext): number {
  const sorted = [...context.directSaturation].sort((a, b) => a - b);
  return Math.max(1000, Math.round(quantile(sorted, 0.5) / 2));
}

const fixedRate: Workload = {
  name: 'fixedRate',
  parameters: (s) => ({
    tool: 'ProducerPerformance --throughput (offered rate) with ConsumerPerformance alongside',
    offeredRate: '50% of the median direct saturation rate of the produce workload',
    seconds: s.fixedRateSeconds,
    recordSize,
    acks: 'all',
    lingerMs: 5,
    partitions,
    latency: 'publish latency as ProducerPerformance reports it (whole milliseconds for percentiles)',
  }),
  metrics: [
    { key: 'achievedRatio', label: 'achieved/offered' },
    { key: 'p50Ms', label: 'publish p50 ms' },
    { key: 'p99Ms', label: 'publish p99 ms' },
    { key: 'consumedRatio', label: 'consumed/offered' },
  ],
  comparisons: [...versus('p50Ms', 'difference', addedPairs), ...versus('p99Ms', 'difference', addedPairs)],
  async prepare(context) {
    if (context.directSaturation.length > 0) return;
    // Run on its own (--only fixedRate): measure the direct saturation rate once.
    const topic = `bench-saturation-${Date.now()}`;
    await createTopic(context, topic);
    const result = await producerPerformance(
      `127.0.0.1:${context.broker.directPort}`,
      topic,
      context.settings.records,
      -1,
      context.settings.runTimeoutMs,
    );
    await deleteTopics(context, [topic]);
    if (!result.ok) throw toolFailure('ProducerPerformance (saturation)', result);
    context.directSaturation.push(parseProducer(result.stdout).recordsPerSec);
  },
  async run(target, roundIndex, context) {
    const { settings } = context;
    const rate = offeredRate(context);
    const records = rate * settings.fixedRateSeconds;
    const topic = `bench-fixed-${roundIndex}-${target.name}-${Date.now()}`;
    await createTopic(context, topic);
    try {
      const timeoutMs = settings.fixedRateSeconds * 1000 + settings.runTimeoutMs;
      const group = `bench-fixed-${roundIndex}-${target.name}`;
      const { result, cpu } = await withCpu(target, () =>
        Promise.all([
          consumerPerformance(target.bootstrap, topic, records, group, timeoutMs),
          producerPerformance(target.bootstrap, topic, records, rate, timeoutMs),
        ]),
      );
      const [consumed, produced] = result;
      if (!produced.ok) throw toolFailure('ProducerPerformance', produced);
      const summary = parseProducer(produced.stdout);
      const consumedRecords = consumed.ok ? parseConsumer(consumed.stdout).records : 0;
      return {
        offeredRecordsPerSec: rate,
        achievedRatio: summary.recordsPerSec / rate,
        p50Ms: summary.p50Ms,
        p99Ms: summary.p99Ms,
        avgMs: summary.avgMs,
        consumedRatio: consumedRecords / records,
        cpuSeconds: cpu,
      };
    } finally {
      await deleteTopics(context, [topic]);
    }
  },
};

let latencyClasspath: string | undefined;

const latency: Workload = {
  name: 'latency',
  parameters: (s) => ({
    tool: 'bench/java/EndToEndLatency.java (Kafka EndToEndLatency method: one record in flight; microsecond percentiles)',
    recordSize,
    acks: ['1', 'all'],
    warmupRecordsDropped: s.latencyWarmup,
    records: s.latencyRecords,
    partition: 'partition 0 of a fresh topic',
  }),
  metrics: ['acks1', 'acksAll'].flatMap((acks) => [
    { key: `${acks}.p50Ms`, label: `${acks} p50 ms` },
    { key: `${acks}.p99Ms`, label: `${acks} p99 ms` },
    { key: `${acks}.p999Ms`, label: `${acks} p99.9 ms` },
  ]),
  comparisons: ['acks1', 'acksAll'].flatMap((acks) =>
    ['p50Ms', 'p99Ms', 'p999Ms'].flatMap((p) => versus(`${acks}.${p}`, 'difference', addedPairs)),
  ),
  async prepare() {
    latencyClasspath ??= benchClasses('tools', javaSources(join(benchDir, 'java')), kafkaClasspath());
  },
  async run(target, roundIndex, context) {
    const { settings } = context;
    const figures: Figures = {};
    const topics: string[] = [];
    try {
      for (const [label, acks] of [
        ['acks1', '1'],
        ['acksAll', 'all'],
      ] as const) {
        const topic = `bench-latency-${roundIndex}-${target.name}-${label}-${Date.now()}`;
        topics.push(topic);
        await createTopic(context, topic, 1);
        const result = await runJava(
          'EndToEndLatency',
          [
            target.bootstrap,
            topic,
            acks,
            String(settings.latencyWarmup),
            String(settings.latencyRecords),
            String(recordSize),
          ],
          { timeoutMs: settings.runTimeoutMs, classpath: latencyClasspath },
        );
        if (!result.ok) throw toolFailure(`EndToEndLatency acks=${acks}`, result);
        const line = result.stdout.trim().split('\n').at(-1) ?? '';
        const parsed = JSON.parse(line) as { p50Ms: number; p99Ms: number; p999Ms: number; avgMs: number };
        figures[`${label}.p50Ms`] = parsed.p50Ms;
        figures[`${label}.p99Ms`] = parsed.p99Ms;
        figures[`${label}.p999Ms`] = parsed.p999Ms;
        figures[`${label}.avgMs`] = parsed.avgMs;
      }
      return figures;
    } finally {
      await deleteTopics(context, topics);
    }
  },
};

const requestTimeoutMs = 10_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out`)), requestTimeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const connections: Workload = {
  name: 'connections',
  parameters: (s) => ({
    client: 'raw Kafka frames from the bench process (ApiVersions v0, Metadata v4 for all topics)',
    connections: s.connections,
    openedInBatchesOf: 100,
    holdSeconds: s.connectionSeconds,
    metadataEverySeconds: 1,
    requestTimeoutMs,
    rss: 'peak RSS (VmHWM) of the proxy process tree, reset before the run',
  }),
  metrics: [
    { key: 'rssMb', label: 'proxy peak RSS MB' },
    { key: 'failures', label: 'failures' },
    { key: 'metadataP99Ms', label: 'Metadata p99 ms' },
    { key: 'metadataP50Ms', label: 'Metadata p50 ms' },
  ],
  comparisons: [
    ...versus('metadataP99Ms', 'difference', addedPairs),
    ...versus('rssMb', 'ratio', [['switchyard', 'reference']]),
  ],
  async run(target, _roundIndex, context) {
    const { settings } = context;
    const [host, portText] = target.bootstrap.split(':');
    const port = Number(portText);
    if (target.pid !== undefined) resetPeakRss(target.pid);
    let failures = 0;
    const open: KafkaWireConnection[] = [];
    const batch = 100;
    for (let i = 0; i < settings.connections; i += batch) {
      const opened = await Promise.allSettled(
        Array.from({ length: Math.min(batch, settings.connections - i) }, async () => {
          const connection = await KafkaWireConnection.open(host ?? '127.0.0.1', port, requestTimeoutMs);
          try {
            await withTimeout(connection.apiVersions(), 'ApiVersions');
            await withTimeout(connection.metadata(), 'Metadata');
          } catch (error) {
            connection.close();
            throw error;
          }
          return connection;
        }),
      );
      for (const outcome of opened) {
        if (outcome.status === 'fulfilled') open.push(outcome.value);
        else failures++;
      }
    }
    const rtts: number[] = [];
    const deadline = Date.now() + settings.connectionSeconds * 1000;
    // Each connection sends one Metadata per second, spread over the second so the load is even.
    await Promise.all(
      open.map(async (connection) => {
        await sleep(Math.random() * 1000);
        while (Date.now() < deadline) {
          const started = performance.now();
          try {
            await withTimeout(connection.metadata(), 'Metadata');
            rtts.push(performance.now() - started);
          } catch {
            failures++;
            return;
          }
          await sleep(Math.max(0, 1000 - (performance.now() - started)));
        }
      }),
    );
    const rssMb = target.pid === undefined ? Number.NaN : peakRssMb(target.pid);
    for (const connection of open) connection.close();
    rtts.sort((a, b) => a - b);
    context.log(`  ${open.length} connections held, ${rtts.length} Metadata round trips`);
    return {
      rssMb,
      failures,
      metadataRequests: rtts.length,
      metadataP50Ms: round(quantile(rtts, 0.5), 4),
      metadataP99Ms: round(quantile(rtts, 0.99), 4),
    };
  },
};

const routed: Workload = {
  name: 'routed',
  parameters: () => ({ status: 'not available: the Router API does not exist yet' }),
  metrics: [],
  comparisons: [],
  run: () => Promise.reject(new Error('not available: the Router API does not exist yet')),
};

export const workloads: Record<WorkloadName, Workload> = { produce, consume, fixedRate, latency, connections, routed };

/**
 * Pushes some traffic through every proxy before the first measurement: a JVM proxy runs
 * interpreted at first, and a cold first round would be a measurement of its JIT, not of it.
 */
export async function warmUp(targets: readonly Target[], context: WorkloadContext): Promise<void> {
  const { settings } = context;
  if (settings.warmupRecords === 0) return;
  for (const target of targets) {
    if (target.pid === undefined || target.failure() !== undefined) continue;
    const topic = `bench-warmup-${target.name}`;
    await createTopic(context, topic);
    const produced = await producerPerformance(
      target.bootstrap,
      topic,
      settings.warmupRecords,
      -1,
      settings.runTimeoutMs,
    );
    const consumed = await consumerPerformance(
      target.bootstrap,
      topic,
      settings.warmupRecords,
      `bench-warmup-${target.name}`,
      settings.runTimeoutMs,
    );
    await deleteTopics(context, [topic]);
    context.log(
      `  warmed up ${target.name}${produced.ok && consumed.ok ? '' : ' (with errors: the runs will show them)'}`,
    );
  }
}

export function createAdmin(broker: Broker): Admin {
  return new Admin({ clientId: 'switchyard-bench-admin', bootstrapBrokers: [`127.0.0.1:${broker.directPort}`] });
}
