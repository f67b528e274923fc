// The supervisor of `switchyard run --workers N` (lifecycle.md §13): forks N workers that share
// the listening ports, serves the management endpoint for the group, replaces crashed workers
// with backoff, and turns the workers' outcomes into the process exit code.

import cluster, { type Worker } from 'node:cluster';
import { loadConfiguration } from '../config/index.ts';
import type { ProxyConfiguration, ProxyConfigurationModel } from '../config/model.ts';
import { configurationModel } from '../config/model.ts';
import type { AdminView } from '../management/admin-status.ts';
import { formatAddress, ManagementServer, type Readiness } from '../management/management-server.ts';
import { CONFIG_METRICS_PREFIX } from '../observability/catalogue.ts';
import type { Logger } from '../observability/logger.ts';
import { mergeExpositions } from '../observability/merge.ts';
import { SupervisorMetrics } from '../observability/metrics.ts';
import { messageOf } from '../proxy/lifecycle/errors.ts';
import type { StatusDocument } from '../proxy/lifecycle/kafka-proxy.ts';
import { countReload, failedBeforeChanges, ReloadHistory, type ReloadOutcome } from '../proxy/lifecycle/reload.ts';
import { VERSION } from '../proxy/lifecycle/version.ts';
import { describeRouteGraph } from '../routing/graph-view.ts';
import type { ConfigurationWatch } from './config-watch.ts';
import { groupReadiness, groupVirtualClusters, type WorkerReport } from './group-status.ts';
import { isMessage, type SupervisorMessage, WORKER_INDEX_ENV, type WorkerMessage } from './ipc.ts';
import type { ProcessControl } from './process-control.ts';
import { ReloadQueue } from './reload-queue.ts';
import type { RunOptions } from './run.ts';

const METRICS_TIMEOUT_MS = 2_000;
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** A worker that ran this long resets the restart backoff. */
const STABLE_RUN_MS = 60_000;

/** The group's state machine (§13.3, §13.5). */
type GroupState =
  | { readonly kind: 'starting' }
  | { readonly kind: 'started'; readonly at: Date }
  /** `startupFailed`: a worker failed to start, so the group exits 1 whatever the others do. */
  | { readonly kind: 'stopping'; readonly startupFailed: boolean; readonly startedAt: Date | null }
  | { readonly kind: 'stopped' };

const GROUP_EDGES: Readonly<Record<GroupState['kind'], readonly GroupState['kind'][]>> = {
  starting: ['started', 'stopping'],
  started: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

interface WorkerSlot {
  readonly index: number;
  worker: Worker | null;
  /** The last status the worker reported; null until its first report (and after it exited). */
  status: StatusDocument | null;
  readiness: Readiness | null;
  restarts: number;
  forkedAt: number;
  nextRestartDelayMs: number;
  restartTimer: NodeJS.Timeout | undefined;
  /** Exit codes of workers that exited while the group was stopping. */
  stopExitCode: number | null;
  /** Reload answers this worker owes, by "type:id"; answered with `exited` if it exits first. */
  readonly reloadAnswers: Map<string, (message: ReloadAnswer) => void>;
}

type ReloadAnswer = Extract<WorkerMessage, { type: 'reload-prepared' | 'reload-discarded' | 'reload-committed' }>;

/** The answer of a worker that cannot give one (not running, or exited meanwhile). */
function unanswered(type: ReloadAnswer['type'], id: number, reason: string): ReloadAnswer {
  return type === 'reload-committed' ? { type, id, outcome: null, reason } : { type, id, reason };
}

export async function runSupervisor(
  config: ProxyConfiguration,
  workerCount: number,
  options: RunOptions,
  logger: Logger,
  control: ProcessControl,
): Promise<void> {
  const supervisor = new Supervisor(config, workerCount, options, logger, control);
  await supervisor.start();
}

class Supervisor {
  readonly #logger: Logger;
  /** The configuration the group runs; replaced by each reload the workers applied. */
  #model: ProxyConfigurationModel;
  readonly #file: string;
  readonly #reloads = new ReloadQueue((trigger) => this.#reload(trigger));
  readonly #configWatch: ConfigurationWatch | null;
  readonly #onFileChange = (): void => void this.#reloads.request('watch');
  #generation = 1;
  readonly #reloadHistory = new ReloadHistory();
  #nextReloadId = 0;
  readonly #control: ProcessControl;
  readonly #metrics = new SupervisorMetrics();
  readonly #slots: WorkerSlot[];
  readonly #management: ManagementServer | null;
  readonly #began = Date.now();
  #state: GroupState = { kind: 'starting' };
  #nextMetricsRequest = 0;
  readonly #pendingMetrics = new Map<number, (text: string) => void>();

  constructor(
    config: ProxyConfiguration,
    workerCount: number,
    options: RunOptions,
    logger: Logger,
    control: ProcessControl,
  ) {
    this.#logger = logger;
    this.#file = options.file;
    this.#configWatch = options.watch;
    this.#control = control;
    this.#slots = Array.from({ length: workerCount }, (_, index) => ({
      index,
      worker: null,
      status: null,
      readiness: null,
      restarts: 0,
      forkedAt: 0,
      nextRestartDelayMs: FIRST_RESTART_DELAY_MS,
      restartTimer: undefined,
      stopExitCode: null,
      reloadAnswers: new Map(),
    }));
    this.#model = configurationModel(config);
    const management = this.#model.management;
    this.#management =
      management === undefined
        ? null
        : new ManagementServer(
            {
              readiness: () => this.#readiness(),
              status: () => this.#status(),
              metricsText: () => this.#metricsText(),
              adminView: () => this.#adminView(),
              ...(management.reload ? { reload: () => this.#reloads.request('POST /reload') } : {}),
            },
            { host: management.bindAddress, port: management.port },
            { ui: management.ui.enabled },
          );
  }

  async start(): Promise<void> {
    this.#logger.info(`Switchyard ${VERSION} supervisor starting ${this.#slots.length} workers`);
    this.#control.setHooks({
      requestShutdown: () => this.#stop(false),
      beforeForcedExit: () => {
        for (const slot of this.#slots) slot.worker?.process.kill('SIGKILL');
      },
      reload: () => void this.#reloads.request('SIGHUP'),
    });
    if (this.#management !== null) {
      try {
        await this.#management.listen();
        const bound = this.#management.address();
        this.#logger.info(`management endpoint listening on ${formatAddress(bound.host, bound.port)}`);
      } catch (error) {
        this.#logger.error(
          `Switchyard failed to start: start management endpoint on ${this.#management.configuredAddress}`,
          {
            error,
          },
        );
        this.#control.exit('startup_failed', 1);
      }
    }
    if (this.#state.kind !== 'starting') return this.#finishIfIdle();
    for (const slot of this.#slots) this.#fork(slot);
  }

  #transition(next: GroupState): void {
    if (!GROUP_EDGES[this.#state.kind].includes(next.kind)) {
      throw new Error(`illegal worker group state transition ${this.#state.kind} → ${next.kind}`);
    }
    this.#state = next;
  }

  #fork(slot: WorkerSlot): void {
    slot.restartTimer = undefined;
    slot.status = null;
    slot.readiness = null;
    slot.forkedAt = performance.now();
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(slot.index) });
    slot.worker = worker;
    worker.on('message', (message: unknown) => this.#onMessage(slot, message));
    worker.on('exit', (code, signal) => this.#onExit(slot, worker, code, signal));
  }

  #send(slot: WorkerSlot, message: SupervisorMessage): void {
    const worker = slot.worker;
    if (worker?.isConnected()) worker.send(message);
  }

  #onMessage(slot: WorkerSlot, message: unknown): void {
    if (!isMessage<WorkerMessage>(message)) return;
    if (message.type === 'metrics') {
      this.#pendingMetrics.get(message.id)?.(message.text);
      return;
    }
    if (
      message.type === 'reload-prepared' ||
      message.type === 'reload-discarded' ||
      message.type === 'reload-committed'
    ) {
      const key = `${message.type}:${message.id}`;
      const answer = slot.reloadAnswers.get(key);
      slot.reloadAnswers.delete(key);
      answer?.(message);
      return;
    }
    if (message.status.state === 'started' && slot.status?.state !== 'started') {
      this.#logger.info(`worker ${slot.index} started`, { workerPid: slot.worker?.process.pid });
    }
    slot.status = message.status;
    slot.readiness = message.readiness;
    if (this.#state.kind === 'starting' && this.#slots.every((s) => s.status?.state === 'started')) {
      this.#transition({ kind: 'started', at: new Date() });
      this.#control.markStarted();
      this.#logger.info(`Switchyard started with ${this.#slots.length} workers`);
      void this.#configWatch?.watch(this.#model, this.#onFileChange);
    }
  }

  #onExit(slot: WorkerSlot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return;
    slot.worker = null;
    for (const [key, answer] of slot.reloadAnswers) {
      const [type, id] = key.split(':') as [ReloadAnswer['type'], string];
      answer(unanswered(type, Number(id), `worker ${slot.index} exited during the reload`));
    }
    slot.reloadAnswers.clear();
    const reached = slot.status?.state;
    slot.status = null;
    slot.readiness = null;
    const exitCode = code ?? 2;
    const state = this.#state;
    switch (state.kind) {
      case 'starting':
        this.#logger.error(`worker ${slot.index} exited during startup (exit code ${code}, signal ${signal})`);
        slot.stopExitCode = exitCode;
        this.#stop(true);
        break;
      case 'started': {
        this.#logger.error(
          `worker ${slot.index} exited unexpectedly (exit code ${code}, signal ${signal}, state ${reached})`,
        );
        this.#metrics.workerRestarts.inc({});
        slot.restarts++;
        const ranMs = performance.now() - slot.forkedAt;
        if (ranMs >= STABLE_RUN_MS) slot.nextRestartDelayMs = FIRST_RESTART_DELAY_MS;
        const delay = slot.nextRestartDelayMs;
        slot.nextRestartDelayMs = Math.min(delay * 2, MAX_RESTART_DELAY_MS);
        this.#logger.info(`replacing worker ${slot.index} in ${delay} ms`);
        slot.restartTimer = setTimeout(() => this.#fork(slot), delay);
        break;
      }
      case 'stopping':
        slot.stopExitCode = signal === null ? exitCode : 2;
        this.#finishIfIdle();
        break;
      case 'stopped':
        break;
    }
  }

  /** Graceful stop of the group: every worker is asked to shut down (§13.3 steps 4 and 5). */
  #stop(startupFailed: boolean): void {
    const state = this.#state;
    if (state.kind === 'stopping') {
      if (startupFailed && !state.startupFailed) this.#state = { ...state, startupFailed };
      return;
    }
    if (state.kind === 'stopped') return;
    this.#transition({ kind: 'stopping', startupFailed, startedAt: state.kind === 'started' ? state.at : null });
    this.#configWatch?.close();
    this.#logger.info('Switchyard stopping: asking every worker to shut down');
    for (const slot of this.#slots) {
      clearTimeout(slot.restartTimer);
      slot.restartTimer = undefined;
      this.#send(slot, { type: 'shutdown' });
    }
    this.#finishIfIdle();
  }

  #finishIfIdle(): void {
    if (this.#state.kind !== 'stopping' || this.#slots.some((slot) => slot.worker !== null)) return;
    const startupFailed = this.#state.startupFailed;
    this.#transition({ kind: 'stopped' });
    void this.#closeManagement().then((closeFailed) => {
      if (startupFailed) this.#control.exit('startup_failed', 1);
      const failed = closeFailed || this.#slots.some((slot) => slot.stopExitCode !== null && slot.stopExitCode !== 0);
      if (failed) this.#control.exit('shutdown_failed', 2);
      this.#control.exit('clean', 0);
    });
  }

  async #closeManagement(): Promise<boolean> {
    try {
      await this.#management?.close();
      return false;
    } catch (error) {
      this.#logger.error('closing the management endpoint failed', { error });
      return true;
    }
  }

  // ---- configuration reload: every worker prepares, then every worker commits or discards ----

  async #reload(trigger: string): Promise<ReloadOutcome> {
    let outcome: ReloadOutcome;
    try {
      outcome = await this.#reloadWorkers(trigger);
    } catch (error) {
      outcome = failedBeforeChanges(this.#generation, trigger, messageOf(error));
    }
    this.#reloadHistory.record(outcome);
    countReload(this.#metrics.reloads, outcome);
    const { reason, ...fields } = outcome;
    if (outcome.ok) this.#logger.info(`configuration reloaded: generation ${outcome.generation}`, fields);
    else this.#logger.error(`configuration reload failed: ${reason}`, fields);
    return outcome;
  }

  async #reloadWorkers(trigger: string): Promise<ReloadOutcome> {
    if (this.#state.kind !== 'started') {
      throw new Error(`a reload needs a started worker group, but the group is ${this.#state.kind}`);
    }
    // Validated here first, so that an invalid file is reported once, with its lines.
    await this.#configWatch?.baseline();
    const config = await loadConfiguration(this.#file);
    const id = this.#nextReloadId++;
    const prepared = await Promise.all(
      this.#slots.map((slot) => this.#askReload(slot, { type: 'reload-prepare', id, trigger }, 'reload-prepared')),
    );
    const refusal = prepared.find((answer) => answer.reason !== null);
    if (refusal !== undefined) {
      // Answered once each worker closed what it prepared: the reply then means nothing is left.
      await Promise.all(
        this.#slots.map((slot) => this.#askReload(slot, { type: 'reload-discard', id }, 'reload-discarded')),
      );
      const worker = prepared.indexOf(refusal);
      return {
        ...failedBeforeChanges(this.#generation, trigger, `worker ${worker}: ${refusal.reason}`),
        worker,
      };
    }
    const committed = await Promise.all(
      this.#slots.map((slot) => this.#askReload(slot, { type: 'reload-commit', id }, 'reload-committed')),
    );
    this.#model = configurationModel(config);
    void this.#configWatch?.watch(this.#model, this.#onFileChange);
    this.#generation++;
    const first = committed.find((answer) => answer.type === 'reload-committed' && answer.outcome !== null);
    const failure = committed.findIndex(
      (answer) => answer.type !== 'reload-committed' || answer.outcome === null || !answer.outcome.ok,
    );
    const plan = first?.type === 'reload-committed' ? first.outcome : null;
    const failedAnswer = committed[failure];
    const failedReason =
      failedAnswer?.type === 'reload-committed' ? (failedAnswer.outcome?.reason ?? failedAnswer.reason) : null;
    return {
      generation: this.#generation,
      at: new Date().toISOString(),
      trigger,
      ok: failure === -1,
      reason: failure === -1 ? null : `worker ${failure}: ${failedReason}`,
      restarted: plan?.restarted ?? [],
      started: plan?.started ?? [],
      stopped: plan?.stopped ?? [],
      ...(failure === -1 ? {} : { worker: failure }),
    };
  }

  #askReload(
    slot: WorkerSlot,
    message: SupervisorMessage & { readonly id: number },
    answerType: ReloadAnswer['type'],
  ): Promise<ReloadAnswer> {
    if (!slot.worker?.isConnected()) {
      return Promise.resolve(unanswered(answerType, message.id, `worker ${slot.index} is not running`));
    }
    return new Promise((resolve) => {
      slot.reloadAnswers.set(`${answerType}:${message.id}`, resolve);
      this.#send(slot, message);
    });
  }

  // ---- management (§13.5) ----

  #readiness(): Readiness {
    return groupReadiness(this.#state.kind, this.#reports());
  }

  #reports(): WorkerReport[] {
    return this.#slots.map((slot) => ({
      index: slot.index,
      readiness: slot.readiness,
      virtualClusters: slot.status?.virtualClusters ?? null,
    }));
  }

  async #metricsText(): Promise<string> {
    const texts = await Promise.all(this.#slots.map((slot) => this.#workerMetrics(slot)));
    // The supervisor decides reloads: its configuration series replace the workers' (not summed).
    const workers = texts
      .filter((t): t is string => t !== null)
      .map((text) =>
        text
          .split('\n')
          .filter((line) => !line.replace(/^# (HELP|TYPE) /, '').startsWith(CONFIG_METRICS_PREFIX))
          .join('\n'),
      );
    return mergeExpositions([...workers, this.#metrics.render()]);
  }

  #workerMetrics(slot: WorkerSlot): Promise<string | null> {
    if (!slot.worker?.isConnected()) return Promise.resolve(null);
    const id = this.#nextMetricsRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pendingMetrics.delete(id);
        this.#logger.warn(`worker ${slot.index} did not answer a metrics request within 2s; its series are left out`);
        resolve(null);
      }, METRICS_TIMEOUT_MS);
      this.#pendingMetrics.set(id, (text) => {
        clearTimeout(timer);
        this.#pendingMetrics.delete(id);
        resolve(text);
      });
      this.#send(slot, { type: 'metrics', id });
    });
  }

  /**
   * The group's status for the admin page. The route graph comes from the configuration every
   * worker runs; the virtual nodes live in each worker and are not reported here (null).
   */
  async #adminView(): Promise<AdminView> {
    const status = await this.#status();
    return {
      ...status,
      reloads: this.#reloadHistory.recent,
      virtualClusters: status.virtualClusters.map((vc) => {
        const definition = this.#model.virtualClusters.find((d) => d.name === vc.name);
        return {
          ...vc,
          gateways: vc.gateways.map((g) => ({ ...g, boundBootstrapAddress: null })),
          routeGraph: definition === undefined ? null : describeRouteGraph(definition, this.#model),
          nodes: null,
        };
      }),
      workers: status.workers.map(({ index, pid, state, restarts }) => ({ index, pid, state, restarts })),
    };
  }

  async #status() {
    const state = this.#state;
    const startedAt = state.kind === 'started' ? state.at : state.kind === 'stopping' ? state.startedAt : null;
    return {
      state: state.kind,
      version: VERSION,
      startedAt: startedAt?.toISOString() ?? null,
      uptimeSeconds: (Date.now() - this.#began) / 1000,
      generation: this.#generation,
      lastReload: this.#reloadHistory.last,
      virtualClusters: groupVirtualClusters(this.#reports()),
      workers: this.#slots.map((slot) => ({
        index: slot.index,
        pid: slot.worker?.process.pid ?? null,
        state: slot.status?.state ?? (slot.worker === null ? 'exited' : 'starting'),
        restarts: slot.restarts,
        virtualClusters: slot.status?.virtualClusters ?? [],
      })),
    };
  }
}
