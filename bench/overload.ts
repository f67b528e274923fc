// The overload workload (issue 12): does the buffer budget keep a proxy under attack within its
// bound while well-behaved clients keep their throughput? Three processes besides the broker: the
// proxy (Switchyard with a small buffer budget, as the benchmark runs it), the attackers
// (bench/overload-attackers.ts: thousands of connections that send fetches of about 1 MB and never
// read), and the well-behaved clients (Kafka's ProducerPerformance and ConsumerPerformance, as in
// the benchmark). Each round measures the well-behaved clients three times on one target: idle,
// while the attackers ramp up, and once the attack has settled with the attackers still
// connected. The same is done against the broker directly (no proxy), so that what the attack
// costs the broker and the shared CPU is told apart from what it costs the proxy.
//
//   npm run bench:overload [-- --connections 2000] [--rounds 3] [--records 200000] [--profile]
//
// See docs/benchmark.md ("The overload workload").
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { repoRoot } from '../tools/kafka-dist.ts';
import { type Broker, startBroker } from './broker.ts';
import { switchyardNodeFlags } from './configs.ts';
import { benchDir } from './java.ts';
import { waitForKafka } from './kafka-wire.ts';
import { freePortBlock } from './ports.ts';
import { cpuSeconds, isRunning, rssMb, spawnTracked, stopChild } from './proc.ts';
import { median, round } from './stats.ts';
import {
  consumerPerformance,
  createAdmin,
  parseConsumer,
  parseProducer,
  producerPerformance,
  recordSize,
} from './workloads.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '2000' },
    fetches: { type: 'string', default: '3' },
    'step-ms': { type: 'string', default: '250' },
    records: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '1' },
    budget: { type: 'string', default: String(64 * 1024 * 1024) },
    grace: { type: 'string', default: '1s' },
    targets: { type: 'string', default: 'switchyard,direct' },
    profile: { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const connections = Number(values.connections);
const fetches = Number(values.fetches);
const records = Number(values.records);
const rounds = Number(values.rounds);
const budget = Number(values.budget);
const targetNames = values.targets.split(',').map((name) => name.trim()) as ('switchyard' | 'direct')[];
const log = (message: string) => process.stderr.write(`${message}\n`);
const runTimeoutMs = 300_000;

type Phase = 'idle' | 'attack' | 'after';
const phases: readonly Phase[] = ['idle', 'attack', 'after'];

interface GoodFigures {
  produceMbPerSec: number;
  consumeMbPerSec: number;
  seconds: number;
  /** CPU seconds over the phase: the proxy's (NaN direct), the broker's, the attackers'. */
  proxyCpu: number;
  brokerCpu: number;
  attackerCpu: number;
}

interface Target {
  readonly name: 'switchyard' | 'direct';
  readonly bootstrap: string;
  readonly pid: number | undefined;
  /** Samples the proxy's metrics; undefined for direct. */
  metrics?(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

function overloadConfig(upstream: string, port: number, managementPort: number): string {
  return `management:
  bindAddress: 127.0.0.1
  port: ${managementPort}
network:
  session:
    maxFrameBytes: 1048576
  overload:
    maxBufferedBytes: ${budget}
    bufferedBytesGracePeriod: ${values.grace}
    maxConnectionsPerGateway: ${connections + 1000}
    maxConnectionsPerClientAddress: ${connections + 1000}
clusterDefinitions:
  - name: upstream
    bootstrapServers: ${upstream}
virtualClusters:
  - name: bench
    target:
      cluster: upstream
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}
`;
}

function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

async function startSwitchyard(broker: Broker, workDir: string, profileDir: string): Promise<Target> {
  const port = await freePortBlock(4);
  const managementPort = await freePortBlock(1);
  const configFile = join(workDir, 'overload.yaml');
  writeFileSync(configFile, overloadConfig(`127.0.0.1:${broker.directPort}`, port, managementPort));
  const logFd = openSync(proxyLog, 'w');
  let child: ChildProcess;
  try {
    child = spawnTracked(
      process.execPath,
      [...switchyardNodeFlags, join(repoRoot, 'bin', 'switchyard.js'), '--config', configFile],
      {
        stdio: ['ignore', logFd, logFd],
        cwd: repoRoot,
        env: values.profile
          ? { ...process.env, NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` }
          : { ...process.env },
      },
    );
  } finally {
    closeSync(logFd);
  }
  await waitForKafka(port, 90_000, () => isRunning(child));
  return {
    name: 'switchyard',
    bootstrap: `127.0.0.1:${port}`,
    pid: child.pid,
    async metrics() {
      const response = await fetch(`http://127.0.0.1:${managementPort}/metrics`);
      return parseMetrics(await response.text());
    },
    // SIGTERM: the proxy drains and exits, and the profiler writes its file.
    stop: () => stopChild(child, 30_000),
  };
}

/**
 * Memory the kernel holds for all TCP sockets of the machine, in MiB (/proc/net/sockstat counts
 * pages). Never-reading clients fill the kernel's socket buffers before a proxy's: past
 * net.ipv4.tcp_mem's thresholds the kernel slows every connection on the machine.
 */
function kernelTcpMb(): number {
  const match = /^TCP:.* mem (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'));
  return (Number(match?.[1] ?? 0) * 4096) / 2 ** 20;
}

/** net.ipv4.tcp_mem's pressure threshold, in MiB. */
function kernelTcpPressureMb(): number {
  const pages = readFileSync('/proc/sys/net/ipv4/tcp_mem', 'utf8').trim().split(/\s+/).map(Number);
  return ((pages[1] ?? Number.NaN) * 4096) / 2 ** 20;
}

/** Samples the proxy's buffered bytes and RSS, and the kernel's TCP memory, keeping their peaks. */
class Sampler {
  peakBuffered = 0;
  peakRssMb = 0;
  peakKernelTcpMb = 0;
  #running = true;
  readonly #done: Promise<void>;

  constructor(target: Target) {
    this.#done = (async () => {
      while (this.#running) {
        this.peakKernelTcpMb = Math.max(this.peakKernelTcpMb, kernelTcpMb());
        if (!target.metrics || target.pid === undefined) {
          await sleep(100);
          continue;
        }
        try {
          const metrics = await target.metrics();
          this.peakBuffered = Math.max(this.peakBuffered, metrics.get('switchyard_buffered_bytes') ?? 0);
        } catch {
          // The management endpoint may be slow to answer under attack: a missed sample is no peak.
        }
        this.peakRssMb = Math.max(this.peakRssMb, rssMb(target.pid));
        await sleep(100);
      }
    })();
  }

  stop(): Promise<void> {
    this.#running = false;
    return this.#done;
  }
}

class Attackers {
  readonly child: ChildProcess;
  readonly ramped: Promise<Record<string, number>>;
  #lines: Record<string, number>[] = [];

  constructor(target: Target) {
    this.child = spawnTracked(
      process.execPath,
      [
        join(benchDir, 'overload-attackers.ts'),
        '--address',
        target.bootstrap,
        '--topic',
        'bulk',
        '--connections',
        String(connections),
        '--fetches',
        String(fetches),
        '--step-ms',
        values['step-ms'],
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    this.child.stdout!.setEncoding('utf8');
    let buffered = '';
    this.ramped = new Promise((resolve, reject) => {
      this.child.stdout!.on('data', (chunk: string) => {
        buffered += chunk;
        for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
          const line = JSON.parse(buffered.slice(0, nl)) as Record<string, number>;
          buffered = buffered.slice(nl + 1);
          this.#lines.push(line);
          if ((line.event as unknown) === 'ramped') resolve(line);
        }
      });
      this.child.once('exit', () => reject(new Error('the attackers exited before ramping up')));
    });
    this.ramped.catch(() => {});
  }

  cpu(): number {
    return this.child.pid === undefined ? 0 : cpuSeconds(this.child.pid);
  }

  async stop(): Promise<Record<string, number> | undefined> {
    if (isRunning(this.child)) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGTERM');
      await exited;
    }
    return this.#lines.find((line) => (line.event as unknown) === 'stopped');
  }
}

/** The well-behaved clients: a producer and a consumer on the same target at the same time. */
async function wellBehaved(
  target: Target,
  broker: Broker,
  tag: string,
  attackers: Attackers | undefined,
): Promise<GoodFigures> {
  const admin = createAdmin(broker);
  const topic = `good-${tag}`;
  try {
    await admin.createTopics({ topics: [topic], partitions: 6, replicas: 1 });
  } finally {
    await admin.close();
  }
  const proxyBefore = target.pid === undefined ? Number.NaN : cpuSeconds(target.pid);
  const brokerBefore = cpuSeconds(broker.pid);
  const attackersBefore = attackers?.cpu() ?? 0;
  const started = performance.now();
  const [produced, consumed] = await Promise.all([
    producerPerformance(target.bootstrap, topic, records, -1, runTimeoutMs),
    consumerPerformance(target.bootstrap, 'good-source', records, `good-${tag}`, runTimeoutMs),
  ]);
  const seconds = (performance.now() - started) / 1000;
  if (!produced.ok) throw new Error(`ProducerPerformance ${produced.description}: ${produced.stderr.slice(-500)}`);
  if (!consumed.ok) throw new Error(`ConsumerPerformance ${consumed.description}: ${consumed.stderr.slice(-500)}`);
  return {
    produceMbPerSec: parseProducer(produced.stdout).mbPerSec,
    consumeMbPerSec: parseConsumer(consumed.stdout).fetchMbPerSec,
    seconds,
    proxyCpu: target.pid === undefined ? Number.NaN : cpuSeconds(target.pid) - proxyBefore,
    brokerCpu: cpuSeconds(broker.pid) - brokerBefore,
    attackerCpu: (attackers?.cpu() ?? 0) - attackersBefore,
  };
}

/** Waits until the proxy's fetch response bytes to clients stop changing: the attack has settled. */
async function untilSettled(target: Target): Promise<void> {
  if (!target.metrics) {
    await sleep(5_000);
    return;
  }
  const series = 'switchyard_client_response_bytes_total{virtual_cluster="bench",api_key="FETCH"}';
  let previous = -1;
  for (let unchanged = 0, polls = 0; unchanged < 4 && polls < 120; polls++) {
    const bytes = (await target.metrics()).get(series) ?? 0;
    unchanged = bytes === previous ? unchanged + 1 : 0;
    previous = bytes;
    await sleep(500);
  }
}

interface RoundResult {
  target: string;
  round: number;
  phases: Record<Phase, GoodFigures>;
  ramp: Record<string, number>;
  stopped: Record<string, number> | undefined;
  peakKernelTcpMb: number;
  peakBufferedBytes?: number;
  peakRssMb?: number;
  budgetClosed?: number;
  budgetPauses?: number;
  /** FETCH response bytes the proxy wrote to clients over the round, attackers and consumer (MiB). */
  fetchResponseMb?: number;
}

async function measureRound(target: Target, broker: Broker, roundIndex: number): Promise<RoundResult> {
  const tag = (phase: Phase) => `${target.name}-${roundIndex}-${phase}-${Date.now()}`;
  log(`  round ${roundIndex + 1} ${target.name}: idle`);
  const idle = await wellBehaved(target, broker, tag('idle'), undefined);
  const sampler = new Sampler(target);
  const before = await target.metrics?.();
  const attackers = new Attackers(target);
  try {
    log(`  round ${roundIndex + 1} ${target.name}: ${connections} attackers ramping up`);
    const attack = await wellBehaved(target, broker, tag('attack'), attackers);
    const ramp = await attackers.ramped;
    await untilSettled(target);
    log(`  round ${roundIndex + 1} ${target.name}: after the ramp-up, attackers still connected`);
    const after = await wellBehaved(target, broker, tag('after'), attackers);
    const stopped = await attackers.stop();
    await sampler.stop();
    const metrics = await target.metrics?.();
    const delta = (series: string) =>
      metrics === undefined ? Number.NaN : (metrics.get(series) ?? 0) - (before?.get(series) ?? 0);
    return {
      target: target.name,
      round: roundIndex + 1,
      phases: { idle, attack, after },
      ramp,
      stopped,
      peakKernelTcpMb: Math.round(sampler.peakKernelTcpMb),
      ...(target.metrics
        ? {
            peakBufferedBytes: sampler.peakBuffered,
            peakRssMb: round(sampler.peakRssMb, 1),
            budgetClosed: delta('switchyard_client_disconnects_total{virtual_cluster="bench",cause="buffer_budget"}'),
            budgetPauses: delta('switchyard_buffer_budget_pauses_total{virtual_cluster="bench"}'),
            fetchResponseMb: Math.round(
              delta('switchyard_client_response_bytes_total{virtual_cluster="bench",api_key="FETCH"}') / 2 ** 20,
            ),
          }
        : {}),
    };
  } finally {
    await attackers.stop();
    await sampler.stop();
    // Let the proxy release what the attackers held before the next measurement.
    await sleep(2_000);
  }
}

function describe(result: RoundResult): string {
  const line = (phase: Phase) => {
    const f = result.phases[phase];
    return `    ${phase.padEnd(6)} produce ${f.produceMbPerSec.toFixed(1).padStart(6)} MB/s  consume ${f.consumeMbPerSec
      .toFixed(1)
      .padStart(6)} MB/s  ${f.seconds.toFixed(1).padStart(5)} s  CPU s: proxy ${
      Number.isNaN(f.proxyCpu) ? '-' : f.proxyCpu.toFixed(1)
    }, broker ${f.brokerCpu.toFixed(1)}, attackers ${f.attackerCpu.toFixed(1)}`;
  };
  const kernelLine = `\n    kernel TCP memory peak ${result.peakKernelTcpMb} MB (pressure above ${Math.round(kernelTcpPressureMb())} MB)`;
  const budgetLine =
    result.peakBufferedBytes === undefined
      ? ''
      : `\n    budget ${budget}: peak buffered ${result.peakBufferedBytes} (${(result.peakBufferedBytes / budget).toFixed(2)}x), peak RSS ${result.peakRssMb} MB, paused ${result.budgetPauses}, closed ${result.budgetClosed}; FETCH responses written to clients ${result.fetchResponseMb} MB`;
  return (
    `  ${result.target} round ${result.round}: ramp ${round(result.ramp.seconds ?? Number.NaN, 1)} s, opened ${result.ramp.opened}, ` +
    `refused or failed ${result.ramp.failed}, closed by the far end ${result.stopped?.closedByPeer ?? '?'}\n` +
    `${phases.map(line).join('\n')}${kernelLine}${budgetLine}`
  );
}

/** Per-round ratio of a phase to idle, then the median over rounds. */
function ratio(results: RoundResult[], target: string, phase: Phase, key: 'produceMbPerSec' | 'consumeMbPerSec') {
  const values = results
    .filter((r) => r.target === target)
    .map((r) => r.phases[phase][key] / r.phases.idle[key])
    .filter(Number.isFinite);
  return values.length === 0 ? null : { median: round(median(values), 3), perRound: values.map((v) => round(v, 3)) };
}

const workDir = join('/dev/shm', `switchyard-bench-overload-${process.pid}`);
const profileDir = join('/tmp', `switchyard-overload-profile-${process.pid}`);
/** The proxy's log, kept after the run: what the budget did is in its warnings. */
const proxyLog = join('/tmp', `switchyard-overload-${process.pid}.log`);
mkdirSync(workDir, { recursive: true });
if (values.profile) mkdirSync(profileDir, { recursive: true });
let broker: Broker | undefined;
const started: Target[] = [];
const results: RoundResult[] = [];
try {
  log(
    `overload: ${connections} attackers x ${fetches} fetches of 1 MiB, ${values['step-ms']} ms per 100; budget ${budget}; ${records} records of ${recordSize} B per client per phase; ${rounds} round(s)`,
  );
  broker = await startBroker();
  const admin = createAdmin(broker);
  try {
    await admin.createTopics({ topics: ['bulk'], partitions: 1, replicas: 1 });
    await admin.createTopics({ topics: ['good-source'], partitions: 6, replicas: 1 });
  } finally {
    await admin.close();
  }
  const direct = `127.0.0.1:${broker.directPort}`;
  // About 1 MiB in the partition every attacker fetches, and what the consumers read.
  for (const [topic, count] of [
    ['bulk', 1100],
    ['good-source', records],
  ] as const) {
    const written = await producerPerformance(direct, topic, count, -1, runTimeoutMs);
    if (!written.ok) throw new Error(`writing ${topic} failed: ${written.stderr.slice(-500)}`);
  }
  const targets: Target[] = [];
  for (const name of targetNames) {
    if (name === 'direct') {
      targets.push({ name, bootstrap: direct, pid: undefined, stop: async () => {} });
    } else {
      const target = await startSwitchyard(broker, workDir, profileDir);
      started.push(target);
      targets.push(target);
    }
  }
  // Warm-up: the proxy's JIT and the broker's, not measured.
  for (const target of targets) await wellBehaved(target, broker, `${target.name}-warmup-${Date.now()}`, undefined);
  for (let index = 0; index < rounds; index++) {
    const order = index % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const result = await measureRound(target, broker, index);
      results.push(result);
      log(describe(result));
    }
  }
} finally {
  for (const target of started) await target.stop();
  await broker?.stop();
  rmSync(workDir, { recursive: true, force: true });
}

const summary: Record<string, unknown> = { connections, fetches, budget, records, rounds };
for (const name of targetNames) {
  summary[name] = Object.fromEntries(
    (['attack', 'after'] as const).flatMap((phase) => [
      [`${phase}Produce`, ratio(results, name, phase, 'produceMbPerSec')],
      [`${phase}Consume`, ratio(results, name, phase, 'consumeMbPerSec')],
    ]),
  );
}
const proxied = results.filter((r) => r.peakBufferedBytes !== undefined);
if (proxied.length > 0) {
  const peak = Math.max(...proxied.map((r) => r.peakBufferedBytes ?? 0));
  summary.peakBufferedBytes = peak;
  summary.peakBufferedToBudget = round(peak / budget, 3);
  summary.peakRssMb = Math.max(...proxied.map((r) => r.peakRssMb ?? 0));
}
const out = ['Overload workload: throughput under attack ÷ idle (median of per-round ratios)'];
if (targetNames.includes('switchyard')) out.push(`Switchyard's log: ${proxyLog}`);
for (const result of results) out.push(describe(result));
if (values.profile) {
  const profiles = readdirSync(profileDir).filter((file) => file.endsWith('.cpuprofile'));
  out.push(`CPU profile of the proxy: ${profiles.map((file) => join(profileDir, file)).join(', ') || 'none written'}`);
}
const json = JSON.stringify(summary);
if (values.json) writeFileSync(values.json, `${JSON.stringify({ summary, results }, null, 2)}\n`);
process.stdout.write(`${out.join('\n')}\n${json}\n`);
