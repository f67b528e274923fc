// Test fixtures: configurations built from the internal model, a fake proxy core whose every step
// the test controls, a recording logger, and helpers to read metrics and talk to the endpoint.

import { request } from 'node:http';
import type {
  ProxyConfiguration,
  ProxyConfigurationModel,
  VirtualClusterDefinition,
} from '../../../src/config/model.ts';
import { registerModel } from '../../../src/config/model.ts';
import type { LogFields, Logger, LogLevel } from '../../../src/observability/logger.ts';
import { KafkaProxy, proxyInternals, withInternalOptions } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import type {
  DrainResult,
  GatewayStatus,
  ProxyRuntimeFactory,
  RuntimeDependencies,
  VirtualClusterRuntime,
  VirtualNodeStatus,
} from '../../../src/proxy/lifecycle/virtual-cluster-runtime.ts';
import type { RouteGraphView } from '../../../src/routing/graph-view.ts';

export interface VcSpec {
  readonly name: string;
  readonly drainTimeoutMs?: number;
}

export interface ConfigSpec {
  readonly virtualClusters?: readonly (string | VcSpec)[];
  readonly policy?: 'failProxy' | 'serveOthers';
  /** Management on 127.0.0.1 with a free port when true. */
  readonly management?: boolean;
  /** With `management`: enable the admin page too. */
  readonly ui?: boolean;
  /** With `management`: enable POST /reload too. */
  readonly reload?: boolean;
}

export function makeConfig(spec: ConfigSpec = {}): ProxyConfiguration {
  const virtualClusters: VirtualClusterDefinition[] = (spec.virtualClusters ?? ['demo']).map((vc) => {
    const { name, drainTimeoutMs } = typeof vc === 'string' ? { name: vc, drainTimeoutMs: undefined } : vc;
    return {
      name,
      target: { kind: 'cluster', cluster: 'upstream' },
      filters: [],
      gateways: [],
      drainTimeoutMs: drainTimeoutMs ?? 10_000,
    };
  });
  const model: ProxyConfigurationModel = {
    ...(spec.management
      ? {
          management: {
            bindAddress: '127.0.0.1',
            port: 0,
            reload: spec.reload ?? false,
            ui: { enabled: spec.ui ?? false },
          },
        }
      : {}),
    network: {
      onVirtualClusterFailure: spec.policy ?? 'failProxy',
      session: {
        maxFrameBytes: 104857600,
        maxInFlightRequests: 1000,
        unauthenticatedIdleTimeoutMs: 30_000,
        authenticatedIdleTimeoutMs: 600_000,
        filterTimeoutMs: 20_000,
        maxResponseFrameBytes: 1_073_741_824,
        requestReadTimeoutMs: 30_000,
      },
      overload: {
        maxConnectionsPerGateway: 10_000,
        maxConnectionsPerClientAddress: 1_000,
        maxBufferedBytes: 1_073_741_824,
        bufferedBytesGracePeriodMs: 5_000,
      },
    },
    clusters: new Map(),
    filters: new Map(),
    routers: new Map(),
    virtualClusters,
    source: { file: 'test.yaml', baseDir: '.', locate: () => ({ line: 1, column: 1 }) },
  };
  const config: ProxyConfiguration = { warnings: [] };
  registerModel(config, model);
  return config;
}

/** A step of the fake runtime: by default it fulfils at once; tests replace it. */
type Step<T> = () => Promise<T>;

export class FakeVirtualCluster implements VirtualClusterRuntime {
  readonly name: string;
  readonly log: string[];
  initializeStep: Step<void> = async () => {};
  bindStep: Step<void> = async () => {};
  stopAcceptingStep: Step<void> = async () => {};
  drainStep: (deadline: AbortSignal) => Promise<DrainResult> = async () => ({ abandonedRequests: 0 });
  closePluginsStep: Step<void> = async () => {};
  bound = false;
  /** The signal the last drain() received. */
  drainSignal: AbortSignal | undefined;

  constructor(name: string, log: string[]) {
    this.name = name;
    this.log = log;
  }

  initialize(): Promise<void> {
    this.log.push(`${this.name}.initialize`);
    return this.initializeStep();
  }

  async bind(): Promise<void> {
    this.log.push(`${this.name}.bind`);
    await this.bindStep();
    this.bound = true;
  }

  gateways(): readonly GatewayStatus[] {
    return [
      {
        name: 'ports',
        bootstrapAddress: '127.0.0.1:0',
        boundBootstrapAddress: this.bound ? '127.0.0.1:19092' : null,
        boundPorts: this.bound ? [19092, 19093] : [],
      },
    ];
  }

  routeGraph(): RouteGraphView {
    return { filters: [], target: { kind: 'cluster', cluster: 'main', bootstrapServers: ['kafka:9092'] } };
  }

  nodes(): readonly VirtualNodeStatus[] {
    return this.bound ? [{ id: 0, upstream: 'kafka:9092' }] : [];
  }

  async stopAccepting(): Promise<void> {
    this.log.push(`${this.name}.stopAccepting`);
    await this.stopAcceptingStep();
    this.bound = false;
  }

  drain(deadline: AbortSignal): Promise<DrainResult> {
    this.log.push(`${this.name}.drain${deadline.aborted ? '(immediate)' : ''}`);
    this.drainSignal = deadline;
    return this.drainStep(deadline);
  }

  closePlugins(): Promise<void> {
    this.log.push(`${this.name}.closePlugins`);
    return this.closePluginsStep();
  }
}

export interface FakeRuntime {
  readonly factory: ProxyRuntimeFactory;
  /** Every call made to any VC of this runtime, in order ("orders.bind", "runtime.release", …). */
  readonly log: string[];
  readonly vc: (name: string) => FakeVirtualCluster;
  /** How many times the factory was called. */
  readonly created: () => number;
  dependencies: RuntimeDependencies | undefined;
  releaseStep: Step<void>;
}

/** A fake proxy core; `configure` runs on each VC right after it is created. */
export function fakeRuntime(configure: (vc: FakeVirtualCluster) => void = () => {}): FakeRuntime {
  const log: string[] = [];
  const vcs = new Map<string, FakeVirtualCluster>();
  let created = 0;
  const runtime: FakeRuntime = {
    log,
    vc: (name) => {
      const vc = vcs.get(name);
      if (vc === undefined) throw new Error(`no fake virtual cluster '${name}' (yet)`);
      return vc;
    },
    created: () => created,
    dependencies: undefined,
    releaseStep: async () => {},
    factory: (definitions, dependencies) => {
      created++;
      runtime.dependencies = dependencies;
      const create = (definition: VirtualClusterDefinition): FakeVirtualCluster => {
        const vc = new FakeVirtualCluster(definition.name, log);
        configure(vc);
        vcs.set(definition.name, vc);
        return vc;
      };
      return {
        virtualClusters: definitions.map(create),
        add: (added) => added.map(create),
        release: () => {
          log.push('runtime.release');
          return runtime.releaseStep();
        },
      };
    },
  };
  return runtime;
}

export interface LogRecord {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields: LogFields;
}

export class RecordingLogger implements Logger {
  readonly records: LogRecord[] = [];
  isLevelEnabled(): boolean {
    return true;
  }
  trace(message: string, fields: LogFields = {}): void {
    this.records.push({ level: 'trace', message, fields });
  }
  debug(message: string, fields: LogFields = {}): void {
    this.records.push({ level: 'debug', message, fields });
  }
  info(message: string, fields: LogFields = {}): void {
    this.records.push({ level: 'info', message, fields });
  }
  warn(message: string, fields: LogFields = {}): void {
    this.records.push({ level: 'warn', message, fields });
  }
  error(message: string, fields: LogFields = {}): void {
    this.records.push({ level: 'error', message, fields });
  }
  at(level: LogLevel): LogRecord[] {
    return this.records.filter((r) => r.level === level);
  }
}

export interface Harness {
  readonly proxy: KafkaProxy;
  readonly runtime: FakeRuntime;
  readonly logger: RecordingLogger;
  /** Every state the proxy reported, in order, starting with "new". */
  readonly states: string[];
  /** The proxy state now, as reported ("new", "starting", …). */
  readonly state: () => string;
}

export function harness(
  spec: ConfigSpec = {},
  configure?: (vc: FakeVirtualCluster) => void,
  extra: { onChange?: (proxy: () => KafkaProxy) => void } = {},
): Harness {
  const runtime = fakeRuntime(configure);
  const logger = new RecordingLogger();
  const states = ['new'];
  let proxy: KafkaProxy | undefined;
  const onChange = () => {
    const current = proxyInternals(proxy as KafkaProxy).state();
    if (states.at(-1) !== current) states.push(current);
    extra.onChange?.(() => proxy as KafkaProxy);
  };
  proxy = new KafkaProxy(
    makeConfig(spec),
    withInternalOptions({ runtimeFactory: runtime.factory, onChange }, { logger }),
  );
  const created = proxy;
  return { proxy: created, runtime, logger, states, state: () => proxyInternals(created).state() };
}

/** The value of one series in Prometheus text, or undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** Every series of one metric name (without HELP/TYPE lines). */
export function seriesOf(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

export interface HttpReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export function http(port: number, path: string, method = 'GET'): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Lets every queued promise job and immediate run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise and its resolvers, for steps the test releases by hand. */
export function gate<T = void>(): PromiseWithResolvers<T> {
  return Promise.withResolvers<T>();
}

/** Whether `promise` has settled, without waiting for it. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([
    promise.then(
      () => 'settled',
      () => 'settled',
    ),
    settle().then(() => marker),
  ]);
  return winner !== marker;
}
