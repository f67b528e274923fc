// Messages between the supervisor and its worker processes (lifecycle.md §13.3, §13.5).

import type { Readiness } from '../management/management-server.ts';
import type { StatusDocument } from '../proxy/lifecycle/kafka-proxy.ts';
import type { ReloadOutcome } from '../proxy/lifecycle/reload.ts';

/** Worker → supervisor. */
export type WorkerMessage =
  /** Sent after every proxy or virtual-cluster state change. */
  | { readonly type: 'status'; readonly status: StatusDocument; readonly readiness: Readiness }
  | { readonly type: 'metrics'; readonly id: number; readonly text: string }
  /** Answer to reload-prepare: the file is valid here and the new plugins are initialized, or why not. */
  | { readonly type: 'reload-prepared'; readonly id: number; readonly reason: string | null }
  /** Answer to reload-discard, once the prepared plugins are closed (so a refused reload's reply means nothing is left). */
  | { readonly type: 'reload-discarded'; readonly id: number; readonly reason: string | null }
  /** Answer to reload-commit (a null outcome: the prepared reload was gone, with `reason`). */
  | {
      readonly type: 'reload-committed';
      readonly id: number;
      readonly outcome: ReloadOutcome | null;
      readonly reason: string | null;
    };

/** Supervisor → worker. */
export type SupervisorMessage =
  | { readonly type: 'shutdown' }
  | { readonly type: 'metrics'; readonly id: number }
  /** Reload in two phases (docs/design/2026-12-03-hot-reload.md): prepare everywhere, then commit or discard everywhere. */
  | { readonly type: 'reload-prepare'; readonly id: number; readonly trigger: string }
  | { readonly type: 'reload-commit'; readonly id: number }
  | { readonly type: 'reload-discard'; readonly id: number };

/** The environment variable that tells a forked worker its index. */
export const WORKER_INDEX_ENV = 'SWITCHYARD_WORKER_INDEX';

export function isMessage<T extends { type: string }>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
