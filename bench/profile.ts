// Where a pass-through proxy's time goes: the same produce and consume workloads through the plain
// TCP relay and through Switchyard, with system calls counted on each proxy process (strace -c),
// then Switchyard alone under the CPU profiler (node --cpu-prof). Prints system calls per MB for
// both and Switchyard's hottest functions by self time.
//
//   npm run bench:profile [-- --megabytes 200] [--target routerDynamic]
//
// --target names the Switchyard target of bench/targets.ts to profile (default: switchyard). A
// target in front of two clusters (`union`, `vcPerCluster`) gets the second broker, and its half of
// the megabytes per cluster, both clusters at once, as in the routed workload.
//
// strace slows the traced process down, so this measures counts, not speed; use `npm run bench`
// for speed.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Broker, startBroker } from './broker.ts';
import { cpuSeconds } from './proc.ts';
import { frontsTwoClusters, startTargets, type Target, type TargetName } from './targets.ts';
import { clusterIndexes, clusterPrefix } from './two-clusters.ts';
import { consumerPerformance, producerPerformance, recordSize } from './workloads.ts';

const { values } = parseArgs({
  options: { megabytes: { type: 'string', default: '200' }, target: { type: 'string', default: 'switchyard' } },
});
const profiledTarget = values.target as TargetName;
const megabytes = Number(values.megabytes);
const records = Math.round((megabytes * 1024 * 1024) / recordSize);

interface SyscallCount {
  readonly total: number;
  readonly top: readonly { readonly name: string; readonly calls: number }[];
}

/**
 * Attaches `strace -c` to every thread of a process (libuv's I/O happens on the main thread, but
 * the thread pool and V8's threads count too); stop() detaches and parses the summary.
 */
function countSyscalls(pid: number): { stop(): Promise<SyscallCount> } {
  const threads = readdirSync(`/proc/${pid}/task`).flatMap((tid) => ['-p', tid]);
  const strace: ChildProcess = spawn('strace', ['-c', '-f', ...threads], { stdio: ['ignore', 'ignore', 'pipe'] });
  let report = '';
  strace.stderr!.on('data', (chunk: Buffer) => {
    report += chunk.toString();
  });
  return {
    async stop() {
      strace.kill('SIGINT');
      await once(strace, 'exit');
      // Rows: "% time  seconds  usecs/call  calls  [errors]  syscall"; the errors column may be empty.
      const rows = report
        .split('\n')
        .map((line) => line.trim().split(/\s+/))
        .filter((cells) => cells.length >= 5 && /^[\d.]+$/.test(cells[0] ?? '') && cells.at(-1) !== 'total')
        .map((cells) => ({ name: cells.at(-1)!, calls: Number(cells[3]) }))
        .sort((a, b) => b.calls - a.calls);
      return { total: rows.reduce((sum, row) => sum + row.calls, 0), top: rows.slice(0, 6) };
    },
  };
}

/**
 * Where the records go through `target`: all through its bootstrap, or, for a target in front of
 * two clusters, half through each cluster's bootstrap to a topic of that cluster.
 */
function paths(target: Target, topic: string): { bootstrap: string; topic: string; records: number }[] {
  if (!frontsTwoClusters(target.name) || !target.perCluster) return [{ bootstrap: target.bootstrap, topic, records }];
  const { perCluster } = target;
  return clusterIndexes.map((i) => ({
    bootstrap: perCluster[i],
    topic: `${clusterPrefix(i)}${topic}`,
    records: Math.ceil(records / 2),
  }));
}

async function produce(target: Target, topic: string): Promise<void> {
  await Promise.all(
    paths(target, topic).map(async (path) => {
      const result = await producerPerformance(path.bootstrap, path.topic, path.records, -1, 600_000);
      if (!result.ok) throw new Error(`produce through ${path.bootstrap} failed: ${result.stderr.slice(-500)}`);
    }),
  );
}

async function consume(target: Target, topic: string): Promise<void> {
  await Promise.all(
    paths(target, topic).map(async (path) => {
      const group = `profile-${path.topic}`;
      const result = await consumerPerformance(path.bootstrap, path.topic, path.records, group, 600_000);
      if (!result.ok) throw new Error(`consume through ${path.bootstrap} failed: ${result.stderr.slice(-500)}`);
    }),
  );
}

interface Measured {
  readonly produce: SyscallCount;
  readonly consume: SyscallCount;
  /** The proxy's CPU seconds for the whole run (traced, so inflated; compare within a run). */
  readonly cpuSeconds: number;
}

async function measure(target: Target): Promise<Measured> {
  const topic = `profile-${target.name}`;
  const cpuBefore = cpuSeconds(target.pid!);
  const producing = countSyscalls(target.pid!);
  await produce(target, topic);
  const produceCount = await producing.stop();
  const consuming = countSyscalls(target.pid!);
  await consume(target, topic);
  const consumeCount = await consuming.stop();
  return { produce: produceCount, consume: consumeCount, cpuSeconds: cpuSeconds(target.pid!) - cpuBefore };
}

/** Self time per function of a V8 .cpuprofile, hottest first. */
function hotSpots(file: string): { name: string; percent: number }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  };
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    total += hits;
    const where = url ? `${url.replace(/^.*\/work\/main\//, '').replace(/^file:\/\//, '')}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
  }
  return [...byFunction.entries()]
    .map(([name, hits]) => ({ name, percent: (100 * hits) / total }))
    .sort((a, b) => b.percent - a.percent)
    .slice(0, 15);
}

const profileDir = join('/tmp', `switchyard-cpu-profile-${process.pid}`);
rmSync(profileDir, { recursive: true, force: true });
mkdirSync(profileDir, { recursive: true });

let broker: Broker | undefined;
let secondBroker: Broker | undefined;
const started: Target[] = [];
async function stopTargets(): Promise<void> {
  for (const target of started.splice(0)) await target.stop();
}
try {
  broker = await startBroker();
  if (frontsTwoClusters(profiledTarget)) secondBroker = await startBroker('b');
  // Pass 1: system calls of the relay and of Switchyard, neither profiled (the profiler's sampling
  // signals would be counted as system calls).
  for (const target of (
    await startTargets({ broker, secondBroker, workDir: join(broker.dir, 'count') }, ['relay', profiledTarget])
  ).values()) {
    started.push(target);
  }
  const results = new Map<string, Measured>();
  for (const target of started) {
    const failure = target.failure();
    if (failure) throw new Error(`${target.name} did not start: ${failure}`);
    process.stderr.write(`${target.name}: producing and consuming ${megabytes} MB under strace…\n`);
    results.set(target.name, await measure(target));
  }
  await stopTargets();

  // Pass 2: Switchyard alone under the CPU profiler, without strace. The bench harness starts it;
  // the profiler reaches it through NODE_OPTIONS.
  process.env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${profileDir}`;
  const profiled = (
    await startTargets({ broker, secondBroker, workDir: join(broker.dir, 'profile') }, [profiledTarget])
  ).get(profiledTarget)!;
  delete process.env.NODE_OPTIONS;
  started.push(profiled);
  process.stderr.write(`${profiledTarget}: producing and consuming ${megabytes} MB under the CPU profiler…\n`);
  await produce(profiled, 'profile-cpu');
  await consume(profiled, 'profile-cpu');
  await stopTargets();

  console.log(`System calls per MB (${megabytes} MB of 1 KiB records, acks=all, linger 5 ms):`);
  for (const [name, result] of results) {
    for (const phase of ['produce', 'consume'] as const) {
      const count = result[phase];
      const top = count.top.map((row) => `${row.name} ${(row.calls / megabytes).toFixed(0)}`).join(', ');
      console.log(
        `  ${name.padEnd(10)} ${phase.padEnd(8)} ${(count.total / megabytes).toFixed(0).padStart(6)}/MB   (${top})`,
      );
    }
    console.log(
      `  ${name.padEnd(10)} CPU      ${result.cpuSeconds.toFixed(2).padStart(6)} s for both phases (under strace)`,
    );
  }
  const profile = readdirSync(profileDir).find((file) => file.endsWith('.cpuprofile'));
  if (profile) {
    console.log(`\nSwitchyard's hottest functions, share of its busy (non-idle) time (${join(profileDir, profile)}):`);
    for (const spot of hotSpots(join(profileDir, profile)))
      console.log(`  ${spot.percent.toFixed(1).padStart(5)}%  ${spot.name}`);
  } else {
    console.log(`\nno Switchyard CPU profile was written to ${profileDir}`);
  }
} finally {
  await stopTargets();
  await broker?.stop();
  await secondBroker?.stop();
}
