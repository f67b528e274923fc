// One Kafka node (broker, controller or both) as a Java process: its files, how it is formatted,
// started, stopped and killed. The cluster (cluster.ts) decides what the nodes are.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trackChild } from './child-reaper.ts';
import { classDataSharing } from './class-data-sharing.ts';
import { brokerLogConfig, javaArgs, runJavaTool } from './java.ts';
import type { NodePorts, NodeRole } from './node-config.ts';

export class KafkaNode {
  readonly id: number;
  readonly roles: readonly NodeRole[];
  readonly ports: NodePorts;
  readonly dir: string;
  readonly propertiesFile: string;
  /** Kafka's own log (log4j2). */
  readonly logFile: string;
  /** The JVM's stdout and stderr: crashes before logging starts, and JVM errors. */
  readonly consoleFile: string;
  #process: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();

  constructor(id: number, roles: readonly NodeRole[], ports: NodePorts, dir: string) {
    this.id = id;
    this.roles = roles;
    this.ports = ports;
    this.dir = dir;
    this.propertiesFile = join(dir, 'server.properties');
    this.logFile = join(dir, 'server.log');
    this.consoleFile = join(dir, 'console.log');
  }

  get isBroker(): boolean {
    return this.roles.includes('broker');
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  get isRunning(): boolean {
    const child = this.#process;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  writeProperties(text: string): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.propertiesFile, text);
  }

  async format(clusterId: string, extraArgs: readonly string[]): Promise<void> {
    const result = await runJavaTool(
      'kafka.tools.StorageTool',
      ['format', '--config', this.propertiesFile, '--cluster-id', clusterId, ...extraArgs],
      { timeoutMs: 60_000 },
    );
    if (result.exitCode !== 0) {
      throw new Error(`formatting the storage of node ${this.id} failed:\n${result.stdout}${result.stderr}`);
    }
  }

  /** Starts the JVM; readiness is the cluster's business. */
  start(): void {
    if (this.isRunning) throw new Error(`node ${this.id} is already running`);
    const console = openSync(this.consoleFile, 'a');
    try {
      const child = spawn(
        'java',
        javaArgs('kafka.Kafka', [this.propertiesFile], {
          heap: '512m',
          logConfig: brokerLogConfig,
          systemProperties: { 'switchyard.log.file': this.logFile },
          jvmFlags: classDataSharing(false).args,
        }),
        // Its own process group, so a Ctrl-C reaches the test bed, which SIGKILLs it, rather than
        // starting a slow controlled shutdown; output to a file, so it never blocks on a pipe.
        { stdio: ['ignore', console, console], detached: true },
      );
      trackChild(child);
      child.unref();
      this.#process = child;
      this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    } finally {
      closeSync(console);
    }
  }

  /** Resolves when the current process (if any) has exited. */
  exited(): Promise<void> {
    return this.#exited;
  }

  /** Graceful stop (SIGTERM: controlled shutdown), escalating to SIGKILL after `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.isRunning) return;
    this.#process?.ref(); // keep Node alive until the exit is seen
    this.#process?.kill('SIGTERM');
    const timer = setTimeout(() => this.#process?.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (!this.isRunning) return;
    this.#process?.ref(); // keep Node alive until the exit is seen
    this.#process?.kill('SIGKILL');
    await this.#exited;
  }

  /** The last `lines` lines of the node's Kafka log, and of its console if that has anything. */
  logTail(lines = 40): string {
    const tail = (file: string) =>
      existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';
    const console = tail(this.consoleFile);
    return [
      `--- node ${this.id}: ${this.logFile} (last ${lines} lines)`,
      tail(this.logFile),
      ...(console ? [`--- node ${this.id}: ${this.consoleFile}`, console] : []),
    ].join('\n');
  }
}
