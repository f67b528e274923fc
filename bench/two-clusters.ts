// The routed workload's shape: two single-broker clusters, `a` and `b`, and two clients that run at
// once, one per cluster. Which topics and groups live where is decided by their names, so the
// TopicRouter's rules (configs.ts) and the workload (workloads.ts) agree by construction; and the
// two clients' runs combine into one figure here, the same way for every target.

/** The clusters, in route id order: each is a cluster definition and a route of the same name. */
export const clusterNames = ['a', 'b'] as const;
export type ClusterIndex = 0 | 1;
export const clusterIndexes: readonly ClusterIndex[] = [0, 1];

/** Every topic and consumer group the workload puts on cluster `index` starts with this. */
export function clusterPrefix(index: ClusterIndex): string {
  return `bench-${clusterNames[index]}-`;
}

/** One client's part of a run: what it moved and for how long it moved it. */
export interface ClientRun {
  readonly megabytes: number;
  readonly seconds: number;
}

/**
 * The throughput of clients that ran at the same time: everything they moved over the time the
 * slowest of them took. Adding their own rates instead would credit a target for a client that
 * finished early while the other was still running.
 */
export function combinedMbPerSec(runs: readonly ClientRun[]): number {
  const megabytes = runs.reduce((sum, run) => sum + run.megabytes, 0);
  const seconds = Math.max(...runs.map((run) => run.seconds));
  return runs.length > 0 && seconds > 0 ? megabytes / seconds : Number.NaN;
}

/** The proxy's CPU seconds per GB (2^30 bytes) of what the clients moved together. */
export function cpuSecondsPerGb(cpuSeconds: number, runs: readonly ClientRun[]): number {
  const gigabytes = runs.reduce((sum, run) => sum + run.megabytes, 0) / 1024;
  return gigabytes > 0 ? cpuSeconds / gigabytes : Number.NaN;
}
