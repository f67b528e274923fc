// What a configuration reload reports (docs/operations.md, reload): the outcome kept as "the last
// reload" in /status, the reply of POST /reload, and the metrics that follow it.

import type { ReloadMetrics } from '../../observability/metrics.ts';

export interface ReloadOutcome {
  /** The generation of the configuration in use after this reload (unchanged when it failed early). */
  readonly generation: number;
  /** When the reload ended (ISO 8601). */
  readonly at: string;
  /** What asked for it: "watch", "SIGHUP", "POST /reload". */
  readonly trigger: string;
  readonly ok: boolean;
  /** Why it failed: the validation errors with file:line, a refusal, a virtual cluster's failure. */
  readonly reason: string | null;
  readonly restarted: readonly string[];
  readonly started: readonly string[];
  readonly stopped: readonly string[];
  /** Multi-worker mode: the worker whose failure rolled the reload back. */
  readonly worker?: number;
}

/** A reload that changed nothing because it failed before anything was touched. */
export function failedBeforeChanges(generation: number, trigger: string, reason: string): ReloadOutcome {
  return {
    generation,
    at: new Date().toISOString(),
    trigger,
    ok: false,
    reason,
    restarted: [],
    started: [],
    stopped: [],
  };
}

/** How many reloads the admin page lists. */
const KEPT_RELOADS = 10;

/** The last reloads, newest first: `/status` reports the latest, the admin page lists them. */
export class ReloadHistory {
  readonly #outcomes: ReloadOutcome[] = [];

  record(outcome: ReloadOutcome): void {
    this.#outcomes.unshift(outcome);
    if (this.#outcomes.length > KEPT_RELOADS) this.#outcomes.length = KEPT_RELOADS;
  }

  get last(): ReloadOutcome | null {
    return this.#outcomes[0] ?? null;
  }

  get recent(): readonly ReloadOutcome[] {
    return [...this.#outcomes];
  }
}

/** Keeps the reload metrics in step with an outcome. */
export function countReload(metrics: ReloadMetrics, outcome: ReloadOutcome): void {
  metrics.generation.set({}, outcome.generation);
  metrics.reloads.inc({ outcome: outcome.ok ? 'success' : 'failure' });
  metrics.lastSuccess.set({}, outcome.ok ? 1 : 0);
  metrics.lastTimestamp.set({}, Date.parse(outcome.at) / 1000);
  for (const [change, names] of [
    ['restarted', outcome.restarted],
    ['started', outcome.started],
    ['stopped', outcome.stopped],
  ] as const) {
    for (const name of names) metrics.virtualClusterChanges.inc({ virtual_cluster: name, change });
  }
}
