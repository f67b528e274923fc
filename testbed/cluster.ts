// startKafkaCluster: an independent KRaft cluster on 127.0.0.1, on free ports, in its own folder.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { requireJava } from '../tools/kafka-dist.ts';
import { atExit, deleteOnExit } from './child-reaper.ts';
import { KafkaNode } from './kafka-node.ts';
import {
  isSasl,
  isTls,
  type NodePorts,
  type NodeRole,
  nodeConfig,
  propertiesText,
  scramFormatArgs,
} from './node-config.ts';
import { type PortReservation, reservePorts } from './ports.ts';
import { probeGroupCoordinator, probeMetadata } from './probe.ts';
import { createCertificateAuthority, issueCertificate } from './tls.ts';
import type {
  BrokerAddress,
  ClusterCredentials,
  ClusterTlsFiles,
  KafkaClusterDescription,
  KafkaClusterOptions,
  KafkaConnection,
  ListenerSecurity,
  SaslMechanism,
} from './types.ts';

export interface ConnectionOptions {
  /** Which account to authenticate as on SASL listeners. Default 'user'. */
  readonly as?: 'user' | 'admin';
  /** Default: the first of the cluster's mechanisms. */
  readonly mechanism?: SaslMechanism;
  /** Present the cluster's client certificate (needed when client certificates are required). */
  readonly clientCertificate?: boolean;
}

export interface KafkaCluster extends KafkaClusterDescription, AsyncDisposable {
  /** Connection settings for a client of this cluster, with credentials where needed. */
  connection(options?: ConnectionOptions): KafkaConnection;
  /** Graceful stop of one node (controlled shutdown). */
  stopBroker(id: number): Promise<void>;
  /** SIGKILL of one node. */
  killBroker(id: number): Promise<void>;
  /** Starts a stopped or killed node again and waits until every running broker lists it. */
  startBroker(id: number): Promise<void>;
  /** Waits until every running broker answers metadata listing all running brokers. */
  waitForBrokers(timeoutMs?: number): Promise<void>;
  /** Process id of a running node. */
  pidOf(id: number): number | undefined;
  logFile(id: number): string;
  /** The end of every node's log (or one node's), for failure reports. */
  logTail(id?: number, lines?: number): string;
  /** Kills every node and deletes the cluster's folder (if the test bed created it). Idempotent. */
  stop(): Promise<void>;
  describe(): KafkaClusterDescription;
}

const defaultCredentials: ClusterCredentials = {
  admin: { username: 'admin', password: 'admin-secret' },
  user: { username: 'alice', password: 'alice-secret' },
};

const firstControllerId = 1001;

/**
 * A random cluster id as Kafka makes them: 16 random bytes in URL-safe base64, never starting with
 * '-', which command-line parsers (kafka-storage format --cluster-id) would take for an option.
 */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export async function startKafkaCluster(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  requireJava();
  const brokerCount = options.brokers ?? 1;
  const controllerCount = options.controllers ?? 0;
  if (!Number.isInteger(brokerCount) || brokerCount < 1) throw new Error('brokers must be a positive integer');
  if (!Number.isInteger(controllerCount) || controllerCount < 0) throw new Error('controllers must be 0 or more');
  const listeners: ListenerSecurity = options.listeners ?? 'plaintext';
  const saslMechanisms: readonly SaslMechanism[] = isSasl(listeners)
    ? (options.saslMechanisms ?? ['PLAIN', 'SCRAM-SHA-512'])
    : [];
  if (isSasl(listeners) && saslMechanisms.length === 0) throw new Error('a SASL listener needs a mechanism');
  const name = options.name ?? 'kafka';
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `switchyard-${name}-`));
  mkdirSync(dir, { recursive: true });

  // Node layout: combined mode (controllers: 0) makes every broker a controller too.
  const layout: { id: number; roles: NodeRole[] }[] = [];
  for (let i = 1; i <= brokerCount; i++) {
    layout.push({ id: i, roles: controllerCount === 0 ? ['broker', 'controller'] : ['broker'] });
  }
  for (let i = 0; i < controllerCount; i++) layout.push({ id: firstControllerId + i, roles: ['controller'] });

  const portCount = layout.reduce(
    (sum, node) => sum + (node.roles.includes('broker') ? 2 : 0) + (node.roles.includes('controller') ? 1 : 0),
    0,
  );
  const reservations = await reservePorts(portCount);
  const ports = reservations.map((r) => r.port);
  const nodes = layout.map(({ id, roles }) => {
    const nodePorts: NodePorts = {
      ...(roles.includes('broker') ? { internal: ports.shift(), client: ports.shift() } : {}),
      ...(roles.includes('controller') ? { controller: ports.shift() } : {}),
    };
    return new KafkaNode(id, roles, nodePorts, join(dir, `node-${id}`));
  });

  const cluster = new RunningCluster({
    name,
    dir,
    ownsDir,
    nodes,
    reservations,
    listeners,
    saslMechanisms,
    clusterId: newClusterId(),
  });
  try {
    await cluster.boot(options);
  } catch (error) {
    const logs = cluster.logTail();
    await cluster.stop();
    throw new Error(`Kafka cluster '${name}' did not start: ${(error as Error).message}\n${logs}`, { cause: error });
  }
  return cluster;
}

interface ClusterParts {
  readonly name: string;
  readonly dir: string;
  readonly ownsDir: boolean;
  readonly nodes: readonly KafkaNode[];
  readonly reservations: readonly PortReservation[];
  readonly listeners: ListenerSecurity;
  readonly saslMechanisms: readonly SaslMechanism[];
  readonly clusterId: string;
}

class RunningCluster implements KafkaCluster {
  readonly name: string;
  readonly dir: string;
  readonly clusterId: string;
  readonly listeners: ListenerSecurity;
  readonly saslMechanisms: readonly SaslMechanism[];
  readonly brokers: readonly BrokerAddress[];
  readonly controllerIds: readonly number[];
  readonly bootstrapServers: string;
  readonly credentials?: ClusterCredentials;
  tls?: ClusterTlsFiles;
  readonly #parts: ClusterParts;
  readonly #nodes: ReadonlyMap<number, KafkaNode>;
  readonly #cancelExitCleanup: readonly (() => void)[];
  #stopping: Promise<void> | undefined;

  constructor(parts: ClusterParts) {
    this.#parts = parts;
    this.name = parts.name;
    this.dir = parts.dir;
    this.clusterId = parts.clusterId;
    this.listeners = parts.listeners;
    this.saslMechanisms = parts.saslMechanisms;
    this.#nodes = new Map(parts.nodes.map((node) => [node.id, node]));
    this.brokers = parts.nodes
      .filter((node) => node.isBroker)
      .map((node) => ({ id: node.id, host: '127.0.0.1', port: node.ports.client ?? 0 }));
    this.controllerIds = parts.nodes.filter((node) => node.roles.includes('controller')).map((node) => node.id);
    this.bootstrapServers = this.brokers.map((b) => `${b.host}:${b.port}`).join(',');
    if (isSasl(parts.listeners)) this.credentials = defaultCredentials;
    // A process that ends without stop() still releases the ports and deletes the folder (the
    // folder even when it dies of SIGKILL; stale port reservations are reclaimed anyway).
    const deletesDir = parts.ownsDir && !process.env.SWITCHYARD_TESTBED_KEEP;
    this.#cancelExitCleanup = [atExit(() => this.#releasePorts()), ...(deletesDir ? [deleteOnExit(parts.dir)] : [])];
  }

  async boot(options: KafkaClusterOptions): Promise<void> {
    const nodes = this.#parts.nodes;
    let tlsFiles: { keystoreFile: string; caFile: string; requireClientCertificate: boolean } | undefined;
    if (isTls(this.listeners)) {
      const tlsDir = join(this.dir, 'tls');
      const ca = createCertificateAuthority(tlsDir, `switchyard-testbed-${this.name}-ca`);
      const broker = issueCertificate(ca, tlsDir, 'broker');
      const client = issueCertificate(ca, tlsDir, 'client');
      this.tls = { caFile: ca.certFile, clientCertFile: client.certFile, clientKeyFile: client.keyFile };
      tlsFiles = {
        keystoreFile: broker.keystoreFile,
        caFile: ca.certFile,
        requireClientCertificate: options.requireClientCertificate ?? false,
      };
    }
    const quorumVoters = nodes
      .filter((node) => node.roles.includes('controller'))
      .map((node) => `${node.id}@127.0.0.1:${node.ports.controller}`);
    const formats = nodes.map((node) => {
      const input = {
        id: node.id,
        roles: node.roles,
        ports: node.ports,
        dataDir: node.dataDir,
        quorumVoters,
        brokerCount: this.brokers.length,
        listeners: this.listeners,
        saslMechanisms: this.saslMechanisms,
        credentials: defaultCredentials,
        ...(tlsFiles ? { tls: tlsFiles } : {}),
        overrides: options.brokerConfig ?? {},
      };
      node.writeProperties(propertiesText(nodeConfig(input)));
      // SCRAM users are bootstrap records of the metadata log, which only controllers read.
      return node.format(this.clusterId, node.roles.includes('controller') ? scramFormatArgs(input) : []);
    });
    await Promise.all(formats);
    writeFileSync(join(this.dir, 'cluster.json'), `${JSON.stringify(this.describe(), null, 2)}\n`);
    for (const node of nodes) node.start();
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    await this.waitForBrokers(deadline - Date.now());
    await this.#waitForGroupCoordinator(deadline);
  }

  async #waitForGroupCoordinator(deadline: number): Promise<void> {
    const broker = this.#parts.nodes.find((node) => node.isBroker);
    let lastError = -1;
    // Polling: creating __consumer_offsets and electing its leaders announces nothing.
    while (Date.now() < deadline) {
      lastError = await probeGroupCoordinator('127.0.0.1', broker?.ports.internal ?? 0).catch(() => -1);
      if (lastError === 0) return;
      await sleep(100);
    }
    throw new Error(`the group coordinator was not available in time (last error code ${lastError})`);
  }

  connection(options: ConnectionOptions = {}): KafkaConnection {
    const account = this.credentials?.[options.as ?? 'user'];
    const mechanism = options.mechanism ?? this.saslMechanisms[0];
    return {
      bootstrapServers: this.bootstrapServers,
      ...(this.tls
        ? {
            tls: {
              caFile: this.tls.caFile,
              ...(options.clientCertificate
                ? { certFile: this.tls.clientCertFile, keyFile: this.tls.clientKeyFile }
                : {}),
            },
          }
        : {}),
      ...(account && mechanism ? { sasl: { mechanism, ...account } } : {}),
    };
  }

  #node(id: number): KafkaNode {
    const node = this.#nodes.get(id);
    if (!node) throw new Error(`cluster '${this.name}' has no node ${id}`);
    return node;
  }

  async stopBroker(id: number): Promise<void> {
    await this.#node(id).stop();
  }

  async killBroker(id: number): Promise<void> {
    await this.#node(id).kill();
  }

  async startBroker(id: number): Promise<void> {
    if (this.#stopping) throw new Error(`cluster '${this.name}' is stopped`);
    this.#node(id).start();
    await this.waitForBrokers();
  }

  async waitForBrokers(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastProblem = 'no broker probed yet';
    // Fail at once if a node dies while we wait, instead of waiting for the deadline.
    const running = this.#parts.nodes.filter((node) => node.isRunning);
    let died: KafkaNode | undefined;
    for (const node of running) void node.exited().then(() => (died ??= node));
    // Polling: a broker announces readiness by no event we could await.
    for (;;) {
      if (this.#stopping) throw new Error(`cluster '${this.name}' was stopped`);
      if (died && !this.#stopping) throw new Error(`node ${died.id} exited while the cluster was starting`);
      const problem = await this.#readinessProblem(running);
      if (problem === undefined) return;
      lastProblem = problem;
      if (Date.now() > deadline) throw new Error(`brokers not ready after ${timeoutMs} ms: ${lastProblem}`);
      await sleep(150);
    }
  }

  async #readinessProblem(running: readonly KafkaNode[]): Promise<string | undefined> {
    const expected = running
      .filter((node) => node.isBroker)
      .map((node) => node.id)
      .sort((a, b) => a - b);
    for (const node of running) {
      if (!node.isBroker) continue;
      try {
        const metadata = await probeMetadata('127.0.0.1', node.ports.internal ?? 0);
        const listed = metadata.brokers.map((b) => b.id).sort((a, b) => a - b);
        if (listed.join() !== expected.join())
          return `broker ${node.id} lists brokers [${listed}], expected [${expected}]`;
      } catch (error) {
        return `broker ${node.id}: ${(error as Error).message}`;
      }
    }
    return undefined;
  }

  pidOf(id: number): number | undefined {
    const node = this.#node(id);
    return node.isRunning ? node.pid : undefined;
  }

  logFile(id: number): string {
    return this.#node(id).logFile;
  }

  logTail(id?: number, lines = 40): string {
    const nodes = id === undefined ? this.#parts.nodes : [this.#node(id)];
    return nodes.map((node) => node.logTail(lines)).join('\n');
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      // Everything is thrown away, so there is nothing a graceful shutdown would save.
      await Promise.all(this.#parts.nodes.map((node) => node.kill()));
      for (const cancel of this.#cancelExitCleanup) cancel();
      this.#releasePorts();
      if (this.#parts.ownsDir && !process.env.SWITCHYARD_TESTBED_KEEP) {
        rmSync(this.dir, { recursive: true, force: true });
      }
    })();
    return this.#stopping;
  }

  #releasePorts(): void {
    for (const reservation of this.#parts.reservations) reservation.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  describe(): KafkaClusterDescription {
    return {
      name: this.name,
      clusterId: this.clusterId,
      bootstrapServers: this.bootstrapServers,
      brokers: this.brokers,
      controllerIds: this.controllerIds,
      listeners: this.listeners,
      saslMechanisms: this.saslMechanisms,
      ...(this.credentials ? { credentials: this.credentials } : {}),
      ...(this.tls ? { tls: this.tls } : {}),
      dir: this.dir,
    };
  }
}
