// `npm run testbed -- <command>`: Kafka clusters in the background for manual work and demos.
//   up [--clusters N] [--brokers N] [--controllers N] [--tls] [--sasl plain,scram-sha-512]
//   status
//   down
// `up` and `status` print one JSON object as their last stdout line.
import { fork } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isAlive, readState, removeState, stateDir, type TestbedState } from './cli-state.ts';
import { testbedDir } from './paths.ts';
import type { KafkaClusterOptions, ListenerSecurity, SaslMechanism } from './types.ts';

const usage = `usage: npm run testbed -- up [--clusters N] [--brokers N] [--controllers N] [--tls] [--sasl plain,scram-sha-256,scram-sha-512]
       npm run testbed -- status
       npm run testbed -- down`;

function fail(message: string): never {
  process.stderr.write(`testbed: ${message}\n`);
  process.exit(1);
}

function positiveInteger(text: string | undefined, name: string, fallback: number, minimum = 1): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) fail(`--${name} must be an integer >= ${minimum}`);
  return value;
}

function saslMechanisms(list: string): SaslMechanism[] {
  return list.split(',').map((name) => {
    const mechanism = name.trim().toUpperCase();
    if (mechanism !== 'PLAIN' && mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') {
      fail(`unknown SASL mechanism '${name}' (plain, scram-sha-256, scram-sha-512)`);
    }
    return mechanism;
  });
}

function summary(state: TestbedState) {
  return {
    clusters: state.clusters.map(({ pids: _pids, ...cluster }) => cluster),
  };
}

async function up(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      clusters: { type: 'string' },
      brokers: { type: 'string' },
      controllers: { type: 'string' },
      tls: { type: 'boolean', default: false },
      sasl: { type: 'string' },
    },
  });
  const existing = readState();
  if (existing && isAlive(existing.supervisorPid)) fail('clusters are already up: run `npm run testbed -- down` first');
  const listeners: ListenerSecurity = values.sasl
    ? values.tls
      ? 'sasl_ssl'
      : 'sasl_plaintext'
    : values.tls
      ? 'tls'
      : 'plaintext';
  const options: KafkaClusterOptions = {
    brokers: positiveInteger(values.brokers, 'brokers', 1),
    controllers: positiveInteger(values.controllers, 'controllers', 0, 0),
    listeners,
    ...(values.sasl ? { saslMechanisms: saslMechanisms(values.sasl) } : {}),
  };
  const clusters = positiveInteger(values.clusters, 'clusters', 1);
  mkdirSync(stateDir, { recursive: true });
  const logFile = join(stateDir, 'supervisor.log');
  const log = openSync(logFile, 'w');
  // Detached, with its output in a file: it outlives this command, which only waits for "ready".
  const supervisor = fork(join(testbedDir, 'supervisor.ts'), [JSON.stringify({ clusters, options })], {
    detached: true,
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  const outcome = await new Promise<{ type: string; message?: string }>((resolve) => {
    supervisor.once('message', (message) => resolve(message as { type: string; message?: string }));
    supervisor.once('exit', (code) => resolve({ type: 'error', message: `supervisor exited with status ${code}` }));
  });
  if (outcome.type !== 'ready') {
    fail(`clusters did not start: ${outcome.message ?? ''}\n(see ${logFile})`);
  }
  supervisor.disconnect();
  supervisor.unref();
  const state = readState();
  if (!state) fail(`the supervisor reported ready but wrote no state (see ${logFile})`);
  for (const cluster of state.clusters) {
    process.stderr.write(
      `${cluster.name}: ${cluster.bootstrapServers} (${cluster.listeners}, logs in ${cluster.dir})\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(summary(state))}\n`);
}

function status(): void {
  const state = readState();
  if (!state) {
    process.stdout.write(`${JSON.stringify({ clusters: [] })}\n`);
    return;
  }
  const supervisorAlive = isAlive(state.supervisorPid);
  const clusters = state.clusters.map((cluster) => ({
    name: cluster.name,
    clusterId: cluster.clusterId,
    bootstrapServers: cluster.bootstrapServers,
    listeners: cluster.listeners,
    nodes: Object.entries(cluster.pids).map(([id, pid]) => ({ id: Number(id), pid, running: pid > 0 && isAlive(pid) })),
    dir: cluster.dir,
  }));
  for (const cluster of clusters) {
    const running = cluster.nodes.filter((n) => n.running).length;
    process.stderr.write(
      `${cluster.name}: ${cluster.bootstrapServers} — ${running}/${cluster.nodes.length} nodes running\n`,
    );
  }
  process.stdout.write(
    `${JSON.stringify({ supervisor: { pid: state.supervisorPid, running: supervisorAlive }, startedAt: state.startedAt, clusters })}\n`,
  );
}

/** Java processes started from this repository's .testbed folder, found in /proc. */
function strayBrokerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (command.includes('kafka.Kafka') && command.includes(`${stateDir}/`)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

async function waitForExit(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  // Polling: there is no event for the exit of a process that is not our child.
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return pids.filter(isAlive);
}

async function down(): Promise<void> {
  const state = readState();
  if (state && isAlive(state.supervisorPid)) {
    process.kill(state.supervisorPid, 'SIGTERM');
    const left = await waitForExit([state.supervisorPid], 20_000);
    for (const pid of left) process.kill(pid, 'SIGKILL');
  }
  // Whatever the supervisor could not stop (or a lost state file forgot) is killed here.
  const strays = strayBrokerPids();
  for (const pid of strays) process.kill(pid, 'SIGKILL');
  const survivors = await waitForExit(strays, 5000);
  removeState();
  if (existsSync(stateDir)) {
    for (const entry of readdirSync(stateDir)) {
      if (entry.startsWith('cluster-')) rmSync(join(stateDir, entry), { recursive: true, force: true });
    }
  }
  if (survivors.length > 0) fail(`could not kill broker processes ${survivors.join(', ')}`);
  process.stderr.write(state ? `stopped ${state.clusters.length} cluster(s)\n` : 'nothing was running\n');
}

const [command, ...rest] = process.argv.slice(2);
switch (command) {
  case 'up':
    await up(rest);
    break;
  case 'status':
    status();
    break;
  case 'down':
    await down();
    break;
  default:
    fail(usage);
}
