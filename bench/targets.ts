// What every workload runs against: direct, the baseline proxies and the Switchyard configurations
// under test. Each target is started once per benchmark run and kept for all workloads; proxies are separate processes so their CPU time and memory can be read
// from /proc. A target that cannot start is recorded with its reason, and every workload then
// records it as failed instead of stopping the benchmark. Most targets front the one broker; those
// that front two clusters (the routed workload's) need the second broker, and only they do.
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../tools/kafka-dist.ts';
import type { Broker } from './broker.ts';
import {
  oneVirtualClusterConfig,
  proxyPortCount,
  routedConfig,
  switchyardNodeFlags,
  type TwoUpstreams,
  unionConfig,
  vcPerClusterConfig,
} from './configs.ts';
import { type IdleFigures, measureIdle } from './idle.ts';
import { benchClasses, benchDir, javaSources, jvmArgs, mavenLibs } from './java.ts';
import { waitForKafka } from './kafka-wire.ts';
import { freePortBlock } from './ports.ts';
import { isRunning, spawnTracked, stopChild } from './proc.ts';

/**
 * What a target is to the comparisons: `direct` is the baseline of added latency, `baseline`s are
 * the other proxies Switchyard is compared with, `subject`s are Switchyard configurations. Every
 * workload compares each subject with direct and with each baseline.
 */
export type TargetRole = 'direct' | 'baseline' | 'subject';

interface TargetKind {
  readonly role: TargetRole;
  /** Fronts the routed workload's two clusters: needs the second broker, measured only there. */
  readonly twoClusters?: true;
  /** The only workloads that measure it (by default, those its kind of target belongs to). */
  readonly onlyIn?: readonly string[];
  start(context: TargetContext, name: string): Target | Promise<Target>;
}

/**
 * Every target, in the order of the first round. A Switchyard configuration to measure is one more
 * entry: `switchyardKind(description, config)` with the YAML for a bootstrap port.
 */
const targetKinds = {
  direct: { role: 'direct', start: startDirect },
  relay: { role: 'baseline', start: startRelay },
  switchyard: switchyardKind('pass-through (one virtual cluster, port per node, no filters)', (c, port) =>
    oneVirtualClusterConfig(`127.0.0.1:${c.broker.directPort}`, port),
  ),
  // The same proxy in two worker processes: the way to hold 10 000 connections with their
  // upstreams where one process may open fewer than 20 100 files (the `connections` workload).
  switchyardWorkers: switchyardKind(
    'pass-through in two worker processes (--workers 2)',
    (c, port) => oneVirtualClusterConfig(`127.0.0.1:${c.broker.directPort}`, port),
    { workers: 2, onlyIn: ['connections', 'idle'] },
  ),
  reference: { role: 'baseline', start: startReference },
  // The `routed` comparison: the same virtual cluster behind a one-route static router, and behind
  // a dynamic router over two routes (every request decoded, routed and encoded again).
  routerStatic: switchyardKind('one-route static router (docs/examples/pass-through.ts)', (c, port) =>
    routedConfig('static', `127.0.0.1:${c.broker.directPort}`, port),
  ),
  routerDynamic: switchyardKind('dynamic TopicRouter over two routes to the broker', (c, port) =>
    routedConfig('dynamic', `127.0.0.1:${c.broker.directPort}`, port),
  ),
  // The routed workload over two clusters: its baseline, a pass-through virtual cluster per
  // cluster, and its subject, one TopicRouter over both. `direct` reaches the two brokers itself.
  vcPerCluster: twoClusterKind(
    'a pass-through virtual cluster per cluster, in one process',
    vcPerClusterConfig,
    (port) => [port, port + proxyPortCount],
    2 * proxyPortCount,
  ),
  union: twoClusterKind(
    'TopicRouter over the two clusters (half of the topics on each)',
    unionConfig,
    (port) => [port, port],
    proxyPortCount,
  ),
} satisfies Record<string, TargetKind>;

export type TargetName = keyof typeof targetKinds;
export const targetNames = Object.keys(targetKinds) as TargetName[];

export function targetRole(name: TargetName): TargetRole {
  return targetKinds[name].role;
}

/** Whether the target is measured by `workload` at all (most are measured by every workload). */
export function measuredIn(name: TargetName, workload: string): boolean {
  const kind: TargetKind = targetKinds[name];
  return kind.onlyIn?.includes(workload) ?? true;
}

/** Whether the target fronts the routed workload's two clusters (and so needs the second broker). */
export function frontsTwoClusters(name: TargetName): boolean {
  const kind: TargetKind = targetKinds[name];
  return kind.twoClusters === true;
}

export interface Target {
  readonly name: TargetName;
  /** host:port clients bootstrap from; empty when the target failed. */
  readonly bootstrap: string;
  /** The proxy's process (whose CPU and memory are measured); undefined for direct. */
  readonly pid: number | undefined;
  /** Processes that share the connections (each opens its own upstreams); 1 unless workers. */
  readonly processes?: number;
  /** What is measured, e.g. "Kroxylicious 0.12.0". */
  readonly description: string;
  /**
   * Where the routed workload's client of each cluster bootstraps (in the order of `clusterNames`):
   * set for the two-cluster targets, and for direct when the second broker runs.
   */
  readonly perCluster?: TwoUpstreams;
  /** Why the target is not available (failed to start, or died since). */
  failure(): string | undefined;
  stop(): Promise<void>;
  /** Subjects only: start time and idle memory of a fresh process of the same configuration. */
  measureIdle?(settleSeconds: number): Promise<IdleFigures>;
}

export interface TargetContext {
  readonly broker: Broker;
  /** The routed workload's second cluster; started only when a two-cluster target is. */
  readonly secondBroker?: Broker;
  /** Folder for configurations and process logs. */
  readonly workDir: string;
}

function failedTarget(name: TargetName, description: string, reason: string): Target {
  return { name, bootstrap: '', pid: undefined, description, failure: () => reason, stop: async () => {} };
}

/** A proxy process: started, waited for until it answers Kafka requests through its bootstrap port. */
async function processTarget(
  name: TargetName,
  description: string,
  port: number,
  context: TargetContext,
  spawnIt: (logFd: number) => ChildProcess,
): Promise<Target> {
  const logFile = join(context.workDir, `${name}.log`);
  const logFd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawnIt(logFd);
  } finally {
    closeSync(logFd);
  }
  const logTail = () => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
    } catch {
      return '';
    }
  };
  try {
    await waitForKafka(port, 90_000, () => isRunning(child));
  } catch (error) {
    await stopChild(child);
    return failedTarget(name, description, `did not start: ${(error as Error).message}\n${logTail()}`);
  }
  return {
    name,
    bootstrap: `127.0.0.1:${port}`,
    pid: child.pid,
    description,
    failure: () => (isRunning(child) ? undefined : `exited (${child.exitCode ?? child.signalCode})\n${logTail()}`),
    stop: () => stopChild(child),
  };
}

function upstreams(context: TargetContext): TwoUpstreams | undefined {
  const { broker, secondBroker } = context;
  return secondBroker && [`127.0.0.1:${broker.directPort}`, `127.0.0.1:${secondBroker.directPort}`];
}

function startDirect(context: TargetContext): Target {
  return {
    name: 'direct',
    bootstrap: `127.0.0.1:${context.broker.directPort}`,
    perCluster: upstreams(context),
    pid: undefined,
    description: 'clients talk to the broker',
    failure: () => undefined,
    stop: async () => {},
  };
}

function startRelay(context: TargetContext): Promise<Target> {
  const { relayFrontPort, relayBackendPort } = context.broker;
  return processTarget('relay', 'Node net byte relay (no Kafka awareness)', relayFrontPort, context, (logFd) =>
    spawnTracked(process.execPath, [join(benchDir, 'relay.ts'), String(relayFrontPort), String(relayBackendPort)], {
      stdio: ['ignore', logFd, logFd],
    }),
  );
}

function switchyardVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

function spawnSwitchyard(configFile: string, logFd: number, args: readonly string[] = []): ChildProcess {
  const command = [...switchyardNodeFlags, join(repoRoot, 'bin', 'switchyard.js'), '--config', configFile, ...args];
  return spawnTracked(process.execPath, command, {
    stdio: ['ignore', logFd, logFd],
    cwd: repoRoot,
  });
}

/**
 * A Switchyard target: `bin/switchyard.js` run with the configuration `config` writes, in
 * `workers` processes when given, measured only in the workloads `onlyIn` names when given.
 */
function switchyardKind(
  description: string,
  config: (context: TargetContext, bootstrapPort: number) => string,
  options: { readonly workers?: number; readonly onlyIn?: readonly string[] } = {},
): TargetKind {
  const args = options.workers === undefined ? [] : ['--workers', String(options.workers)];
  return {
    role: 'subject',
    ...(options.onlyIn ? { onlyIn: options.onlyIn } : {}),
    async start(context, name) {
      const port = await freePortBlock(proxyPortCount);
      const configFile = join(context.workDir, `${name}.yaml`);
      writeFileSync(configFile, config(context, port));
      const target = await processTarget(
        name as TargetName,
        `Switchyard ${switchyardVersion()}: ${description}`,
        port,
        context,
        (logFd) => spawnSwitchyard(configFile, logFd, args),
      );
      return {
        ...target,
        processes: options.workers ?? 1,
        measureIdle: (settleSeconds) => measureIdle((p) => config(context, p), context.workDir, settleSeconds, args),
      };
    },
  };
}

/**
 * A Switchyard target in front of both clusters: `config` writes its YAML for a block of `ports`
 * consecutive ports starting at `port`, and `bootstraps` says which of them each cluster's client
 * uses. Without the second broker it cannot start, and says why.
 */
function twoClusterKind(
  description: string,
  config: (upstreams: TwoUpstreams, port: number) => string,
  bootstraps: (port: number) => readonly [number, number],
  ports: number,
): TargetKind {
  return {
    role: 'subject',
    twoClusters: true,
    async start(context, name) {
      const full = `Switchyard ${switchyardVersion()}: ${description}`;
      const both = upstreams(context);
      if (!both) return failedTarget(name as TargetName, full, 'needs the second broker, which is not running');
      const port = await freePortBlock(ports);
      const configFile = join(context.workDir, `${name}.yaml`);
      writeFileSync(configFile, config(both, port));
      const target = await processTarget(name as TargetName, full, port, context, (logFd) =>
        spawnSwitchyard(configFile, logFd),
      );
      const [a, b] = bootstraps(port);
      return { ...target, perCluster: [`127.0.0.1:${a}`, `127.0.0.1:${b}`] };
    },
  };
}

const kroxyliciousDir = join(benchDir, 'kroxylicious');
const kroxyliciousPom = join(kroxyliciousDir, 'pom.xml');
/** Fixed heap of the reference proxy, so its memory does not depend on the machine's RAM. */
export const referenceHeap = '512m';

export function kroxyliciousVersion(): string {
  const match = /<kroxylicious\.version>([^<]+)</.exec(readFileSync(kroxyliciousPom, 'utf8'));
  if (!match?.[1]) throw new Error(`${kroxyliciousPom} has no <kroxylicious.version>`);
  return match[1];
}

/** The classpath that runs the reference proxy: its jars from Maven Central and the launcher. */
function kroxyliciousClasspath(version: string): string {
  const libsDir = join(repoRoot, '.cache', 'kroxylicious', version, 'libs');
  mavenLibs(kroxyliciousPom, libsDir);
  const classpath = benchClasses(`kroxylicious-${version}`, javaSources(kroxyliciousDir), `${libsDir}/*`);
  // ServiceLoader finds the loopback address provider through this file next to the classes.
  const classesDir = classpath.slice(0, classpath.indexOf(':'));
  const servicesDir = join(classesDir, 'META-INF', 'services');
  mkdirSync(servicesDir, { recursive: true });
  writeFileSync(
    join(servicesDir, 'io.kroxylicious.proxy.service.ClusterNetworkAddressConfigProviderService'),
    'LoopbackPortPerBroker\n',
  );
  return classpath;
}

async function startReference(context: TargetContext): Promise<Target> {
  let version = 'unknown';
  let classpath: string;
  try {
    version = kroxyliciousVersion();
    classpath = kroxyliciousClasspath(version);
  } catch (error) {
    return failedTarget('reference', `Kroxylicious ${version}`, `could not be obtained: ${(error as Error).message}`);
  }
  const port = await freePortBlock(proxyPortCount);
  const configFile = join(context.workDir, 'kroxylicious.yaml');
  // The equivalent of the Switchyard configuration: one virtual cluster, port per broker, no filters.
  writeFileSync(
    configFile,
    [
      'virtualClusters:',
      '  - name: bench',
      '    targetCluster:',
      `      bootstrapServers: 127.0.0.1:${context.broker.directPort}`,
      '    clusterNetworkAddressConfigProvider:',
      '      type: LoopbackPortPerBroker',
      '      config:',
      `        bootstrapAddress: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  return processTarget(
    'reference',
    `Kroxylicious ${version} (kroxylicious-runtime from Maven Central, heap ${referenceHeap})`,
    port,
    context,
    (logFd) =>
      spawnTracked('java', jvmArgs(referenceHeap, classpath, 'Launcher', [configFile]), {
        stdio: ['ignore', logFd, logFd],
      }),
  );
}

export async function startTargets(
  context: TargetContext,
  wanted: readonly TargetName[],
): Promise<Map<TargetName, Target>> {
  mkdirSync(context.workDir, { recursive: true });
  const targets = new Map<TargetName, Target>();
  for (const name of wanted) targets.set(name, await targetKinds[name].start(context, name));
  return targets;
}
