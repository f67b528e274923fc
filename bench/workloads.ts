// The workloads. Each one runs a single measurement against one target and returns flat, named
// figures; the runner (run.ts) schedules the rounds and the comparisons turn figures of two targets
// measured in the same round into ratios and differences. Every subject (a Switchyard
// configuration) is compared with direct and with every baseline proxy (targets.ts).

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';
import { type Broker, partitions } from './broker.ts';
import { benchClasses, benchDir, javaSources, kafkaClasspath, runJava, type ToolResult } from './java.ts';
import { KafkaWireConnection } from './kafka-wire.ts';
import { cpuSeconds, openFileLimit, peakRssMb, resetPeakRss } from './proc.ts';
import { quantile, round } from './stats.ts';
import { frontsTwoClusters, type Target, type TargetName, targetNames, targetRole } from './targets.ts';
import {
  type ClientRun,
  type ClusterIndex,
  clusterIndexes,
  clusterNames,
  clusterPrefix,
  combinedMbPerSec,
  cpuSecondsPerGb,
} from './two-clusters.ts';

export const workloadNames = ['fixedRate', 'produce', 'consume', 'latency', 'connections', 'idle', 'routed'] as const;
export type WorkloadName = (typeof workloadNames)[number];

export type Figures = Record<string, number>;

export interface Settings {
  readonly rounds: number;
  /** Records of the direct produce and consume runs that measure the saturation rates first. */
  readonly calibrationRecords: number;
  /** A saturation run moves what direct moves in this many seconds (at least that long). */
  readonly saturationSeconds: number;
  /** Records produced and consumed through each proxy before measuring, so JITs are warm. */
  readonly warmupRecords: number;
  /** The fixed offered rate as a fraction of the direct saturation produce rate. */
  readonly fixedRateFraction: number;
  readonly fixedRateSeconds: number;
  readonly latencyWarmup: number;
  readonly latencyRecords: number;
  /** Connection counts of the connections workload, each measured in every round. */
  readonly connectionSizes: readonly number[];
  readonly connectionSeconds: number;
  /** How long a freshly started proxy sits idle before its memory is read. */
  readonly idleSettleSeconds: number;
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

/** The routed workload's second cluster: its broker, and an admin client connected to it directly. */
export interface SecondCluster {
  readonly broker: Broker;
  readonly admin: Admin;
}

export interface WorkloadContext {
  readonly broker: Broker;
  /** Present when a two-cluster target is measured (the routed workload). */
  readonly secondCluster?: SecondCluster;
  readonly settings: Settings;
  readonly admin: Admin;
  /** Direct saturation rates (records/s), measured once before the workloads (`calibrate`). */
  readonly calibration: { produceRate: number; consumeRate: number };
  log(message: string): void;
}

export interface Workload {
  readonly name: WorkloadName;
  parameters(settings: Settings): Record<string, unknown>;
  /** The figures shown in its table (a run may return more; the JSON keeps all). */
  metrics(settings: Settings): readonly MetricInfo[];
  comparisons(settings: Settings): readonly Comparison[];
  /** The targets it measures; when absent, every target that fronts one cluster. */
  appliesTo?(target: TargetName): boolean;
  prepare?(context: WorkloadContext): Promise<void>;
  run(target: Target, roundIndex: number, context: WorkloadContext): Promise<Figures>;
}

// The targets in front of the one broker; the two-cluster targets are the routed workload's alone.
const oneClusterTargets = targetNames.filter((name) => !frontsTwoClusters(name));
const subjects = oneClusterTargets.filter((name) => targetRole(name) === 'subject');
const baselines = oneClusterTargets.filter((name) => targetRole(name) === 'baseline');
const directs = oneClusterTargets.filter((name) => targetRole(name) === 'direct');
const proxies = oneClusterTargets.filter((name) => targetRole(name) !== 'direct');

function versus(
  metric: string,
  kind: 'ratio' | 'difference',
  pairs: readonly (readonly [TargetName, TargetName])[],
): Comparison[] {
  return pairs.map(([of, to]) => ({ key: `${metric}:${of}/${to}`, metric, of, to, kind }));
}

function pairs(ofs: readonly TargetName[], tos: readonly TargetName[]): [TargetName, TargetName][] {
  return ofs.flatMap((of) => tos.map((to): [TargetName, TargetName] => [of, to]));
}

/** The routed shapes against the plain virtual cluster they must cost no more than (issue: routed). */
const routedPairs = pairs(
  subjects.filter((name) => name !== 'switchyard'),
  subjects.filter((name) => name === 'switchyard'),
);
/** Throughput: every proxy against direct, every subject against every baseline. */
const throughputPairs = [
  ...pairs(subjects, directs),
  ...pairs(subjects, baselines),
  ...pairs(baselines, directs),
  ...routedPairs,
];
/** CPU and memory: subjects against baselines (direct has no proxy process). */
const costPairs = [...pairs(subjects, baselines), ...routedPairs];
/** What a proxy adds to direct's latency. */
const addedPairs = pairs(proxies, directs);

function toolFailure(what: string, result: ToolResult): Error {
  const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-8).join('\n');
  return new Error(`${what} ${result.description}: ${tail}`);
}

async function createTopic(
  context: WorkloadContext,
  topic: string,
  partitionCount = partitions,
  admin = context.admin,
): Promise<void> {
  await admin.createTopics({ topics: [topic], partitions: partitionCount, replicas: 1 });
}

/** Deleting keeps tmpfs from filling up over a long run; a failure here only costs memory. */
async function deleteTopics(context: WorkloadContext, topics: string[], admin = context.admin): Promise<void> {
  try {
    await admin.deleteTopics({ topics });
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

export function parseProducer(stdout: string): ProducerSummary {
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

export function parseConsumer(stdout: string): ConsumerSummary {
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

/** Records a saturation run moves: what direct moves in `saturationSeconds`, at least the calibration's. */
function saturationRecords(context: WorkloadContext, ratePerSec: number): number {
  const { settings } = context;
  return Math.max(settings.calibrationRecords, Math.ceil(ratePerSec * settings.saturationSeconds));
}

const produce: Workload = {
  name: 'produce',
  parameters: (s) => ({
    tool: 'org.apache.kafka.tools.ProducerPerformance',
    records: `what direct produces in ${s.saturationSeconds} s at its calibrated saturation rate`,
    recordSize,
    acks: 'all',
    lingerMs: 5,
    partitions,
    throughput: 'unlimited (saturation)',
    topic: 'fresh per run',
  }),
  metrics: () => [
    { key: 'mbPerSec', label: 'MB/s' },
    { key: 'cpuSecPerGb', label: 'proxy CPU-s/GB' },
    { key: 'seconds', label: 'run s' },
    { key: 'avgLatencyMs', label: 'avg ms' },
  ],
  comparisons: () => [...versus('mbPerSec', 'ratio', throughputPairs), ...versus('cpuSecPerGb', 'ratio', costPairs)],
  async run(target, roundIndex, context) {
    const topic = `bench-produce-${roundIndex}-${target.name}-${Date.now()}`;
    await createTopic(context, topic);
    try {
      const { settings } = context;
      const records = saturationRecords(context, context.calibration.produceRate);
      const started = performance.now();
      const { result, cpu } = await withCpu(target, () =>
        producerPerformance(target.bootstrap, topic, records, -1, settings.runTimeoutMs),
      );
      const seconds = (performance.now() - started) / 1000;
      if (!result.ok) throw toolFailure('ProducerPerformance', result);
      const summary = parseProducer(result.stdout);
      return {
        mbPerSec: summary.mbPerSec,
        recordsPerSec: summary.recordsPerSec,
        seconds,
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
    records: `what direct consumes in ${s.saturationSeconds} s at its calibrated saturation rate`,
    recordSize,
    partitions,
    group: 'fresh per run',
    data: 'written once, directly, before the first round',
    throughputFrom: 'fetch time (the group join is excluded; totalMbPerSec includes it)',
  }),
  metrics: () => [
    { key: 'mbPerSec', label: 'MB/s' },
    { key: 'cpuSecPerGb', label: 'proxy CPU-s/GB' },
    { key: 'fetchSeconds', label: 'fetch s' },
    { key: 'totalMbPerSec', label: 'MB/s incl. join' },
  ],
  comparisons: () => [...versus('mbPerSec', 'ratio', throughputPairs), ...versus('cpuSecPerGb', 'ratio', costPairs)],
  async prepare(context) {
    const { settings, broker } = context;
    const records = saturationRecords(context, context.calibration.consumeRate);
    // The broker is new in every benchmark run, so the topic does not exist yet.
    await createTopic(context, consumeTopic);
    context.log(`  writing ${records} records for the consume workload (direct)`);
    const result = await producerPerformance(
      `127.0.0.1:${broker.directPort}`,
      consumeTopic,
      records,
      -1,
      settings.runTimeoutMs,
    );
    if (!result.ok) throw toolFailure('ProducerPerformance (consume data)', result);
  },
  async run(target, roundIndex, context) {
    const { settings } = context;
    const records = saturationRecords(context, context.calibration.consumeRate);
    const group = `bench-consume-${roundIndex}-${target.name}-${Date.now()}`;
    const { result, cpu } = await withCpu(target, () =>
      consumerPerformance(target.bootstrap, consumeTopic, records, group, settings.runTimeoutMs),
    );
    if (!result.ok) throw toolFailure('ConsumerPerformance', result);
    const summary = parseConsumer(result.stdout);
    if (summary.records < records) {
      throw new Error(`ConsumerPerformance read ${summary.records} of ${records} records`);
    }
    return {
      mbPerSec: summary.fetchMbPerSec,
      totalMbPerSec: summary.totalMbPerSec,
      fetchSeconds: summary.fetchMbPerSec > 0 ? summary.mb / summary.fetchMbPerSec : Number.NaN,
      cpuSeconds: cpu,
      cpuSecPerGb: cpu / (summary.mb / 1024),
    };
  },
};

/** Records/s offered by the fixed-rate workload: a fraction of direct's saturation produce rate. */
function offeredRate(context: WorkloadContext): number {
  return Math.max(100, Math.round(context.calibration.produceRate * context.settings.fixedRateFraction));
}

const fixedRate: Workload = {
  name: 'fixedRate',
  parameters: (s) => ({
    offeredRate: `${Math.round(s.fixedRateFraction * 100)}% of direct's calibrated saturation produce rate, so that the machine has headroom`,
    seconds: s.fixedRateSeconds,
    producePhase: 'ProducerPerformance --throughput <offered rate> through the target',
    consumePhase:
      'ConsumerPerformance through the target while ProducerPerformance writes at the offered rate directly (the consumer follows the producer)',
    cpuSecPerGb: "the proxy's CPU seconds per GB it forwarded: each phase, and both together",
    recordSize,
    acks: 'all',
    lingerMs: 5,
    partitions,
    latency: 'publish latency as ProducerPerformance reports it (whole milliseconds for percentiles)',
  }),
  metrics: () => [
    { key: 'cpuSecPerGb', label: 'proxy CPU-s/GB' },
    { key: 'produceCpuSecPerGb', label: 'produce CPU-s/GB' },
    { key: 'consumeCpuSecPerGb', label: 'consume CPU-s/GB' },
    { key: 'achievedRatio', label: 'achieved/offered' },
    { key: 'p50Ms', label: 'publish p50 ms' },
    { key: 'p99Ms', label: 'publish p99 ms' },
    { key: 'consumedRatio', label: 'consumed/offered' },
  ],
  comparisons: () => [
    ...versus('cpuSecPerGb', 'ratio', costPairs),
    ...versus('produceCpuSecPerGb', 'ratio', costPairs),
    ...versus('consumeCpuSecPerGb', 'ratio', costPairs),
    ...versus('p50Ms', 'difference', addedPairs),
    ...versus('p99Ms', 'difference', addedPairs),
  ],
  async run(target, roundIndex, context) {
    const { settings, broker } = context;
    const rate = offeredRate(context);
    const records = Math.round(rate * settings.fixedRateSeconds);
    const gigabytes = (records * recordSize) / gib;
    const timeoutMs = settings.fixedRateSeconds * 1000 + settings.runTimeoutMs;
    const produceTopic = `bench-fixed-produce-${roundIndex}-${target.name}-${Date.now()}`;
    const consumeTopic = `bench-fixed-consume-${roundIndex}-${target.name}-${Date.now()}`;
    const topics = [produceTopic];
    await createTopic(context, produceTopic);
    try {
      const produced = await withCpu(target, () =>
        producerPerformance(target.bootstrap, produceTopic, records, rate, timeoutMs),
      );
      if (!produced.result.ok) throw toolFailure('ProducerPerformance', produced.result);
      const summary = parseProducer(produced.result.stdout);
      const figures: Figures = {
        offeredRecordsPerSec: rate,
        achievedRatio: summary.recordsPerSec / rate,
        p50Ms: summary.p50Ms,
        p99Ms: summary.p99Ms,
        avgMs: summary.avgMs,
        produceCpuSeconds: produced.cpu,
        produceCpuSecPerGb: produced.cpu / gigabytes,
      };
      // Direct has no proxy whose CPU a consume phase could measure.
      if (target.pid === undefined) return figures;
      topics.push(consumeTopic);
      await createTopic(context, consumeTopic);
      const group = `bench-fixed-${roundIndex}-${target.name}-${Date.now()}`;
      const consumed = await withCpu(target, () =>
        Promise.all([
          consumerPerformance(target.bootstrap, consumeTopic, records, group, timeoutMs),
          producerPerformance(`127.0.0.1:${broker.directPort}`, consumeTopic, records, rate, timeoutMs),
        ]),
      );
      const [consumer, producer] = consumed.result;
      if (!producer.ok) throw toolFailure('ProducerPerformance (direct, for the consume phase)', producer);
      if (!consumer.ok) throw toolFailure('ConsumerPerformance', consumer);
      const consumedRecords = parseConsumer(consumer.stdout).records;
      return {
        ...figures,
        consumedRatio: consumedRecords / records,
        consumeCpuSeconds: consumed.cpu,
        consumeCpuSecPerGb: consumed.cpu / ((consumedRecords * recordSize) / gib),
        cpuSecPerGb: (produced.cpu + consumed.cpu) / (gigabytes + (consumedRecords * recordSize) / gib),
      };
    } finally {
      await deleteTopics(context, topics);
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
  metrics: () =>
    ['acks1', 'acksAll'].flatMap((acks) => [
      { key: `${acks}.p50Ms`, label: `${acks} p50 ms` },
      { key: `${acks}.p99Ms`, label: `${acks} p99 ms` },
      { key: `${acks}.p999Ms`, label: `${acks} p99.9 ms` },
    ]),
  comparisons: () =>
    ['acks1', 'acksAll'].flatMap((acks) =>
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

/** Opens `count` connections (100 at a time), holds them while each sends one Metadata per second. */
async function holdConnections(target: Target, count: number, context: WorkloadContext): Promise<Figures> {
  const { settings } = context;
  const [host, portText] = target.bootstrap.split(':');
  const port = Number(portText);
  if (target.pid !== undefined) {
    resetPeakRss(target.pid);
    // Each client connection has its upstream: a proxy needs two descriptors per connection,
    // spread over its processes when it has workers.
    const limit = openFileLimit(target.pid);
    const needed = Math.ceil((2 * count) / (target.processes ?? 1)) + 100;
    if (limit < needed) {
      context.log(
        `  warning: ${target.name} may open ${limit} files per process; ${count} connections with their upstreams need about ${needed} (raise ulimit -n, or measure switchyardWorkers): failures beyond that are the limit's`,
      );
    }
  }
  let failures = 0;
  const open: KafkaWireConnection[] = [];
  const batch = 100;
  try {
    for (let i = 0; i < count; i += batch) {
      const opened = await Promise.allSettled(
        Array.from({ length: Math.min(batch, count - i) }, async () => {
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
    rtts.sort((a, b) => a - b);
    context.log(
      `  ${count} connections: ${open.length} held, ${rtts.length} Metadata round trips, ${failures} failures`,
    );
    return {
      [connectionMetric(count, 'rssMb')]: rssMb,
      [connectionMetric(count, 'failures')]: failures,
      [connectionMetric(count, 'metadataRequests')]: rtts.length,
      [connectionMetric(count, 'metadataP50Ms')]: round(quantile(rtts, 0.5), 4),
      [connectionMetric(count, 'metadataP99Ms')]: round(quantile(rtts, 0.99), 4),
    };
  } finally {
    for (const connection of open) connection.close();
    // Let the proxy see the closes before the next size or target starts.
    await sleep(1000);
  }
}

/** The key of a connections figure: the connection count, then the metric (`1000.rssMb`). */
export function connectionMetric(size: number, metric: string): string {
  return `${size}.${metric}`;
}

const connections: Workload = {
  name: 'connections',
  parameters: (s) => ({
    client: 'raw Kafka frames from the bench process (ApiVersions v0, Metadata v4 for all topics)',
    connections: s.connectionSizes,
    openedInBatchesOf: 100,
    holdSeconds: s.connectionSeconds,
    metadataEverySeconds: 1,
    requestTimeoutMs,
    rss: 'peak RSS (VmHWM) of the proxy process tree, reset before each size',
  }),
  metrics: (s) =>
    s.connectionSizes.flatMap((size) => [
      { key: connectionMetric(size, 'rssMb'), label: `${size}: peak RSS MB` },
      { key: connectionMetric(size, 'failures'), label: `${size}: failures` },
      { key: connectionMetric(size, 'metadataP99Ms'), label: `${size}: Metadata p99 ms` },
    ]),
  comparisons: (s) =>
    s.connectionSizes.flatMap((size) => [
      ...versus(connectionMetric(size, 'metadataP99Ms'), 'difference', addedPairs),
      ...versus(connectionMetric(size, 'rssMb'), 'ratio', costPairs),
    ]),
  async run(target, _roundIndex, context) {
    const figures: Figures = {};
    for (const size of context.settings.connectionSizes)
      Object.assign(figures, await holdConnections(target, size, context));
    return figures;
  },
};

const idle: Workload = {
  name: 'idle',
  parameters: (s) => ({
    what: 'a fresh process of each Switchyard configuration: seconds from spawn to its bootstrap port accepting a connection, then its RSS (VmRSS) after sitting idle',
    idleSeconds: s.idleSettleSeconds,
    upstream: 'the benchmark broker (an idle proxy does not connect to it)',
  }),
  metrics: () => [
    { key: 'startSeconds', label: 'start s' },
    { key: 'rssMb', label: 'idle RSS MB' },
  ],
  comparisons: () => [],
  appliesTo: (name) => targetRole(name) === 'subject' && !frontsTwoClusters(name),
  async run(target, _roundIndex, context) {
    if (!target.measureIdle) throw new Error(`${target.name} cannot be started afresh`);
    const figures = await target.measureIdle(context.settings.idleSettleSeconds);
    return { startSeconds: figures.startSeconds, rssMb: figures.rssMb };
  },
};

/** Cluster `index` of the routed workload: its broker and an admin client connected to it directly. */
function cluster(context: WorkloadContext, index: ClusterIndex): { broker: Broker; admin: Admin } {
  if (index === 0) return { broker: context.broker, admin: context.admin };
  if (!context.secondCluster) {
    throw new Error('the second broker is not running (it starts only when a two-cluster target is selected)');
  }
  return context.secondCluster;
}

function perClusterBootstrap(target: Target, index: ClusterIndex): string {
  const bootstrap = target.perCluster?.[index];
  if (!bootstrap) throw new Error(`${target.name} does not front the routed workload's two clusters`);
  return bootstrap;
}

/**
 * Runs `action` once per cluster, both at the same time; when one fails, waits for the other
 * before throwing, so that no client is left running into the next run.
 */
async function onBothClusters<T>(action: (index: ClusterIndex) => Promise<T>): Promise<T[]> {
  const outcomes = await Promise.allSettled(clusterIndexes.map(action));
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

/**
 * Checks, directly on cluster `index`, that its topic holds the records its client produced: a
 * router that sent them to the other cluster (which would auto-create the topic there) would
 * otherwise be measured as if it had done its job.
 */
async function expectRecords(context: WorkloadContext, index: ClusterIndex, topic: string, records: number) {
  const [listed] = await cluster(context, index).admin.listOffsets({
    topics: [
      {
        name: topic,
        partitions: Array.from({ length: partitions }, (_, i) => ({ partitionIndex: i, timestamp: -1n })),
      },
    ],
  });
  const held = (listed?.partitions ?? []).reduce((sum, partition) => sum + Number(partition.offset), 0);
  if (held !== records) {
    throw new Error(
      `cluster ${clusterNames[index]}'s topic ${topic} holds ${held} records, not the ${records} produced to it`,
    );
  }
}

const routedConsumeTopic = (index: ClusterIndex) => `${clusterPrefix(index)}routed-consume`;

/** Each cluster's client moves half of what one direct client moves in a saturation run. */
function routedRecordsPerClient(context: WorkloadContext, ratePerSec: number): number {
  return Math.ceil(saturationRecords(context, ratePerSec) / 2);
}

const routed: Workload = {
  name: 'routed',
  parameters: (s) => ({
    clusters: 'two single-broker clusters, a and b; topics and groups named bench-a-* live on a, bench-b-* on b',
    targets:
      'direct: each client to its broker; vcPerCluster: each client through the pass-through virtual cluster of its cluster (one Switchyard process); union: both clients through one TopicRouter over both clusters',
    producePhase: `two ProducerPerformance at once, one per cluster, each sending half of what direct produces in ${s.saturationSeconds} s at its calibrated rate, into a fresh ${partitions}-partition topic`,
    consumePhase: `two ConsumerPerformance at once, one per cluster, fresh group each, each reading half of what direct consumes in ${s.saturationSeconds} s, from a topic written once, directly, before the first round`,
    recordSize,
    acks: 'all',
    lingerMs: 5,
    throughput: 'MB both clients moved over the time the slower one took (fetch time for consume)',
    cpuSecPerGb: "the proxy process's CPU seconds over the phase per GB both clients moved",
  }),
  metrics: () => [
    { key: 'produceMbPerSec', label: 'produce MB/s' },
    { key: 'produceCpuSecPerGb', label: 'produce CPU-s/GB' },
    { key: 'consumeMbPerSec', label: 'consume MB/s' },
    { key: 'consumeCpuSecPerGb', label: 'consume CPU-s/GB' },
    { key: 'consumeTotalMbPerSec', label: 'consume MB/s incl. join' },
  ],
  comparisons: () => {
    const router = targetNames.filter((name) => frontsTwoClusters(name) && name !== 'vcPerCluster');
    const throughput: [TargetName, TargetName][] = [
      ...pairs(router, ['vcPerCluster']),
      ...pairs([...router, 'vcPerCluster'], ['direct']),
    ];
    const cost = pairs(router, ['vcPerCluster']);
    return [
      ...versus('produceMbPerSec', 'ratio', throughput),
      ...versus('consumeMbPerSec', 'ratio', throughput),
      ...versus('produceCpuSecPerGb', 'ratio', cost),
      ...versus('consumeCpuSecPerGb', 'ratio', cost),
    ];
  },
  appliesTo: (name) => targetRole(name) === 'direct' || frontsTwoClusters(name),
  async prepare(context) {
    const records = routedRecordsPerClient(context, context.calibration.consumeRate);
    context.log(`  writing ${records} records to each cluster for the consume phase (direct)`);
    await onBothClusters(async (index) => {
      const { broker, admin } = cluster(context, index);
      const topic = routedConsumeTopic(index);
      await createTopic(context, topic, partitions, admin);
      const result = await producerPerformance(
        `127.0.0.1:${broker.directPort}`,
        topic,
        records,
        -1,
        context.settings.runTimeoutMs,
      );
      if (!result.ok) throw toolFailure(`ProducerPerformance (consume data of cluster ${clusterNames[index]})`, result);
    });
  },
  async run(target, roundIndex, context) {
    const { settings } = context;
    const produceRecords = routedRecordsPerClient(context, context.calibration.produceRate);
    const stamp = `${roundIndex}-${target.name}-${Date.now()}`;
    const produceTopic = (index: ClusterIndex) => `${clusterPrefix(index)}routed-produce-${stamp}`;
    await onBothClusters((index) =>
      createTopic(context, produceTopic(index), partitions, cluster(context, index).admin),
    );
    let produced: { result: ClientRun[]; cpu: number };
    try {
      produced = await withCpu(target, () =>
        onBothClusters(async (index): Promise<ClientRun> => {
          const result = await producerPerformance(
            perClusterBootstrap(target, index),
            produceTopic(index),
            produceRecords,
            -1,
            settings.runTimeoutMs,
          );
          if (!result.ok) throw toolFailure(`ProducerPerformance (cluster ${clusterNames[index]})`, result);
          const summary = parseProducer(result.stdout);
          return { megabytes: (summary.records * recordSize) / mib, seconds: summary.records / summary.recordsPerSec };
        }),
      );
      await onBothClusters((index) => expectRecords(context, index, produceTopic(index), produceRecords));
    } finally {
      await onBothClusters((index) => deleteTopics(context, [produceTopic(index)], cluster(context, index).admin));
    }
    const consumeRecords = routedRecordsPerClient(context, context.calibration.consumeRate);
    const consumed = await withCpu(target, () =>
      onBothClusters(async (index) => {
        const result = await consumerPerformance(
          perClusterBootstrap(target, index),
          routedConsumeTopic(index),
          consumeRecords,
          `${clusterPrefix(index)}routed-${stamp}`,
          settings.runTimeoutMs,
        );
        if (!result.ok) throw toolFailure(`ConsumerPerformance (cluster ${clusterNames[index]})`, result);
        const summary = parseConsumer(result.stdout);
        if (summary.records < consumeRecords) {
          throw new Error(
            `ConsumerPerformance (cluster ${clusterNames[index]}) read ${summary.records} of ${consumeRecords} records`,
          );
        }
        return summary;
      }),
    );
    const fetches = consumed.result.map((s) => ({ megabytes: s.mb, seconds: s.mb / s.fetchMbPerSec }));
    const wholeRuns = consumed.result.map((s) => ({ megabytes: s.mb, seconds: s.mb / s.totalMbPerSec }));
    return {
      produceMbPerSec: combinedMbPerSec(produced.result),
      produceCpuSeconds: produced.cpu,
      produceCpuSecPerGb: cpuSecondsPerGb(produced.cpu, produced.result),
      consumeMbPerSec: combinedMbPerSec(fetches),
      consumeTotalMbPerSec: combinedMbPerSec(wholeRuns),
      consumeCpuSeconds: consumed.cpu,
      consumeCpuSecPerGb: cpuSecondsPerGb(consumed.cpu, fetches),
    };
  },
};

export const workloads: Record<WorkloadName, Workload> = {
  fixedRate,
  produce,
  consume,
  latency,
  connections,
  idle,
  routed,
};

/**
 * The direct saturation rates that size the other workloads: a produce run and a consume run of
 * `calibrationRecords`, directly against the broker, before any workload.
 */
export async function calibrate(context: WorkloadContext): Promise<void> {
  const { settings, broker } = context;
  const direct = `127.0.0.1:${broker.directPort}`;
  const topic = `bench-calibration-${Date.now()}`;
  await createTopic(context, topic);
  try {
    const produced = await producerPerformance(direct, topic, settings.calibrationRecords, -1, settings.runTimeoutMs);
    if (!produced.ok) throw toolFailure('ProducerPerformance (calibration)', produced);
    context.calibration.produceRate = parseProducer(produced.stdout).recordsPerSec;
    const consumed = await consumerPerformance(
      direct,
      topic,
      settings.calibrationRecords,
      `${topic}-group`,
      settings.runTimeoutMs,
    );
    if (!consumed.ok) throw toolFailure('ConsumerPerformance (calibration)', consumed);
    const summary = parseConsumer(consumed.stdout);
    context.calibration.consumeRate = (summary.fetchMbPerSec * mib) / recordSize;
  } finally {
    await deleteTopics(context, [topic]);
  }
}

/** Produces and consumes `records` through `bootstrap`; whether both ran cleanly. */
async function warmUpThrough(
  context: WorkloadContext,
  bootstrap: string,
  name: string,
  records: number,
  admin = context.admin,
): Promise<boolean> {
  const { settings } = context;
  await createTopic(context, name, partitions, admin);
  const produced = await producerPerformance(bootstrap, name, records, -1, settings.runTimeoutMs);
  const consumed = await consumerPerformance(bootstrap, name, records, name, settings.runTimeoutMs);
  await deleteTopics(context, [name], admin);
  return produced.ok && consumed.ok;
}

export async function warmUp(targets: readonly Target[], context: WorkloadContext): Promise<void> {
  const { settings } = context;
  if (settings.warmupRecords === 0) return;
  for (const target of targets) {
    if (target.pid === undefined || target.failure() !== undefined) continue;
    // A two-cluster target is warmed up the way it is measured: half through each cluster, at once.
    const ok = frontsTwoClusters(target.name)
      ? (
          await onBothClusters((index) =>
            warmUpThrough(
              context,
              perClusterBootstrap(target, index),
              `${clusterPrefix(index)}warmup-${target.name}`,
              Math.ceil(settings.warmupRecords / 2),
              cluster(context, index).admin,
            ),
          )
        ).every(Boolean)
      : await warmUpThrough(context, target.bootstrap, `bench-warmup-${target.name}`, settings.warmupRecords);
    context.log(`  warmed up ${target.name}${ok ? '' : ' (with errors: the runs will show them)'}`);
  }
}

export function createAdmin(broker: Broker): Admin {
  return new Admin({ clientId: 'switchyard-bench-admin', bootstrapBrokers: [`127.0.0.1:${broker.directPort}`] });
}
