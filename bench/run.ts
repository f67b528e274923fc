// `npm run bench`: runs the workloads against direct, relay, switchyard and reference, interleaved
// (A B C D, then D C B A, ...) so that a slow phase of a shared machine hits every target alike,
// and reports medians, spreads and per-round ratios. See docs/benchmark.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { atExit } from '../testbed/child-reaper.ts';
import { kafkaDistribution, repoRoot } from '../tools/kafka-dist.ts';
import { type Broker, startBroker } from './broker.ts';
import { benchDir } from './java.ts';
import { median, round, type Spread, spread } from './stats.ts';
import { type Run, summaryLine, unreliableSpreadPct, type WorkloadResult } from './summary.ts';
import {
  frontsTwoClusters,
  measuredIn,
  startTargets,
  type Target,
  type TargetContext,
  type TargetName,
  targetNames,
} from './targets.ts';
import {
  calibrate,
  createAdmin,
  type Figures,
  type SecondCluster,
  type Settings,
  type WorkloadContext,
  type WorkloadName,
  warmUp,
  workloadNames,
  workloads,
} from './workloads.ts';

type Mode = 'full' | 'quick' | 'smoke';

const modes: Record<Mode, Settings> = {
  full: {
    rounds: 5,
    calibrationRecords: 300_000,
    saturationSeconds: 20,
    warmupRecords: 200_000,
    fixedRateFraction: 0.3,
    fixedRateSeconds: 30,
    latencyWarmup: 1000,
    latencyRecords: 10_000,
    connectionSizes: [1000, 10_000],
    connectionSeconds: 30,
    idleSettleSeconds: 10,
    runTimeoutMs: 300_000,
  },
  // Under 10 minutes on a 2-core machine, broker start included: only the figures that short runs
  // measure reliably (see `notMeasured`).
  quick: {
    rounds: 3,
    calibrationRecords: 100_000,
    saturationSeconds: 0,
    warmupRecords: 30_000,
    fixedRateFraction: 0.3,
    fixedRateSeconds: 6,
    latencyWarmup: 200,
    latencyRecords: 1000,
    connectionSizes: [1000],
    connectionSeconds: 5,
    idleSettleSeconds: 5,
    runTimeoutMs: 90_000,
  },
  // Seconds per workload: only checks that the harness works, and measures nothing.
  smoke: {
    rounds: 1,
    calibrationRecords: 10_000,
    saturationSeconds: 1,
    warmupRecords: 0,
    fixedRateFraction: 0.3,
    fixedRateSeconds: 2,
    latencyWarmup: 20,
    latencyRecords: 100,
    connectionSizes: [50],
    connectionSeconds: 1,
    idleSettleSeconds: 1,
    runTimeoutMs: 60_000,
  },
};

/** Workloads a mode leaves out, and why: its figures would not be reliable. */
const notMeasured: Record<Mode, Partial<Record<WorkloadName, string>>> = {
  full: {},
  quick: {
    produce: 'saturation throughput needs runs of at least 15 s: run the full benchmark',
    consume: 'saturation throughput needs runs of at least 15 s: run the full benchmark',
    routed: 'saturation throughput needs runs of at least 15 s: run without --quick (--only routed for it alone)',
  },
  smoke: {},
};

const usage = `usage: npm run bench -- [--quick] [--only <workloads>] [--targets <targets>] [--rounds <n>] [--json <file>]
  workloads: ${workloadNames.join(', ')}
  targets:   ${targetNames.join(', ')}
  See docs/benchmark.md.
`;

function usageError(message: string): never {
  process.stderr.write(`${message}\n${usage}`);
  process.exit(2);
}

function parseOptions() {
  try {
    return parseArgs({ options }).values;
  } catch (error) {
    usageError((error as Error).message);
  }
}

const options = {
  quick: { type: 'boolean', default: false },
  smoke: { type: 'boolean', default: false },
  only: { type: 'string' },
  targets: { type: 'string' },
  rounds: { type: 'string' },
  json: { type: 'string' },
  help: { type: 'boolean', default: false },
} as const;
const values = parseOptions();

if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}

// --smoke (tiny runs that only prove the harness works) is left out of the usage: its figures mean nothing.
const mode: Mode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
const base = modes[mode];
const settings: Settings = { ...base, rounds: values.rounds ? Number(values.rounds) : base.rounds };
if (!Number.isInteger(settings.rounds) || settings.rounds < 1) usageError('--rounds must be a positive integer');

function parseList<T extends string>(text: string | undefined, all: readonly T[], what: string): T[] {
  if (!text) return [...all];
  const wanted = text.split(',').map((item) => item.trim());
  for (const item of wanted) {
    if (!(all as readonly string[]).includes(item))
      usageError(`unknown ${what} '${item}': expected one of ${all.join(', ')}`);
  }
  return all.filter((item) => wanted.includes(item));
}

const selectedWorkloads = parseList<WorkloadName>(values.only, workloadNames, 'workload').filter(
  (name) => notMeasured[mode][name] === undefined,
);
const selectedTargets = parseList<TargetName>(values.targets, targetNames, 'target');
/** Whether `workload` measures `target`: by default every target in front of the one broker. */
function measures(workload: WorkloadName, target: TargetName): boolean {
  if (!measuredIn(target, workload)) return false;
  return workloads[workload].appliesTo?.(target) ?? !frontsTwoClusters(target);
}
// Only targets a selected workload measures are started: `--only routed` starts no relay or
// reference proxy, and any run without the routed workload neither the two-cluster targets nor the
// second broker they need (which start only when the routed workload's turn comes).
const startedTargets = selectedTargets.filter((target) => selectedWorkloads.some((w) => measures(w, target)));
const needsSecondBroker = startedTargets.some(frontsTwoClusters);

const log = (message: string) => process.stderr.write(`${message}\n`);

/** The selected targets a workload measures. */
function targetsOf(name: WorkloadName): TargetName[] {
  return startedTargets.filter((target) => measures(name, target));
}

function summarise(
  rounds: WorkloadResult['rounds'],
  name: WorkloadName,
): Pick<WorkloadResult, 'summary' | 'comparisons'> {
  const summary: WorkloadResult['summary'] = {};
  for (const target of targetsOf(name)) {
    const figures = rounds.flatMap((r) =>
      r.runs.filter((run) => run.target === target && run.figures).map((run) => run.figures as Figures),
    );
    const keys = [...new Set(figures.flatMap((f) => Object.keys(f)))];
    summary[target] = Object.fromEntries(
      keys.map((key) => [
        key,
        spread(figures.map((f) => f[key]).filter((v): v is number => v !== undefined && Number.isFinite(v))),
      ]),
    );
  }
  const comparisons: WorkloadResult['comparisons'] = {};
  for (const comparison of workloads[name].comparisons(settings)) {
    const perRound: number[] = [];
    for (const r of rounds) {
      const of = r.runs.find((run) => run.target === comparison.of)?.figures?.[comparison.metric];
      const to = r.runs.find((run) => run.target === comparison.to)?.figures?.[comparison.metric];
      if (of === undefined || to === undefined || !Number.isFinite(of) || !Number.isFinite(to)) continue;
      const value = comparison.kind === 'ratio' ? of / to : of - to;
      if (Number.isFinite(value)) perRound.push(round(value, 4));
    }
    comparisons[comparison.key] = { perRound, median: perRound.length > 0 ? round(median(perRound), 4) : null };
  }
  return { summary, comparisons };
}

async function runWorkload(
  name: WorkloadName,
  targets: Map<TargetName, Target>,
  context: WorkloadContext,
): Promise<WorkloadResult> {
  const workload = workloads[name];
  const parameters = workload.parameters(settings);
  log(`${name}: ${JSON.stringify(parameters)}`);
  const rounds: WorkloadResult['rounds'] = [];
  try {
    await workload.prepare?.(context);
  } catch (error) {
    log(`  preparation failed: ${(error as Error).message}`);
    return {
      parameters: { ...parameters, preparationError: (error as Error).message },
      available: false,
      rounds,
      summary: {},
      comparisons: {},
    };
  }
  // A target whose run hung until the time limit is not run again in this workload: a proxy that
  // hangs would otherwise cost the time limit in every round.
  const hung = new Map<TargetName, number>();
  for (let index = 0; index < settings.rounds; index++) {
    // A B C D, D C B A, A B C D, ...
    const measured = targetsOf(name);
    const order = index % 2 === 0 ? measured : [...measured].reverse();
    const runs: Run[] = [];
    for (const targetName of order) {
      const target = targets.get(targetName);
      const started = performance.now();
      const unavailable = target?.failure();
      if (!target || unavailable !== undefined) {
        runs.push({ target: targetName, error: `target unavailable: ${unavailable ?? 'not started'}`, seconds: 0 });
        continue;
      }
      const hungIn = hung.get(targetName);
      if (hungIn !== undefined) {
        runs.push({ target: targetName, error: `skipped: its run in round ${hungIn} timed out`, seconds: 0 });
        continue;
      }
      try {
        const figures = await workload.run(target, index, context);
        const seconds = round((performance.now() - started) / 1000, 1);
        runs.push({ target: targetName, figures: roundFigures(figures), seconds });
        log(`  round ${index + 1} ${targetName}: ${formatFigures(figures)} (${seconds} s)`);
      } catch (error) {
        const seconds = round((performance.now() - started) / 1000, 1);
        const message = (error as Error).message;
        runs.push({ target: targetName, error: message, seconds });
        if (message.includes('timed out after')) hung.set(targetName, index + 1);
        log(`  round ${index + 1} ${targetName}: FAILED ${message.split('\n').slice(0, 4).join(' | ')}`);
      }
    }
    rounds.push({ round: index + 1, order, runs });
  }
  return { parameters, available: true, rounds, ...summarise(rounds, name) };
}

function roundFigures(figures: Figures): Figures {
  return Object.fromEntries(
    Object.entries(figures).map(([key, value]) => [key, Number.isFinite(value) ? round(value, 4) : Number.NaN]),
  );
}

function formatFigures(figures: Figures): string {
  return Object.entries(figures)
    .filter(([, value]) => Number.isFinite(value))
    .map(([key, value]) => `${key}=${round(value, 3)}`)
    .join(' ');
}

function number(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3);
}

function cell(value: Spread | null | undefined): string {
  if (!value) return '-';
  const text = number(value.median);
  return value.n > 1 && value.spreadPct !== null ? `${text} ±${Math.round(value.spreadPct / 2)}%` : text;
}

function grid(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const format = (row: string[]) => `  ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [format(header), ...rows.map(format)];
}

function table(name: WorkloadName, result: WorkloadResult): string {
  const workload = workloads[name];
  const metrics = workload.metrics(settings);
  const parameters = Object.entries(result.parameters)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('/') : String(value)}`)
    .join('; ');
  const lines = [`## ${name}`, `  ${parameters}`];
  if (!result.available) return lines.join('\n');
  const rows = targetsOf(name).map((target) => {
    const failedRuns = result.rounds.flatMap((r) => r.runs).filter((run) => run.target === target && run.error).length;
    const failedNote = failedRuns > 0 ? ` (${failedRuns} failed)` : '';
    const summary = result.summary[target] ?? {};
    return [`${target}${failedNote}`, ...metrics.map((m) => cell(summary[m.key]))];
  });
  lines.push(...grid(['target', ...metrics.map((m) => m.label)], rows));
  // Comparisons as a second grid: one row per pair of targets, one column per compared figure.
  const comparisons = workload.comparisons(settings);
  const columns = [...new Set(comparisons.map((c) => `${c.kind}:${c.metric}`))];
  const pairs = [...new Set(comparisons.map((c) => `${c.of}/${c.to}`))];
  const label = (column: string) => {
    const [kind, metric] = column.split(':');
    const info = metrics.find((m) => m.key === metric);
    return `${kind === 'ratio' ? 'ratio' : 'added'} ${info?.label ?? metric}`;
  };
  const comparisonRows = pairs
    .map((pair) => [
      pair,
      ...columns.map((column) => {
        const metric = column.slice(column.indexOf(':') + 1);
        const value = result.comparisons[`${metric}:${pair}`]?.median;
        return value === undefined || value === null ? '-' : number(value);
      }),
    ])
    .filter((row) => row.slice(1).some((c) => c !== '-'));
  if (comparisonRows.length > 0) {
    lines.push('  median of per-round comparisons:', ...grid(['pair', ...columns.map(label)], comparisonRows));
  }
  for (const target of targetsOf(name)) {
    const firstError = result.rounds.flatMap((r) => r.runs).find((run) => run.target === target && run.error)?.error;
    if (firstError) lines.push(`  ${target} failed: ${firstError.split('\n').slice(0, 3).join(' | ')}`);
  }
  return lines.join('\n');
}

/** Which code was measured: the commit, and whether the working tree differed from it. */
function gitDescription(): string | null {
  try {
    const options = { cwd: repoRoot, encoding: 'utf8' } as const;
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], options).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'bin'], options).trim() !== '';
    return dirty ? `${commit} with uncommitted changes in src/ or bin/` : commit;
  } catch {
    return null;
  }
}

async function startInto(
  targets: Map<TargetName, Target>,
  context: TargetContext,
  names: readonly TargetName[],
): Promise<void> {
  for (const [name, target] of await startTargets(context, names)) {
    targets.set(name, target);
    const failure = target.failure();
    const [a, b] = target.perCluster ?? [];
    const where = a !== undefined && a !== b ? `${a} and ${b}` : target.bootstrap;
    log(`  ${name}: ${target.description}${failure ? ` - UNAVAILABLE: ${failure}` : ` at ${where}`}`);
  }
}

/**
 * The routed workload with its second cluster: the second broker and the two-cluster targets are
 * started just before it and stopped right after, so that no other workload shares the machine
 * with them. `targets` and `failures` receive the two-cluster targets for the report.
 */
async function runWithSecondCluster(
  context: WorkloadContext,
  workDir: string,
  targets: Map<TargetName, Target>,
  failures: Map<TargetName, string | null>,
): Promise<WorkloadResult> {
  log("routed: starting the second broker (the workload's second cluster) and its targets");
  let secondBroker: Broker;
  try {
    secondBroker = await startBroker('b');
  } catch (error) {
    const message = (error as Error).message;
    log(`  ${message}`);
    const parameters = { ...workloads.routed.parameters(settings), preparationError: message };
    return { parameters, available: false, rounds: [], summary: {}, comparisons: {} };
  }
  const secondCluster: SecondCluster = { broker: secondBroker, admin: createAdmin(secondBroker) };
  // `direct` too, started again now that there is a second broker for it to reach.
  const own = new Map<TargetName, Target>();
  try {
    await startInto(own, { broker: context.broker, secondBroker, workDir }, targetsOf('routed'));
    const routedContext: WorkloadContext = { ...context, secondCluster };
    await warmUp([...own.values()], routedContext);
    return await runWorkload('routed', own, routedContext);
  } finally {
    for (const [name, target] of own) {
      if (!frontsTwoClusters(name)) continue;
      targets.set(name, target);
      failures.set(name, target.failure() ?? null);
      await target.stop();
    }
    await secondCluster.admin.close();
    await secondBroker.stop();
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const kafka = kafkaDistribution();
  log(`Switchyard benchmark, ${mode} mode, ${settings.rounds} round(s); Kafka ${kafka.version}`);
  let broker: Broker | undefined;
  const targets = new Map<TargetName, Target>();
  const results: Partial<Record<WorkloadName, WorkloadResult>> = {};
  const targetFailures = new Map<TargetName, string | null>();
  const workDir = join('/dev/shm', `switchyard-bench-targets-${process.pid}`);
  const forgetWorkDir = atExit(() => rmSync(workDir, { recursive: true, force: true }));
  try {
    log('starting the broker');
    broker = await startBroker();
    log('starting the targets');
    await startInto(
      targets,
      { broker, workDir },
      startedTargets.filter((name) => !frontsTwoClusters(name)),
    );
    const admin = createAdmin(broker);
    const calibration = { produceRate: Number.NaN, consumeRate: Number.NaN };
    const context: WorkloadContext = { broker, settings, admin, calibration, log };
    try {
      log('warming up the proxies');
      await warmUp([...targets.values()], context);
      log('measuring the direct saturation rates that size the workloads');
      await calibrate(context);
      log(
        `  direct: produce ${Math.round(calibration.produceRate)} records/s, consume ${Math.round(calibration.consumeRate)} records/s`,
      );
      for (const name of selectedWorkloads) {
        results[name] =
          name === 'routed' && needsSecondBroker
            ? await runWithSecondCluster(context, workDir, targets, targetFailures)
            : await runWorkload(name, targets, context);
      }
    } finally {
      await admin.close();
    }
  } finally {
    // A target that died during the run is reported as such; stopping it must not count.
    for (const [name, target] of targets)
      if (!targetFailures.has(name)) targetFailures.set(name, target.failure() ?? null);
    for (const target of targets.values()) await target.stop();
    await broker?.stop();
    rmSync(workDir, { recursive: true, force: true });
    forgetWorkDir();
  }

  const { line: summary, unreliable } = summaryLine(results, settings.connectionSizes);
  const report = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    mode,
    settings,
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model,
      memoryGb: round(totalmem() / 2 ** 30, 1),
      node: process.version,
    },
    kafka: kafka.version,
    switchyardCommit: gitDescription(),
    targets: Object.fromEntries(
      startedTargets.map((name) => [
        name,
        {
          description: targets.get(name)?.description,
          failure: targetFailures.has(name) ? targetFailures.get(name) : 'not started',
        },
      ]),
    ),
    workloads: results,
    notMeasured: notMeasured[mode],
    unreliable,
    summary,
  };
  const json = `${JSON.stringify(report, (_key, value) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`;
  const latest = join(benchDir, 'results', 'latest.json');
  for (const file of [latest, ...(values.json ? [values.json] : [])]) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, json);
  }

  const nameWidth = Math.max(10, ...startedTargets.map((name) => name.length));
  const out: string[] = [
    `Switchyard benchmark (${mode}, ${settings.rounds} round(s), Kafka ${kafka.version}, ${availableParallelism()} CPUs, ` +
      `commit ${report.switchyardCommit ?? 'unknown'}, ${Math.round((Date.now() - started.getTime()) / 1000)} s)`,
    ...startedTargets.map((name) => {
      const target = targets.get(name);
      const failure = targetFailures.has(name) ? targetFailures.get(name) : 'not started';
      return `  ${name.padEnd(nameWidth)} ${target?.description ?? 'not started'}${failure ? ` - UNAVAILABLE: ${failure.split('\n')[0]}` : ''}`;
    }),
    '  figures: median over rounds, ± half the min-max spread; MB = 2^20 bytes, GB = 2^30 bytes',
    '',
  ];
  for (const name of selectedWorkloads) {
    const result = results[name];
    if (result) out.push(table(name, result), '');
  }
  const skipped = Object.entries(notMeasured[mode]);
  if (skipped.length > 0) {
    out.push(`Not measured in ${mode} mode (null in the summary line):`);
    for (const [name, reason] of skipped) out.push(`  ${name}: ${reason}`);
    out.push('');
  }
  if (unreliable.length > 0) {
    out.push(`Summary figures whose rounds spread more than ${unreliableSpreadPct}% (do not rely on them):`);
    for (const entry of unreliable) out.push(`  ${entry}`);
    out.push('');
  }
  if (mode === 'smoke') out.push('Smoke mode: tiny runs that only check the harness; the figures mean nothing.', '');
  out.push(`JSON: ${latest}`);
  process.stdout.write(`${out.join('\n')}\n${JSON.stringify(summary)}\n`);
}

await main();
