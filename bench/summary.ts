// The benchmark's summary line (docs/benchmark.md): what later decisions are judged by, one JSON
// object of a fixed shape built from the workloads' results, with the figures whose rounds disagree
// too much to be relied on.
import { round, type Spread, spread } from './stats.ts';
import type { TargetName } from './targets.ts';
import { connectionMetric, type Figures, type WorkloadName } from './workloads.ts';

/** A summary figure whose per-round values spread more than this (max-min over median) is flagged. */
export const unreliableSpreadPct = 25;

export interface Run {
  readonly target: TargetName;
  readonly figures?: Figures;
  readonly error?: string;
  readonly seconds: number;
}

export interface WorkloadResult {
  readonly parameters: Record<string, unknown>;
  readonly available: boolean;
  readonly rounds: { readonly round: number; readonly order: TargetName[]; readonly runs: Run[] }[];
  /** Per target, per figure: median and spread over rounds. */
  readonly summary: Partial<Record<TargetName, Record<string, Spread | null>>>;
  /** Per comparison: the per-round values and their median. */
  readonly comparisons: Record<string, { readonly perRound: number[]; readonly median: number | null }>;
}

/**
 * The summary line (docs/benchmark.md): Switchyard's plain virtual cluster against the other
 * targets, medians over rounds. Figures whose rounds spread more than `unreliableSpreadPct` are
 * listed in `unreliable`, printed above the line.
 */
export function summaryLine(
  results: Partial<Record<WorkloadName, WorkloadResult>>,
  connectionSizes: readonly number[],
) {
  const unreliable: string[] = [];
  const check = (path: string, values: readonly number[]) => {
    const s = spread(values);
    if (s && s.n > 1 && s.spreadPct !== null && s.spreadPct > unreliableSpreadPct) {
      unreliable.push(`${path} (rounds ${values.map((v) => round(v, 3)).join(', ')})`);
    }
  };
  const ratio = (path: string, name: WorkloadName, key: string): number | null => {
    const compared = results[name]?.comparisons[key];
    if (!compared || compared.median === null) return null;
    check(path, compared.perRound);
    return compared.median;
  };
  const perRound = (name: WorkloadName, target: TargetName, metric: string): number[] =>
    (results[name]?.rounds ?? [])
      .flatMap((r) => r.runs)
      .filter((run) => run.target === target && run.figures)
      .map((run) => run.figures?.[metric])
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
  const median = (path: string, name: WorkloadName, target: TargetName, metric: string): number | null => {
    const values = perRound(name, target, metric);
    if (values.length === 0) return null;
    check(path, values);
    return round(spread(values)!.median, 4);
  };
  const throughput = (name: 'produce' | 'consume') => ({
    ratioToRelay: ratio(`${name}.ratioToRelay`, name, 'mbPerSec:switchyard/relay'),
    ratioToReference: ratio(`${name}.ratioToReference`, name, 'mbPerSec:switchyard/reference'),
    cpuPerGbToRelay: ratio(`${name}.cpuPerGbToRelay`, name, 'cpuSecPerGb:switchyard/relay'),
    cpuPerGbToReference: ratio(`${name}.cpuPerGbToReference`, name, 'cpuSecPerGb:switchyard/reference'),
  });
  const routed = (name: 'produce' | 'consume') => ({
    // The routed workload: the TopicRouter over two clusters against a pass-through virtual cluster
    // per cluster, the same two clients at once (goals: >= 0.85, CPU/GB <= 1.3).
    unionToPlain: ratio(`routed.${name}.unionToPlain`, 'routed', `${name}MbPerSec:union/vcPerCluster`),
    unionCpuPerGbToPlain: ratio(
      `routed.${name}.unionCpuPerGbToPlain`,
      'routed',
      `${name}CpuSecPerGb:union/vcPerCluster`,
    ),
    // The produce and consume workloads over the one broker: the same single client through the
    // one-route static router and the two-route TopicRouter, against the plain virtual cluster.
    staticToPlain: ratio(`routed.${name}.staticToPlain`, name, 'mbPerSec:routerStatic/switchyard'),
    dynamicToPlain: ratio(`routed.${name}.dynamicToPlain`, name, 'mbPerSec:routerDynamic/switchyard'),
    staticCpuPerGbToPlain: ratio(`routed.${name}.staticCpuPerGbToPlain`, name, 'cpuSecPerGb:routerStatic/switchyard'),
    dynamicCpuPerGbToPlain: ratio(
      `routed.${name}.dynamicCpuPerGbToPlain`,
      name,
      'cpuSecPerGb:routerDynamic/switchyard',
    ),
  });
  // The connections figures of the smallest size: the one compared with the relay's RSS.
  const size = connectionSizes[0] ?? 0;
  const failures = connectionSizes.flatMap((n) =>
    perRound('connections', 'switchyard', connectionMetric(n, 'failures')),
  );
  const line = {
    produce: throughput('produce'),
    consume: throughput('consume'),
    fixedRate: {
      achievedRatio: median('fixedRate.achievedRatio', 'fixedRate', 'switchyard', 'achievedRatio'),
      addedP99Ms: ratio('fixedRate.addedP99Ms', 'fixedRate', 'p99Ms:switchyard/direct'),
      cpuPerGbToRelay: ratio('fixedRate.cpuPerGbToRelay', 'fixedRate', 'cpuSecPerGb:switchyard/relay'),
      cpuPerGbToReference: ratio('fixedRate.cpuPerGbToReference', 'fixedRate', 'cpuSecPerGb:switchyard/reference'),
    },
    latency: {
      addedP50Ms: ratio('latency.addedP50Ms', 'latency', 'acks1.p50Ms:switchyard/direct'),
      addedP99Ms: ratio('latency.addedP99Ms', 'latency', 'acks1.p99Ms:switchyard/direct'),
      relayAddedP50Ms: ratio('latency.relayAddedP50Ms', 'latency', 'acks1.p50Ms:relay/direct'),
    },
    connections: {
      rssMb: median('connections.rssMb', 'connections', 'switchyard', connectionMetric(size, 'rssMb')),
      relayRssMb: median('connections.relayRssMb', 'connections', 'relay', connectionMetric(size, 'rssMb')),
      failures: failures.length === 0 ? null : failures.reduce((sum, n) => sum + n, 0),
    },
    idle: {
      rssMb: median('idle.rssMb', 'idle', 'switchyard', 'rssMb'),
      startSeconds: median('idle.startSeconds', 'idle', 'switchyard', 'startSeconds'),
    },
    // Routers against the plain virtual cluster of the same run (goals: union >= 0.85 and CPU/GB
    // <= 1.3; static >= 0.98 and CPU/GB <= 1.1).
    routed: {
      produce: routed('produce'),
      consume: routed('consume'),
    },
  };
  return { line, unreliable };
}
