// The four things every workload runs against. Each target is started once per benchmark run and
// kept for all workloads; proxies are separate processes so their CPU time and memory can be read
// from /proc. A target that cannot start is recorded with its reason, and every workload then
// records it as failed instead of stopping the benchmark.
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../tools/kafka-dist.ts';
import type { Broker } from './broker.ts';
import { benchClasses, benchDir, javaSources, jvmArgs, mavenLibs } from './java.ts';
import { waitForKafka } from './kafka-wire.ts';
import { freePortBlock } from './ports.ts';
import { isRunning, spawnTracked, stopChild } from './proc.ts';

export const targetNames = ['direct', 'relay', 'switchyard', 'reference'] as const;
export type TargetName = (typeof targetNames)[number];

export interface Target {
  readonly name: TargetName;
  /** host:port clients bootstrap from; empty when the target failed. */
  readonly bootstrap: string;
  /** The proxy's process (whose CPU and memory are measured); undefined for direct. */
  readonly pid: number | undefined;
  /** What is measured, e.g. "Kroxylicious 0.12.0". */
  readonly description: string;
  /** Why the target is not available (failed to start, or died since). */
  failure(): string | undefined;
  stop(): Promise<void>;
}

// Ports a proxy needs: bootstrap, then node ids 0..2 at bootstrap + 1 + id (the broker is node 1).
const proxyPortCount = 4;

export interface TargetContext {
  readonly broker: Broker;
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

function startDirect(context: TargetContext): Target {
  return {
    name: 'direct',
    bootstrap: `127.0.0.1:${context.broker.directPort}`,
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

async function startSwitchyard(context: TargetContext): Promise<Target> {
  const port = await freePortBlock(proxyPortCount);
  const configFile = join(context.workDir, 'switchyard.yaml');
  writeFileSync(
    configFile,
    [
      'clusterDefinitions:',
      '  - name: upstream',
      `    bootstrapServers: 127.0.0.1:${context.broker.directPort}`,
      'virtualClusters:',
      '  - name: bench',
      '    target:',
      '      cluster: upstream',
      '    gateways:',
      '      - name: ports',
      '        portIdentifiesNode:',
      `          bootstrapAddress: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return processTarget('switchyard', `Switchyard ${version} pass-through (CLI, no filters)`, port, context, (logFd) =>
    spawnTracked(process.execPath, [join(repoRoot, 'bin', 'switchyard.js'), '--config', configFile], {
      stdio: ['ignore', logFd, logFd],
      cwd: repoRoot,
    }),
  );
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
  const starters: Record<TargetName, (context: TargetContext) => Target | Promise<Target>> = {
    direct: startDirect,
    relay: startRelay,
    switchyard: startSwitchyard,
    reference: startReference,
  };
  for (const name of wanted) targets.set(name, await starters[name](context));
  return targets;
}
