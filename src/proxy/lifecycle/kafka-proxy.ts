// KafkaProxy: one proxy's whole life in one object (lifecycle.md §3, §5–§9). The class decides
// when each step happens and keeps the proxy and virtual-cluster state machines, the metrics and
// the management endpoint in step; the proxy core does each step's work behind
// VirtualClusterRuntime. It never touches `process` (no exit, exit code, signal or error handlers).

import type { ProxyConfiguration, ProxyConfigurationModel, VirtualClusterDefinition } from '../../config/model.ts';
import { configurationModel } from '../../config/model.ts';
import type { AdminView } from '../../management/admin-status.ts';
import {
  formatAddress,
  type ManagementAddress,
  ManagementServer,
  type ManagementSource,
  type Readiness,
} from '../../management/management-server.ts';
import { PROXY_STATES, type ProxyStateLabel } from '../../observability/catalogue.ts';
import { defaultLogger, type Logger } from '../../observability/logger.ts';
import { ProxyMetrics } from '../../observability/metrics.ts';
import { defaultRuntimeFactory } from './default-runtime.ts';
import {
  messageOf,
  ProxyNotRestartableError,
  ProxyNotStartedError,
  ProxyShutdownError,
  ProxyStartupError,
} from './errors.ts';
import { type ProxyState, reportedState, transitionProxy } from './proxy-state.ts';
import { countReload, failedBeforeChanges, ReloadHistory, type ReloadOutcome } from './reload.ts';
import { planReload, type ReloadPlan } from './reload-plan.ts';
import { VERSION } from './version.ts';
import {
  GatewayBindError,
  type ProxyRuntime,
  type ProxyRuntimeFactory,
  type VirtualClusterRuntime,
} from './virtual-cluster-runtime.ts';
import { VirtualClusterStateMachine } from './virtual-cluster-state.ts';

export interface KafkaProxyOptions {
  /** Logger for everything this proxy logs. Default: the package's process-wide logger. */
  readonly logger?: Logger;
}

/** @internal Options the command line and tests pass through `withInternalOptions()`. */
export interface InternalProxyOptions {
  /** The proxy core; tests inject fakes. Default: the real runtime. */
  readonly runtimeFactory?: ProxyRuntimeFactory;
  /** False in multi-worker workers: the supervisor serves the management endpoint (§13.3). */
  readonly serveManagement?: boolean;
  readonly workerIndex?: number;
  /** Runs synchronously after every proxy or virtual-cluster state change. */
  readonly onChange?: () => void;
  /**
   * What `POST /reload` runs (when `management.reload` is on): the entry point reads the
   * configuration file again and calls `prepareReload()`. Without it the route answers that this
   * proxy has no file to reload.
   */
  readonly requestReload?: (trigger: string) => Promise<ReloadOutcome>;
}

const internalOptions = new WeakMap<KafkaProxyOptions, InternalProxyOptions>();

/** @internal Returns options for the KafkaProxy constructor that carry internal options too. */
export function withInternalOptions(
  internal: InternalProxyOptions,
  options: KafkaProxyOptions = {},
): KafkaProxyOptions {
  const carrier = { ...options };
  internalOptions.set(carrier, internal);
  return carrier;
}

/** @internal What the management endpoint, the worker and tests read from a proxy. */
export interface ProxyInternals {
  readonly state: () => ProxyStateLabel;
  readonly readiness: () => Readiness;
  readonly status: () => StatusDocument;
  /** The management endpoint's bound address while it listens, else null. */
  readonly managementAddress: () => ManagementAddress | null;
  /**
   * Checks a new configuration against the running one and initializes the plugins of every
   * virtual cluster it starts or restarts, touching nothing that serves (docs/design/…-hot-reload.md).
   * Rejects with the reason when the proxy is not STARTED, another reload is in progress, the
   * change is refused, or a plugin fails to initialize; then nothing changed.
   */
  readonly prepareReload: (config: ProxyConfiguration, trigger: string) => Promise<PreparedReload>;
  /** Records a reload that failed before prepareReload() (an invalid file): status and metrics. */
  readonly recordReload: (outcome: ReloadOutcome) => void;
  /** The generation of the configuration in use: 1 at startup, +1 per reload applied. */
  readonly generation: () => number;
}

/** @internal A reload whose new plugins are initialized, waiting to be applied or dropped. */
export interface PreparedReload {
  readonly plan: ReloadPlan;
  /** Applies it: drains and stops, restarts and starts virtual clusters; records the outcome. */
  commit(): Promise<ReloadOutcome>;
  /** Drops it: closes the plugins it initialized; nothing else changes. */
  discard(): Promise<void>;
}

const internalsByProxy = new WeakMap<KafkaProxy, ProxyInternals>();

/** @internal */
export function proxyInternals(proxy: KafkaProxy): ProxyInternals {
  const internals = internalsByProxy.get(proxy);
  if (internals === undefined) throw new TypeError('not a KafkaProxy');
  return internals;
}

/** The /status document (lifecycle.md §10.3). */
export interface StatusDocument {
  readonly state: ProxyStateLabel;
  readonly version: string;
  readonly startedAt: string | null;
  readonly uptimeSeconds: number;
  /** The generation of the configuration in use (1 until a reload applies a new one). */
  readonly generation: number;
  /** The last configuration reload, null before the first. */
  readonly lastReload: ReloadOutcome | null;
  readonly virtualClusters: readonly VirtualClusterStatus[];
}

export interface VirtualClusterStatus {
  readonly name: string;
  readonly state: string;
  readonly since: string;
  readonly failureReason: string | null;
  readonly gateways: readonly {
    readonly name: string;
    readonly bootstrapAddress: string;
    readonly boundPorts: readonly number[];
  }[];
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** A deferred whose rejection never counts as unhandled: the failure is always logged (§3.2). */
function handledDeferred<T>(): Deferred<T> {
  const { promise, resolve, reject } = Promise.withResolvers<T>();
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** What one VC holds, which decides what the release has to undo. */
type Acquired = 'nothing' | 'plugins' | 'plugins and listeners';

interface VirtualClusterEntry {
  /** Replaced when a reload restarts the VC with a new definition. */
  definition: VirtualClusterDefinition;
  readonly machine: VirtualClusterStateMachine;
  runtime: VirtualClusterRuntime | null;
  acquired: Acquired;
  /** The error that failed the VC during startup. */
  failure: unknown;
}

type RecordError = (step: string, error: unknown) => void;

/** A reload between prepareReload() and the end of its commit or discard. */
interface ReloadInFlight {
  phase: 'preparing' | 'prepared' | 'committing';
  /** Settles when the current phase ends; shutdown waits for it. */
  busy: Promise<unknown>;
  prepared: readonly VirtualClusterRuntime[];
}

/** Factory close() errors come back as one AggregateError per VC; each is a separate error. */
function* individualErrors(error: unknown): Iterable<unknown> {
  if (error instanceof AggregateError) yield* error.errors;
  else yield error;
}

export class KafkaProxy implements AsyncDisposable {
  /** Replaced by each reload that is applied. */
  #model: ProxyConfigurationModel;
  readonly #logger: Logger;
  readonly #metrics = new ProxyMetrics();
  readonly #runtimeFactory: ProxyRuntimeFactory;
  readonly #serveManagement: boolean;
  readonly #workerIndex: number;
  readonly #onChange: () => void;
  readonly #requestReload: ((trigger: string) => Promise<ReloadOutcome>) | undefined;

  #state: ProxyState = { kind: 'NEW' };
  #lifetime: Deferred<void> | null = null;
  readonly #started = handledDeferred<void>();
  #reachedStarted = false;
  #startupDurationObserved = false;
  readonly #signals: { readonly signal: AbortSignal; readonly listener: () => void }[] = [];

  /** performance.now() and wall-clock time of the first startup(), and the time STARTED was reached. */
  #startupBegan = 0;
  #startupBeganAt: Date | null = null;
  #startedAt: Date | null = null;

  #virtualClusters: VirtualClusterEntry[] = [];
  #runtime: ProxyRuntime | null = null;
  #management: ManagementServer | null = null;

  #generation = 1;
  readonly #reloads = new ReloadHistory();
  #reload: ReloadInFlight | null = null;

  constructor(config: ProxyConfiguration, options: KafkaProxyOptions = {}) {
    this.#model = configurationModel(config);
    const internal = internalOptions.get(options) ?? {};
    this.#logger = options.logger ?? defaultLogger();
    this.#runtimeFactory = internal.runtimeFactory ?? defaultRuntimeFactory;
    this.#serveManagement = internal.serveManagement ?? true;
    this.#workerIndex = internal.workerIndex ?? 0;
    this.#onChange = internal.onChange ?? (() => {});
    this.#requestReload = internal.requestReload;
    this.#updateStateGauge();
    for (const warning of config.warnings) this.#logger.warn(String(warning));
    internalsByProxy.set(this, {
      state: () => reportedState(this.#state),
      readiness: () => this.#readiness(),
      status: () => this.#status(),
      managementAddress: () => this.#managementAddress(),
      prepareReload: (next, trigger) => this.#prepareReload(next, trigger),
      recordReload: (outcome) => this.#recordReload(outcome),
      generation: () => this.#generation,
    });
  }

  startup(options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    const state = this.#state;
    switch (state.kind) {
      case 'NEW': {
        const lifetime = handledDeferred<void>();
        this.#lifetime = lifetime;
        this.#startupBegan = performance.now();
        this.#startupBeganAt = new Date();
        this.#setState({ kind: 'STARTING' });
        this.#virtualClusters = this.#model.virtualClusters.map((definition) => ({
          definition,
          machine: new VirtualClusterStateMachine(definition.name, this.#metrics, this.#logger, this.#onChange),
          runtime: null,
          acquired: 'nothing',
          failure: undefined,
        }));
        this.#watch(options.signal);
        // The sequence begins after this call has returned (§3.2), so callers never see re-entry.
        queueMicrotask(() => void this.#runStartup());
        return lifetime.promise;
      }
      case 'STARTING':
      case 'STARTING_FAILED':
      case 'STARTED':
        this.#watch(options.signal);
        return this.#lifetimePromise();
      case 'STOPPING':
      case 'STOPPED':
        throw new ProxyNotRestartableError(state.kind);
    }
  }

  shutdown(): Promise<void> {
    if (this.#state.kind === 'NEW') return Promise.resolve();
    this.#requestShutdown('shutdown() called');
    return this.#lifetimePromise();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  whenStarted(): Promise<void> {
    return this.#started.promise;
  }

  async metricsText(): Promise<string> {
    return this.#metrics.render();
  }

  bootstrapAddress(virtualCluster: string, gateway: string): string {
    if (this.#state.kind !== 'STARTED') {
      throw new Error(
        `bootstrapAddress() needs a STARTED proxy, but the proxy is ${reportedState(this.#state).toUpperCase()}`,
      );
    }
    const entry = this.#virtualClusters.find((vc) => vc.definition.name === virtualCluster);
    if (entry === undefined) throw new Error(`there is no virtual cluster '${virtualCluster}'`);
    const status = entry.runtime?.gateways().find((g) => g.name === gateway);
    if (status === undefined) throw new Error(`virtual cluster '${virtualCluster}' has no gateway '${gateway}'`);
    if (status.boundBootstrapAddress === null) {
      throw new Error(`gateway '${gateway}' of virtual cluster '${virtualCluster}' is not bound`);
    }
    return status.boundBootstrapAddress;
  }

  // ---- state ----

  #setState(next: ProxyState): void {
    this.#state = transitionProxy(this.#state, next);
    this.#updateStateGauge();
    this.#onChange();
  }

  #updateStateGauge(): void {
    const current = reportedState(this.#state);
    for (const state of PROXY_STATES) this.#metrics.proxyState.set({ state }, state === current ? 1 : 0);
  }

  #lifetimePromise(): Promise<void> {
    if (this.#lifetime === null) throw new Error('no lifetime promise before startup()');
    return this.#lifetime.promise;
  }

  /** A shutdown was requested while startup was running: the startup sequence must stop. */
  #interrupted(): boolean {
    return this.#state.kind === 'STOPPING';
  }

  #observeStartupDuration(outcome: 'success' | 'failure' | 'aborted'): void {
    if (this.#startupDurationObserved) return;
    this.#startupDurationObserved = true;
    this.#metrics.proxyStartupDuration.observe({ outcome }, (performance.now() - this.#startupBegan) / 1000);
  }

  #watch(signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    const request = () => this.#requestShutdown(`signal aborted: ${messageOf(signal.reason)}`);
    if (signal.aborted) {
      request();
      return;
    }
    signal.addEventListener('abort', request, { once: true });
    this.#signals.push({ signal, listener: request });
  }

  #unwatchSignals(): void {
    for (const { signal, listener } of this.#signals.splice(0)) signal.removeEventListener('abort', listener);
  }

  #requestShutdown(reason: string): void {
    const state = this.#state;
    if (state.kind === 'STARTING') {
      // The startup sequence notices at its next step boundary and runs the shutdown sequence.
      this.#setState({ kind: 'STOPPING', reason, interruptedStartup: true });
      this.#observeStartupDuration('aborted');
    } else if (state.kind === 'STARTED') {
      this.#setState({ kind: 'STOPPING', reason, interruptedStartup: false });
      queueMicrotask(() => void this.#runShutdown());
    }
    // NEW is handled by the callers; STARTING_FAILED, STOPPING and STOPPED: nothing more to do.
  }

  // ---- startup (§7) ----

  async #runStartup(): Promise<void> {
    try {
      await this.#startupSequence();
    } catch (error) {
      // Only a bug in this file gets here; fail the startup rather than leave the promise pending.
      this.#logger.error('internal error in the startup sequence', { error });
      if (this.#state.kind === 'STARTING') await this.#failStartup(new ProxyStartupError('startup', error));
    }
  }

  async #startupSequence(): Promise<void> {
    this.#logger.info(`Switchyard ${VERSION} starting: ${this.#virtualClusters.length} virtual clusters`, {
      source: this.#model.source.file,
    });

    // Step 2: management endpoint.
    const management = this.#model.management;
    if (management !== undefined && this.#serveManagement && !this.#interrupted()) {
      const server = new ManagementServer(
        this.#managementSource(),
        { host: management.bindAddress, port: management.port },
        { ui: management.ui.enabled },
      );
      this.#management = server;
      try {
        await server.listen();
        const bound = server.address();
        this.#logger.info(`management endpoint listening on ${formatAddress(bound.host, bound.port)}`);
      } catch (error) {
        const step = `start management endpoint on ${server.configuredAddress}`;
        if (!this.#interrupted()) return this.#failStartup(new ProxyStartupError(step, error));
        this.#logger.warn(`${step} failed during shutdown`, { error });
      }
    }
    if (this.#interrupted()) return this.#runShutdown();

    // Step 3: initialize virtual clusters, in parallel.
    try {
      this.#runtime = this.#runtimeFactory(this.#model.virtualClusters, {
        config: this.#model,
        metrics: this.#metrics,
        logger: this.#logger,
        workerIndex: this.#workerIndex,
      });
      for (const runtime of this.#runtime.virtualClusters) {
        const entry = this.#virtualClusters.find((vc) => vc.definition.name === runtime.name);
        if (entry === undefined) throw new Error(`the runtime created an unknown virtual cluster '${runtime.name}'`);
        entry.runtime = runtime;
      }
    } catch (error) {
      return this.#failStartup(new ProxyStartupError('create virtual clusters', error));
    }
    await Promise.all(this.#virtualClusters.map((vc) => this.#initialize(vc)));
    if (this.#interrupted()) return this.#runShutdown();

    // Step 4: failure policy.
    const initFailure = this.#policyFailure('initialize');
    if (initFailure !== null) return this.#failStartup(initFailure);

    // Step 5: bind gateways, in parallel.
    await Promise.all(this.#virtualClusters.filter((vc) => vc.acquired === 'plugins').map((vc) => this.#bind(vc)));
    if (this.#interrupted()) return this.#runShutdown();

    // Step 6: failure policy again.
    const bindFailure = this.#policyFailure('bind');
    if (bindFailure !== null) return this.#failStartup(bindFailure);

    // Step 7: ready.
    this.#setState({ kind: 'STARTED' });
    this.#reachedStarted = true;
    this.#startedAt = new Date();
    this.#observeStartupDuration('success');
    const addresses = Object.fromEntries(
      this.#virtualClusters
        .filter((vc) => vc.machine.state.kind === 'serving')
        .map((vc) => [vc.definition.name, (vc.runtime?.gateways() ?? []).map((g) => g.boundBootstrapAddress)]),
    );
    this.#logger.info(`Switchyard started in ${Math.round(performance.now() - this.#startupBegan)} ms`, {
      bootstrapAddresses: addresses,
    });
    this.#started.resolve();
  }

  async #initialize(vc: VirtualClusterEntry): Promise<void> {
    const runtime = vc.runtime;
    if (runtime === null) throw new Error(`virtual cluster '${vc.definition.name}' has no runtime`);
    try {
      await runtime.initialize();
      vc.acquired = 'plugins';
    } catch (error) {
      if (this.#interrupted()) {
        // Shutdown during startup: in-flight errors are logged and decide nothing (§7.4).
        this.#logger.warn(`virtual cluster '${vc.definition.name}' failed to initialize during shutdown`, { error });
        vc.machine.transition({ kind: 'stopped' });
      } else {
        vc.failure = error;
        vc.machine.transition({ kind: 'failed', reason: messageOf(error) });
      }
    }
  }

  async #bind(vc: VirtualClusterEntry): Promise<void> {
    const runtime = vc.runtime;
    if (runtime === null) throw new Error(`virtual cluster '${vc.definition.name}' has no runtime`);
    try {
      await runtime.bind();
      vc.acquired = 'plugins and listeners';
      vc.machine.transition({ kind: 'serving' });
    } catch (error) {
      if (this.#interrupted()) {
        // The VC stays initializing; the shutdown sequence closes its plugins and stops it.
        this.#logger.warn(`virtual cluster '${vc.definition.name}' failed to bind during shutdown`, { error });
        return;
      }
      vc.failure = error;
      vc.machine.transition({ kind: 'failed', reason: messageOf(error) });
      // A failed VC holds nothing (§9.1): close the factories its initialization created.
      try {
        await runtime.closePlugins();
      } catch (closeError) {
        this.#logger.error(`closing the plugins of failed virtual cluster '${vc.definition.name}' failed`, {
          error: closeError,
        });
      }
      vc.acquired = 'nothing';
    }
  }

  /** §9.3: the startup error the failure policy calls for, or null to continue. */
  #policyFailure(stage: 'initialize' | 'bind'): ProxyStartupError | null {
    const failed = this.#virtualClusters.filter((vc) => vc.machine.state.kind === 'failed');
    const [first, ...others] = failed;
    if (first === undefined) return null;
    if (this.#model.network.onVirtualClusterFailure === 'failProxy') {
      const name = first.definition.name;
      let step = `initialize virtual cluster '${name}'`;
      if (stage === 'bind') {
        step =
          first.failure instanceof GatewayBindError
            ? `bind virtual cluster '${name}' gateway '${first.failure.gateway}'`
            : `bind virtual cluster '${name}'`;
      }
      return new ProxyStartupError(
        step,
        first.failure,
        others.map((vc) => vc.failure),
      );
    }
    if (failed.length < this.#virtualClusters.length) return null;
    return new ProxyStartupError(
      stage === 'initialize' ? 'initialize virtual clusters' : 'bind virtual clusters',
      new Error('no virtual cluster could be started'),
      failed.map((vc) => vc.failure),
    );
  }

  /** §7.2: release everything (state stays STARTING), then STOPPED and reject. */
  async #failStartup(failure: ProxyStartupError): Promise<void> {
    this.#setState({ kind: 'STARTING_FAILED', failure });
    this.#logger.error(failure.message, { error: failure.cause });
    const additional = failure.additionalErrors as unknown[];
    await this.#release(true, (step, error) => {
      this.#logger.error(`releasing after the startup failure: ${step} failed`, { error });
      additional.push(error);
    });
    this.#observeStartupDuration('failure');
    this.#finish('startup_failed');
    this.#lifetime?.reject(failure);
    this.#started.reject(failure);
  }

  // ---- shutdown (§8) ----

  async #runShutdown(): Promise<void> {
    const state = this.#state;
    if (state.kind !== 'STOPPING') throw new Error(`the shutdown sequence cannot run in ${state.kind}`);
    this.#logger.info('Switchyard stopping', {
      reason: state.interruptedStartup ? `${state.reason} (startup interrupted)` : state.reason,
    });
    // A reload being prepared or applied finishes first (bounded by its drainTimeouts); one that
    // waits for a commit (a worker waiting for its supervisor) is dropped.
    await this.#reload?.busy.catch(() => {});
    const waiting = this.#reload;
    if (waiting?.phase === 'prepared') await this.#discardReload(waiting);
    const errors: { step: string; error: unknown }[] = [];
    await this.#release(false, (step, error) => {
      this.#logger.error(`shutdown step failed: ${step}`, { error });
      errors.push({ step, error });
    });
    const [first, ...others] = errors;
    this.#finish(first === undefined ? 'clean' : 'shutdown_failed');
    if (!this.#reachedStarted) this.#started.reject(new ProxyNotStartedError());
    if (first === undefined) this.#lifetime?.resolve();
    else {
      this.#lifetime?.reject(
        new ProxyShutdownError(
          first.step,
          first.error,
          others.map((e) => e.error),
        ),
      );
    }
  }

  /**
   * Shutdown steps 2–6, also used (with `immediate`: no drain) to release after a startup failure.
   * Every step runs whatever earlier steps met; errors go to `record`.
   */
  async #release(immediate: boolean, record: RecordError): Promise<void> {
    const vcs = this.#virtualClusters;

    // Step 2: stop accepting.
    await Promise.all(
      vcs.map(async (vc) => {
        if (vc.acquired !== 'plugins and listeners' || vc.runtime === null) return;
        try {
          await vc.runtime.stopAccepting();
        } catch (error) {
          record(`close the listeners of virtual cluster '${vc.definition.name}'`, error);
        }
      }),
    );
    for (const vc of vcs) {
      if (vc.machine.state.kind === 'serving') vc.machine.transition({ kind: 'draining' });
      else if (vc.machine.state.kind === 'failed') vc.machine.transition({ kind: 'stopped' });
    }

    // Step 3: drain, in parallel, each bounded by its drainTimeout.
    await Promise.all(
      vcs
        .filter((vc) => vc.machine.state.kind === 'draining')
        .map((vc) => this.#drain(vc, immediate ? 0 : vc.definition.drainTimeoutMs, record)),
    );

    // Step 4: close plugins, in parallel across VCs.
    await Promise.all(
      vcs.map(async (vc) => {
        if (vc.acquired !== 'nothing' && vc.runtime !== null) {
          try {
            await vc.runtime.closePlugins();
          } catch (error) {
            for (const each of individualErrors(error)) {
              record(`close the plugins of virtual cluster '${vc.definition.name}'`, each);
            }
          }
          vc.acquired = 'nothing';
        }
        if (vc.machine.state.kind !== 'stopped') vc.machine.transition({ kind: 'stopped' });
      }),
    );

    // Step 5: release what remains.
    if (this.#runtime !== null) {
      try {
        await this.#runtime.release();
      } catch (error) {
        record('release the proxy runtime', error);
      }
    }

    // Step 6: the management endpoint, last.
    const management = this.#management;
    if (management !== null) {
      try {
        await management.close();
      } catch (error) {
        record(`close the management endpoint on ${management.configuredAddress}`, error);
      }
    }
  }

  async #drain(vc: VirtualClusterEntry, timeoutMs: number, record: RecordError): Promise<void> {
    const runtime = vc.runtime;
    if (runtime === null) return;
    const deadline = new AbortController();
    // A cleared timer, not AbortSignal.timeout(), so that a finished drain leaves no handle behind.
    const timer = timeoutMs > 0 ? setTimeout(() => deadline.abort(), timeoutMs) : undefined;
    if (timer === undefined) deadline.abort();
    try {
      const { abandonedRequests } = await runtime.drain(deadline.signal);
      if (abandonedRequests > 0) {
        this.#metrics.drainAbandonedRequests.inc({ virtual_cluster: vc.definition.name }, abandonedRequests);
        this.#logger.warn(
          `virtual cluster '${vc.definition.name}' abandoned ${abandonedRequests} in-flight requests at its drain deadline`,
          { virtualCluster: vc.definition.name, drainTimeoutMs: timeoutMs },
        );
      }
    } catch (error) {
      record(`drain virtual cluster '${vc.definition.name}'`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** State STOPPED: remove abort listeners, log the outcome. */
  #finish(outcome: 'clean' | 'shutdown_failed' | 'startup_failed'): void {
    this.#setState({ kind: 'STOPPED' });
    this.#unwatchSignals();
    const uptimeSeconds = this.#startupBeganAt === null ? 0 : (Date.now() - this.#startupBeganAt.getTime()) / 1000;
    this.#logger.info('Switchyard stopped', { outcome, uptimeSeconds });
  }

  // ---- configuration reload (docs/design/2026-12-03-hot-reload.md) ----

  async #prepareReload(config: ProxyConfiguration, trigger: string): Promise<PreparedReload> {
    if (this.#state.kind !== 'STARTED') {
      throw new Error(`a reload needs a STARTED proxy, but the proxy is ${reportedState(this.#state).toUpperCase()}`);
    }
    if (this.#reload !== null) throw new Error('another reload is in progress');
    const runtime = this.#runtime;
    if (runtime === null) throw new Error('the proxy has no runtime');
    const next = configurationModel(config);
    const failed = new Set(
      this.#virtualClusters.filter((vc) => vc.machine.state.kind === 'failed').map((vc) => vc.definition.name),
    );
    const decision = planReload(this.#model, next, failed);
    if (decision.kind === 'refused') throw new Error(decision.reason);
    const { plan } = decision;
    const touched = new Set([...plan.restart, ...plan.start]);
    const reload: ReloadInFlight = { phase: 'preparing', busy: Promise.resolve(), prepared: [] };
    this.#reload = reload;
    const preparing = (async () => {
      const added = runtime.add(
        next.virtualClusters.filter((vc) => touched.has(vc.name)),
        next,
      );
      reload.prepared = added;
      const results = await Promise.allSettled(added.map((vc) => vc.initialize()));
      // A runtime whose initialize() rejected released everything itself (virtual-cluster-runtime.ts).
      reload.prepared = added.filter((_, index) => results[index]?.status === 'fulfilled');
      const failures = results.flatMap((result, index) =>
        result.status === 'rejected' ? [`virtual cluster '${added[index]?.name}': ${messageOf(result.reason)}`] : [],
      );
      if (failures.length > 0) throw new Error(failures.join('; '));
      if (this.#state.kind !== 'STARTED') throw new Error(`the proxy is ${reportedState(this.#state)}`);
    })();
    reload.busy = preparing;
    try {
      await preparing;
    } catch (error) {
      await this.#discardReload(reload);
      throw error;
    }
    reload.phase = 'prepared';
    for (const warning of config.warnings) this.#logger.warn(String(warning));
    return {
      plan,
      commit: () => this.#commitReload(reload, next, plan, trigger),
      discard: () => this.#discardReload(reload),
    };
  }

  async #discardReload(reload: ReloadInFlight): Promise<void> {
    if (this.#reload !== reload || reload.phase === 'committing') return;
    this.#reload = null;
    await Promise.all(
      reload.prepared.map((vc) =>
        vc
          .closePlugins()
          .catch((error: unknown) =>
            this.#logger.warn(`closing the plugins prepared for virtual cluster '${vc.name}' failed`, { error }),
          ),
      ),
    );
  }

  async #commitReload(
    reload: ReloadInFlight,
    next: ProxyConfigurationModel,
    plan: ReloadPlan,
    trigger: string,
  ): Promise<ReloadOutcome> {
    if (this.#reload !== reload || reload.phase !== 'prepared') throw new Error('this reload is no longer prepared');
    if (this.#state.kind !== 'STARTED') {
      await this.#discardReload(reload);
      throw new Error(`a reload needs a STARTED proxy, but the proxy is ${reportedState(this.#state).toUpperCase()}`);
    }
    reload.phase = 'committing';
    const applying = this.#applyReload(reload, next, plan, trigger);
    reload.busy = applying;
    try {
      return await applying;
    } finally {
      this.#reload = null;
    }
  }

  /** Everything in parallel: stopped VCs drain, restarted ones drain then start, new ones start. */
  async #applyReload(
    reload: ReloadInFlight,
    next: ProxyConfigurationModel,
    plan: ReloadPlan,
    trigger: string,
  ): Promise<ReloadOutcome> {
    const entries = new Map(this.#virtualClusters.map((vc) => [vc.definition.name, vc]));
    const prepared = new Map(reload.prepared.map((runtime) => [runtime.name, runtime]));
    const definitions = new Map(next.virtualClusters.map((definition) => [definition.name, definition]));
    const record: RecordError = (step, error) => this.#logger.warn(`reload: ${step} failed`, { error });
    this.#model = next;
    this.#logger.info('reloading the configuration', { trigger, ...plan });

    const started = plan.start.map((name) => {
      const entry: VirtualClusterEntry = {
        definition: definitions.get(name)!,
        machine: new VirtualClusterStateMachine(name, this.#metrics, this.#logger, this.#onChange),
        runtime: prepared.get(name) ?? null,
        acquired: 'plugins',
        failure: undefined,
      };
      this.#virtualClusters.push(entry);
      return entry;
    });
    await Promise.all([
      ...plan.stop.map(async (name) => {
        const vc = entries.get(name)!;
        await this.#retire(vc, record);
        vc.machine.transition({ kind: 'stopped' });
      }),
      ...plan.restart.map(async (name) => {
        const vc = entries.get(name)!;
        await this.#retire(vc, record);
        vc.machine.transition({ kind: 'initializing' });
        vc.definition = definitions.get(name)!;
        vc.runtime = prepared.get(name) ?? null;
        vc.acquired = 'plugins';
        vc.failure = undefined;
        await this.#bind(vc);
      }),
      ...started.map((vc) => this.#bind(vc)),
    ]);
    const stopped = new Set(plan.stop);
    const order = new Map(next.virtualClusters.map((definition, index) => [definition.name, index]));
    this.#virtualClusters = this.#virtualClusters
      .filter((vc) => !stopped.has(vc.definition.name))
      .sort((a, b) => (order.get(a.definition.name) ?? 0) - (order.get(b.definition.name) ?? 0));

    this.#generation++;
    const failures = this.#virtualClusters.flatMap((vc) => {
      const state = vc.machine.state;
      const name = vc.definition.name;
      return state.kind === 'failed' && (plan.restart.includes(name) || plan.start.includes(name))
        ? [`virtual cluster '${name}' failed: ${state.reason}`]
        : [];
    });
    const outcome: ReloadOutcome = {
      generation: this.#generation,
      at: new Date().toISOString(),
      trigger,
      ok: failures.length === 0,
      reason: failures.length === 0 ? null : failures.join('; '),
      restarted: plan.restart,
      started: plan.start,
      stopped: plan.stop,
    };
    this.#recordReload(outcome);
    return outcome;
  }

  /** A reload takes a VC out of service: drained (when serving) and its plugins closed. */
  async #retire(vc: VirtualClusterEntry, record: RecordError): Promise<void> {
    const runtime = vc.runtime;
    if (vc.machine.state.kind === 'serving' && runtime !== null) {
      try {
        await runtime.stopAccepting();
      } catch (error) {
        record(`close the listeners of virtual cluster '${vc.definition.name}'`, error);
      }
      vc.machine.transition({ kind: 'draining' });
      await this.#drain(vc, vc.definition.drainTimeoutMs, record);
    }
    if (vc.acquired !== 'nothing' && runtime !== null) {
      try {
        await runtime.closePlugins();
      } catch (error) {
        for (const each of individualErrors(error))
          record(`close the plugins of virtual cluster '${vc.definition.name}'`, each);
      }
      vc.acquired = 'nothing';
    }
  }

  #failedReload(trigger: string, reason: string): ReloadOutcome {
    const outcome = failedBeforeChanges(this.#generation, trigger, reason);
    this.#recordReload(outcome);
    return outcome;
  }

  #recordReload(outcome: ReloadOutcome): void {
    this.#reloads.record(outcome);
    countReload(this.#metrics.reloads, outcome);
    const { reason, ...fields } = outcome;
    if (outcome.ok) this.#logger.info(`configuration reloaded: generation ${outcome.generation}`, fields);
    else this.#logger.error(`configuration reload failed: ${reason}`, fields);
    this.#onChange();
  }

  // ---- management (§10) ----

  #managementSource(): ManagementSource {
    return {
      readiness: () => this.#readiness(),
      status: async () => this.#status(),
      metricsText: () => this.metricsText(),
      adminView: async () => this.#adminView(),
      ...(this.#model.management?.reload === true
        ? {
            reload: () =>
              this.#requestReload?.('POST /reload') ??
              Promise.resolve(
                this.#failedReload(
                  'POST /reload',
                  'this proxy was not started from a configuration file it could read again',
                ),
              ),
          }
        : {}),
    };
  }

  #managementAddress(): ManagementAddress | null {
    try {
      return this.#management?.address() ?? null;
    } catch {
      return null;
    }
  }

  #readiness(): Readiness {
    const reasons: string[] = [];
    const state = reportedState(this.#state);
    if (state !== 'started') reasons.push(`proxy state is ${state}`);
    for (const vc of this.#virtualClusters) {
      const vcState = vc.machine.state;
      if (vcState.kind === 'failed')
        reasons.push(`virtual cluster '${vc.definition.name}' is failed: ${vcState.reason}`);
      else if (vcState.kind !== 'serving') reasons.push(`virtual cluster '${vc.definition.name}' is ${vcState.kind}`);
    }
    return { ready: reasons.length === 0, reasons };
  }

  /** /status plus what the admin page draws: bound addresses, the route graph, the virtual nodes. */
  #adminView(): AdminView {
    const status = this.#status();
    return {
      ...status,
      reloads: this.#reloads.recent,
      virtualClusters: this.#virtualClusters.map((vc, index) => {
        const runtime = vc.runtime;
        return {
          ...status.virtualClusters[index]!,
          gateways: vc.machine.state.kind === 'failed' || runtime === null ? [] : runtime.gateways(),
          routeGraph: runtime?.routeGraph() ?? null,
          nodes: runtime?.nodes() ?? [],
        };
      }),
    };
  }

  #status(): StatusDocument {
    return {
      state: reportedState(this.#state),
      version: VERSION,
      startedAt: this.#startedAt?.toISOString() ?? null,
      uptimeSeconds: this.#startupBeganAt === null ? 0 : (Date.now() - this.#startupBeganAt.getTime()) / 1000,
      generation: this.#generation,
      lastReload: this.#reloads.last,
      virtualClusters: this.#virtualClusters.map((vc) => {
        const state = vc.machine.state;
        return {
          name: vc.definition.name,
          state: state.kind,
          since: vc.machine.since.toISOString(),
          failureReason: state.kind === 'failed' ? state.reason : null,
          gateways:
            state.kind === 'failed' || vc.runtime === null
              ? []
              : vc.runtime.gateways().map((g) => ({
                  name: g.name,
                  bootstrapAddress: g.bootstrapAddress,
                  boundPorts: g.boundPorts,
                })),
        };
      }),
    };
  }
}
