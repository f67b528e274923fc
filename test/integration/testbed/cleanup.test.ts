// No Kafka process outlives what started it: a test process that dies (even by SIGKILL) takes its
// brokers along, and `testbed down` stops everything `testbed up` started.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { kcatMetadata } from '../../helpers/clients/kcat.ts';

const fixture = join(import.meta.dirname, 'fixtures', 'cluster-owner.ts');
const cli = join(import.meta.dirname, '..', '..', '..', 'testbed', 'cli.ts');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls (nothing signals the death of a process that is not our child) until all have exited. */
async function waitForExit(pids: readonly number[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    assert.ok(Date.now() < deadline, `still running after ${timeoutMs} ms: ${pids.filter(isAlive).join(', ')}`);
    await sleep(100);
  }
}

async function startOwner(): Promise<{ pid: number; brokerPids: number[]; dir: string }> {
  const child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('\n')) resolve(output.split('\n')[0] ?? '');
    });
    child.once('exit', (code) => reject(new Error(`the cluster owner exited with status ${code}`)));
  });
  const { pids, dir } = JSON.parse(line) as { pids: number[]; dir: string };
  assert.ok(pids.every(isAlive));
  return { pid: child.pid ?? 0, brokerPids: pids, dir };
}

test('brokers die, and the cluster folder is deleted, when a test process is killed by SIGKILL', async () => {
  const owner = await startOwner();
  process.kill(owner.pid, 'SIGKILL');
  await waitForExit(owner.brokerPids);
  // The watchdog deletes the folder right after killing the brokers: poll for it.
  const deadline = Date.now() + 5000;
  while (existsSync(owner.dir)) {
    assert.ok(Date.now() < deadline, `${owner.dir} was not deleted`);
    await sleep(100);
  }
});

test('brokers die, and the cluster folder is deleted, when a test process is terminated', async () => {
  const owner = await startOwner();
  process.kill(owner.pid, 'SIGTERM');
  await waitForExit([owner.pid, ...owner.brokerPids]);
  assert.equal(existsSync(owner.dir), false);
});

test('`testbed up` starts detached clusters that `testbed down` stops completely', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'switchyard-testbed-cli-'));
  after(() => rmSync(stateDir, { recursive: true, force: true }));
  const env = { ...process.env, SWITCHYARD_TESTBED_STATE_DIR: stateDir };
  const run = (...args: string[]) => promisify(execFile)(process.execPath, [cli, ...args], { env });

  const up = await run('up', '--clusters', '2', '--brokers', '1');
  const summary = JSON.parse(up.stdout.trim().split('\n').at(-1) ?? '') as {
    clusters: { clusterId: string; bootstrapServers: string; brokers: { port: number }[] }[];
  };
  assert.equal(summary.clusters.length, 2);
  // `up` has exited; the clusters still answer.
  for (const cluster of summary.clusters) {
    const metadata = await kcatMetadata({ bootstrapServers: cluster.bootstrapServers });
    assert.deepEqual(
      metadata.brokers.map((b) => b.port),
      cluster.brokers.map((b) => b.port),
    );
  }
  const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as {
    supervisorPid: number;
    clusters: { pids: Record<string, number> }[];
  };
  const pids = [state.supervisorPid, ...state.clusters.flatMap((c) => Object.values(c.pids))];
  assert.ok(pids.every(isAlive));

  const status = JSON.parse((await run('status')).stdout.trim().split('\n').at(-1) ?? '') as {
    clusters: { nodes: { running: boolean }[] }[];
  };
  assert.deepEqual(
    status.clusters.map((c) => c.nodes.map((n) => n.running)),
    [[true], [true]],
  );

  await run('down');
  assert.equal(pids.filter(isAlive).length, 0, 'down returns after every process exited');
  assert.deepEqual(
    readdirSync(stateDir).filter((entry) => entry !== 'supervisor.log'),
    [],
  );
});
