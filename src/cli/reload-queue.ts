// One configuration reload at a time, whatever asks for it (the file watch, SIGHUP, POST /reload).

import type { ReloadOutcome } from '../proxy/lifecycle/reload.ts';

/**
 * Runs reloads one after the other. A request made while one runs waits for it and then shares
 * the single reload that follows, so a burst of file events, a signal and a POST together cost at
 * most two reloads, and the last one always reads the file as it is after the burst.
 */
export class ReloadQueue {
  readonly #run: (trigger: string) => Promise<ReloadOutcome>;
  #running: Promise<ReloadOutcome> | null = null;
  #queued: Promise<ReloadOutcome> | null = null;

  /** `run` never rejects: a failed reload is an outcome. */
  constructor(run: (trigger: string) => Promise<ReloadOutcome>) {
    this.#run = run;
  }

  request(trigger: string): Promise<ReloadOutcome> {
    const running = this.#running;
    if (running === null) return this.#start(trigger);
    this.#queued ??= running.then(() => {
      this.#queued = null;
      return this.#start(trigger);
    });
    return this.#queued;
  }

  #start(trigger: string): Promise<ReloadOutcome> {
    const run = this.#run(trigger).finally(() => {
      if (this.#running === run) this.#running = null;
    });
    this.#running = run;
    return run;
  }
}
