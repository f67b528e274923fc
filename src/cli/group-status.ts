// How the supervisor describes its group of workers (lifecycle.md §13.5): pure functions over
// what the workers last reported, so the rules are unit-tested without forking anything.

import type { Readiness } from '../management/management-server.ts';
import type { VirtualClusterStatus } from '../proxy/lifecycle/kafka-proxy.ts';

export interface WorkerReport {
  readonly index: number;
  /** Null until the worker has reported (and after it exited). */
  readonly readiness: Readiness | null;
  readonly virtualClusters: readonly VirtualClusterStatus[] | null;
}

/** 200 only when the group is started and every worker is STARTED with every VC serving. */
export function groupReadiness(groupState: string, workers: readonly WorkerReport[]): Readiness {
  const reasons: string[] = [];
  if (groupState !== 'started') reasons.push(`worker group state is ${groupState}`);
  for (const worker of workers) {
    if (worker.readiness === null) reasons.push(`worker ${worker.index} has not reported its state`);
    else for (const reason of worker.readiness.reasons) reasons.push(`worker ${worker.index}: ${reason}`);
  }
  return { ready: reasons.length === 0, reasons };
}

/**
 * Per VC: `serving` if it is serving in every worker; otherwise its state and failure reason in
 * the lowest-numbered worker where it is not serving (a worker that has not reported counts as
 * `initializing`). `workers` is in index order.
 */
export function groupVirtualClusters(workers: readonly WorkerReport[]): VirtualClusterStatus[] {
  const names = [...new Set(workers.flatMap((w) => (w.virtualClusters ?? []).map((vc) => vc.name)))];
  return names.map((name) => {
    const perWorker = workers.map((w) => w.virtualClusters?.find((vc) => vc.name === name) ?? null);
    const known = perWorker.find((vc) => vc !== null) as VirtualClusterStatus;
    const notServing = perWorker.find((vc) => vc === null || vc.state !== 'serving');
    if (notServing === undefined) return known;
    return notServing ?? { ...known, state: 'initializing', failureReason: null, gateways: [] };
  });
}
