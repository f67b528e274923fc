// Outcomes and exit codes of the entry point (lifecycle.md §14.3–§14.5).

import { ProxyShutdownError } from '../proxy/lifecycle/errors.ts';

export type Outcome = 'clean' | 'startup_failed' | 'shutdown_failed' | 'fatal';

export const EXIT_CODES = { clean: 0, startupFailed: 1, shutdownFailed: 2 } as const;

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
export type ShutdownSignal = keyof typeof SIGNAL_NUMBERS;
export const SHUTDOWN_SIGNALS: readonly ShutdownSignal[] = ['SIGINT', 'SIGTERM'];

/** 130 for SIGINT, 143 for SIGTERM. */
export function forcedExitCode(signal: ShutdownSignal): number {
  return 128 + SIGNAL_NUMBERS[signal];
}

/** The outcome of a lifetime promise's rejection: startup failed (1) or shutdown failed (2). */
export function failureOutcome(error: unknown): { outcome: Outcome; code: number } {
  return error instanceof ProxyShutdownError
    ? { outcome: 'shutdown_failed', code: EXIT_CODES.shutdownFailed }
    : { outcome: 'startup_failed', code: EXIT_CODES.startupFailed };
}

export function finalLine(outcome: Outcome, uptimeSeconds: number, code: number): string {
  return `Switchyard stopped: outcome=${outcome}, uptime=${uptimeSeconds.toFixed(1)}s, exit code ${code}`;
}
