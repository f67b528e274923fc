// What the entry point does to its own process, and nothing else does: signal handlers, fatal
// error handlers, the final log line and the exit code (lifecycle.md §14.2–§14.5).

import type { Logger } from '../observability/logger.ts';
import { messageOf } from '../proxy/lifecycle/errors.ts';
import { finalLine, forcedExitCode, type Outcome, SHUTDOWN_SIGNALS, type ShutdownSignal } from './outcome.ts';

export interface ProcessControlHooks {
  /** Asks for a graceful shutdown (first signal, first fatal error). */
  readonly requestShutdown: () => void;
  /** Runs right before a forced exit (the supervisor kills its workers). */
  readonly beforeForcedExit?: () => void;
  /** What SIGHUP does: reload the configuration (docs/operations.md). */
  readonly reload?: () => void;
}

/** Where the process is: before STARTED, STARTED reached, or a forced exit in progress. */
type Phase = { readonly kind: 'starting' } | { readonly kind: 'started' } | { readonly kind: 'exiting' };

export class ProcessControl {
  readonly #logger: Logger;
  readonly #began = performance.now();
  #hooks: ProcessControlHooks = { requestShutdown: () => {} };
  #phase: Phase = { kind: 'starting' };
  #signalsReceived = 0;
  /** Set by the first fatal error: 1 before STARTED, 2 after (§14.4). */
  #fatalCode: number | null = null;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /**
   * Installs the signal and fatal-error handlers; call as early as possible. Workers pass
   * `signals: false`: they ignore SIGINT and SIGTERM (a terminal sends Ctrl-C to the whole process
   * group) and stop only when the supervisor asks (§13.3).
   */
  install(options: { readonly signals: boolean }): void {
    for (const signal of SHUTDOWN_SIGNALS) {
      process.on(signal, options.signals ? () => this.#onSignal(signal) : () => {});
    }
    // Without a handler SIGHUP would end the process; workers ignore it like the others.
    process.on('SIGHUP', options.signals ? () => this.#onReloadSignal() : () => {});
    process.on('uncaughtException', (error) => this.#onFatal(error));
    process.on('unhandledRejection', (reason) => this.#onFatal(reason));
  }

  /** What a signal or fatal error does; set once the proxy (or supervisor) exists. */
  setHooks(hooks: ProcessControlHooks): void {
    this.#hooks = hooks;
    if (this.#signalsReceived > 0 || this.#fatalCode !== null) hooks.requestShutdown();
  }

  markStarted(): void {
    if (this.#phase.kind === 'starting') this.#phase = { kind: 'started' };
  }

  /** A fatal error decides the exit code whatever the shutdown outcome. */
  get fatalCode(): number | null {
    return this.#fatalCode;
  }

  /** Logs the final line and exits. */
  exit(outcome: Outcome, code: number): never {
    const finalOutcome = this.#fatalCode === null ? outcome : 'fatal';
    const finalCode = this.#fatalCode ?? code;
    this.#logger.info(finalLine(finalOutcome, (performance.now() - this.#began) / 1000, finalCode));
    process.exit(finalCode);
  }

  #onSignal(signal: ShutdownSignal): void {
    this.#signalsReceived++;
    if (this.#signalsReceived === 1) {
      this.#logger.info(`received ${signal}: shutting down gracefully (send it again to exit immediately)`);
      this.#hooks.requestShutdown();
      return;
    }
    this.#logger.warn(`received ${signal} again: exiting immediately`);
    this.#forceExit(forcedExitCode(signal));
  }

  #onReloadSignal(): void {
    if (this.#hooks.reload === undefined) {
      this.#logger.warn('received SIGHUP before the proxy could reload: ignored');
      return;
    }
    this.#logger.info('received SIGHUP: reloading the configuration');
    this.#hooks.reload();
  }

  #onFatal(error: unknown): void {
    this.#logger.error(`fatal error: ${messageOf(error)}`, { error });
    if (this.#fatalCode !== null) {
      this.#forceExit(this.#fatalCode);
      return;
    }
    this.#fatalCode = this.#phase.kind === 'started' ? 2 : 1;
    this.#hooks.requestShutdown();
  }

  #forceExit(code: number): void {
    if (this.#phase.kind === 'exiting') return;
    this.#phase = { kind: 'exiting' };
    this.#hooks.beforeForcedExit?.();
    process.exit(code);
  }
}
