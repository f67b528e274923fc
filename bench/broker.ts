// The Kafka the benchmark measures against: one KRaft node (broker and controller), data on tmpfs.
// The routed workload's second cluster is a second such broker, started the same way only when a
// target that fronts two clusters is measured. It is started here rather than through the test bed because the relay target needs a second
// client listener whose advertised address is the relay's, and the test bed chooses its ports
// internally. Listeners: DIRECT (clients and the proxies under test), RELAY (reached only through
// the byte relay, advertised as the relay's address), CONTROLLER.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atExit } from '../testbed/child-reaper.ts';
import { jvmArgs, kafkaClasspath, runJava } from './java.ts';
import { waitForKafka } from './kafka-wire.ts';
import { freePortBlock } from './ports.ts';
import { isRunning, spawnTracked, stopChild } from './proc.ts';

export interface Broker {
  readonly directPort: number;
  /** Where the broker's RELAY listener really listens: the relay's upstream. */
  readonly relayBackendPort: number;
  /** The address the RELAY listener advertises: where the relay must listen. */
  readonly relayFrontPort: number;
  readonly pid: number;
  readonly dir: string;
  /** Which of the benchmark's clusters it is: `a`, or `b` for the routed workload's second. */
  readonly name: string;
  logTail(): string;
  stop(): Promise<void>;
}

export const partitions = 6;

/** Starts a single-broker cluster; `name` tells the clusters of one benchmark run apart. */
export async function startBroker(name = 'a'): Promise<Broker> {
  const base = await freePortBlock(4);
  const [directPort, relayBackendPort, controllerPort, relayFrontPort] = [base, base + 1, base + 2, base + 3];
  // tmpfs: disk speed must not be what the benchmark measures.
  const dir = join('/dev/shm', `switchyard-bench-${process.pid}-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // The data lives in memory: never leave it behind, even when the benchmark is interrupted.
  const forgetDir = atExit(() => rmSync(dir, { recursive: true, force: true }));
  const propertiesFile = join(dir, 'server.properties');
  const properties: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    listeners: `DIRECT://127.0.0.1:${directPort},RELAY://127.0.0.1:${relayBackendPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `DIRECT://127.0.0.1:${directPort},RELAY://127.0.0.1:${relayFrontPort}`,
    'listener.security.protocol.map': 'DIRECT:PLAINTEXT,RELAY:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'DIRECT',
    'log.dirs': join(dir, 'data'),
    // Topics the tools create implicitly get the workloads' partition count.
    'num.partitions': partitions,
    'auto.create.topics.enable': true,
    'default.replication.factor': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 6,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
  };
  writeFileSync(
    propertiesFile,
    `${Object.entries(properties)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n')}\n`,
  );
  const format = await runJava(
    'kafka.tools.StorageTool',
    // The `=` form: a base64url id may start with '-', which would read as an option.
    ['format', '--config', propertiesFile, `--cluster-id=${randomBytes(16).toString('base64url')}`],
    { timeoutMs: 120_000, heap: '256m' },
  );
  if (!format.ok) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `formatting the broker's storage failed (${format.description}):\n${format.stdout}${format.stderr}`,
    );
  }

  const consoleFile = join(dir, 'console.log');
  const consoleFd = openSync(consoleFile, 'a');
  let child: ChildProcess;
  try {
    child = spawnTracked('java', jvmArgs('1g', kafkaClasspath(), 'kafka.Kafka', [propertiesFile]), {
      stdio: ['ignore', consoleFd, consoleFd],
    });
  } finally {
    closeSync(consoleFd);
  }
  const logTail = () => readFileSync(consoleFile, 'utf8').trimEnd().split('\n').slice(-30).join('\n');
  const stop = async () => {
    await stopChild(child, 10_000);
    rmSync(dir, { recursive: true, force: true });
    forgetDir();
  };
  try {
    await waitForKafka(directPort, 120_000, () => isRunning(child));
  } catch (error) {
    const tail = logTail();
    await stop();
    throw new Error(`broker ${name} did not start: ${(error as Error).message}\n${tail}`);
  }
  const pid = child.pid ?? 0;
  return { directPort, relayBackendPort, relayFrontPort, pid, dir, name, logTail, stop };
}
