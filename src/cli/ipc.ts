// Messages between the supervisor and its worker processes (lifecycle.md §13.3, §13.5).

import type { Readiness } from '../management/management-server.ts';
import type { StatusDocument } from '../proxy/lifecycle/kafka-proxy.ts';

/** Worker → supervisor. */
export type WorkerMessage =
  /** Sent after every proxy or virtual-cluster state change. */
  | { readonly type: 'status'; readonly status: StatusDocument; readonly readiness: Readiness }
  | { readonly type: 'metrics'; readonly id: number; readonly text: string };

/** Supervisor → worker. */
export type SupervisorMessage = { readonly type: 'shutdown' } | { readonly type: 'metrics'; readonly id: number };

/** The environment variable that tells a forked worker its index. */
export const WORKER_INDEX_ENV = 'SWITCHYARD_WORKER_INDEX';

export function isMessage<T extends { type: string }>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
