// The lifecycle's error classes (lifecycle.md §3.3).

import { SwitchyardError } from '../../errors.ts';

/** startup() called in STOPPING or STOPPED. */
export class ProxyNotRestartableError extends SwitchyardError {
  constructor(state: 'STOPPING' | 'STOPPED') {
    super(
      'ERR_PROXY_NOT_RESTARTABLE',
      `KafkaProxy is not restartable: startup() was called in state ${state}; create a new KafkaProxy to start again`,
    );
  }
}

/** Base of the lifetime promise's rejection reasons. */
export class LifecycleError extends SwitchyardError {
  /** The step that failed first, e.g. "bind virtual cluster 'orders' gateway 'ports'". */
  readonly step: string;
  /** The first error. */
  declare readonly cause: unknown;
  /** Later errors of the same sequence. */
  readonly additionalErrors: readonly unknown[];

  constructor(code: string, message: string, step: string, cause: unknown, additionalErrors: readonly unknown[]) {
    super(code, message, { cause });
    this.step = step;
    this.additionalErrors = additionalErrors;
  }
}

export class ProxyStartupError extends LifecycleError {
  /** `additionalErrors` grows while the failed startup releases what it acquired (§7.2). */
  constructor(step: string, cause: unknown, additionalErrors: unknown[] = []) {
    super(
      'ERR_PROXY_STARTUP',
      `Switchyard failed to start: ${step}: ${messageOf(cause)}`,
      step,
      cause,
      additionalErrors,
    );
  }
}

export class ProxyShutdownError extends LifecycleError {
  constructor(step: string, cause: unknown, additionalErrors: readonly unknown[]) {
    const more = additionalErrors.length === 0 ? '' : ` (and ${additionalErrors.length} more errors)`;
    super(
      'ERR_PROXY_SHUTDOWN',
      `Switchyard shutdown failed: ${step}: ${messageOf(cause)}${more}`,
      step,
      cause,
      additionalErrors,
    );
  }
}

/** whenStarted() after a shutdown interrupted startup. */
export class ProxyNotStartedError extends SwitchyardError {
  constructor() {
    super('ERR_PROXY_NOT_STARTED', 'the proxy stopped before it finished starting');
  }
}

/** A transition the state machine does not allow: a bug in Switchyard, never a user error. */
export class IllegalTransitionError extends SwitchyardError {
  constructor(machine: string, from: string, to: string) {
    super('ERR_ILLEGAL_TRANSITION', `illegal ${machine} state transition ${from} → ${to}`);
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
