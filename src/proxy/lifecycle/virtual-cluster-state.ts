// The virtual-cluster state machine (lifecycle.md §9) and the metrics that follow it (§11, L54).

import type { VirtualClusterStateLabel } from '../../observability/catalogue.ts';
import { VIRTUAL_CLUSTER_STATES } from '../../observability/catalogue.ts';
import type { Logger } from '../../observability/logger.ts';
import type { ProxyMetrics } from '../../observability/metrics.ts';
import { IllegalTransitionError } from './errors.ts';

export type VirtualClusterState =
  | { readonly kind: 'initializing' }
  | { readonly kind: 'serving' }
  | { readonly kind: 'draining' }
  | { readonly kind: 'failed'; readonly reason: string }
  | { readonly kind: 'stopped' };

/**
 * Every allowed edge. Two are taken by a configuration reload only (docs/operations.md, reload):
 * `draining` → `initializing` restarts a changed virtual cluster once its old connections are
 * drained and its old plugins closed, and `failed` → `initializing` retries a failed one. The third
 * edge the lifecycle reserved for reloads, `serving` → `initializing`, is not needed: a restart
 * always drains first.
 */
const EDGES: Readonly<Record<VirtualClusterStateLabel, readonly VirtualClusterStateLabel[]>> = {
  initializing: ['serving', 'failed', 'stopped'],
  serving: ['draining'],
  draining: ['stopped', 'initializing'],
  failed: ['stopped', 'initializing'],
  stopped: [],
};

/** One VC's state, with the wall-clock time it was entered and the metrics kept in step with it. */
export class VirtualClusterStateMachine {
  readonly name: string;
  private current: VirtualClusterState = { kind: 'initializing' };
  private enteredAt: number;
  private enteredAtDate: Date;
  private readonly metrics: ProxyMetrics;
  private readonly logger: Logger;
  private readonly onTransition: () => void;

  /** `onTransition` runs synchronously after every transition (workers report it to the supervisor). */
  constructor(name: string, metrics: ProxyMetrics, logger: Logger, onTransition: () => void) {
    this.name = name;
    this.metrics = metrics;
    this.logger = logger;
    this.onTransition = onTransition;
    this.enteredAt = performance.now();
    this.enteredAtDate = new Date();
    this.updateGauge();
  }

  get state(): VirtualClusterState {
    return this.current;
  }

  /** When the current state was entered. */
  get since(): Date {
    return this.enteredAtDate;
  }

  transition(to: VirtualClusterState): void {
    const from = this.current;
    if (!EDGES[from.kind].includes(to.kind)) throw new IllegalTransitionError('virtual cluster', from.kind, to.kind);
    const now = performance.now();
    this.metrics.virtualClusterStateDuration.observe(
      { virtual_cluster: this.name, state: from.kind },
      (now - this.enteredAt) / 1000,
    );
    this.metrics.virtualClusterTransitions.inc({ virtual_cluster: this.name, from: from.kind, to: to.kind });
    this.current = to;
    this.enteredAt = now;
    this.enteredAtDate = new Date();
    this.updateGauge();
    if (to.kind === 'failed') {
      this.logger.error(`virtual cluster '${this.name}' failed: ${to.reason}`, { virtualCluster: this.name });
    } else {
      this.logger.debug(`virtual cluster '${this.name}' is ${to.kind}`, { virtualCluster: this.name, from: from.kind });
    }
    this.onTransition();
  }

  private updateGauge(): void {
    for (const state of VIRTUAL_CLUSTER_STATES) {
      this.metrics.virtualClusterState.set({ virtual_cluster: this.name, state }, state === this.current.kind ? 1 : 0);
    }
  }
}
