// The proxy state machine (lifecycle.md §5): the states as a discriminated union and the only
// function that moves between them. Any edge not listed in §5 throws.

import type { ProxyStateLabel } from '../../observability/catalogue.ts';
import type { ProxyStartupError } from './errors.ts';
import { IllegalTransitionError } from './errors.ts';

export type ProxyState =
  | { readonly kind: 'NEW' }
  | { readonly kind: 'STARTING' }
  /** A startup step failed and what was acquired is being released; reported as STARTING (§7.2). */
  | { readonly kind: 'STARTING_FAILED'; readonly failure: ProxyStartupError }
  | { readonly kind: 'STARTED' }
  /** `interruptedStartup`: the shutdown was requested in STARTING (§7.4). */
  | { readonly kind: 'STOPPING'; readonly reason: string; readonly interruptedStartup: boolean }
  | { readonly kind: 'STOPPED' };

export type ProxyStateKind = ProxyState['kind'];

const EDGES: Readonly<Record<ProxyStateKind, readonly ProxyStateKind[]>> = {
  NEW: ['STARTING'],
  STARTING: ['STARTED', 'STOPPING', 'STARTING_FAILED'],
  STARTING_FAILED: ['STOPPED'],
  STARTED: ['STOPPING'],
  STOPPING: ['STOPPED'],
  STOPPED: [],
};

/** Returns `to` if the edge from `from` is allowed, throws IllegalTransitionError otherwise. */
export function transitionProxy(from: ProxyState, to: ProxyState): ProxyState {
  if (!EDGES[from.kind].includes(to.kind)) throw new IllegalTransitionError('proxy', from.kind, to.kind);
  return to;
}

/** The state as the outside world sees it (metrics, /status, /readyz). */
export function reportedState(state: ProxyState): ProxyStateLabel {
  return state.kind === 'STARTING_FAILED' ? 'starting' : (state.kind.toLowerCase() as ProxyStateLabel);
}
