// `switchyard run --workers N` as processes (L79–L84, L86): a supervisor and its workers sharing
// the gateway ports, with the group's management endpoint. No Kafka is needed: these tests look at
// the lifecycle, not at traffic.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { http } from '../lifecycle/fixtures.ts';
import { connect, metadataRequest, silentBroker } from './network.ts';
import { type LogLine, runCommand, startCommand } from './spawn.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-workers-'));

function configFile(name: string, gatewayPort: number, upstreamPort = 9, drainTimeout = '1s'): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `management:
  bindAddress: 127.0.0.1
  port: 0
clusterDefinitions:
  - name: upstream
    bootstrapServers: 127.0.0.1:${upstreamPort}
virtualClusters:
  - name: demo
    drainTimeout: ${drainTimeout}
    target:
      cluster: upstream
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${gatewayPort}
`,
  );
  return file;
}

const isWorkerLine = (l: LogLine) => l.worker !== undefined;
const managementPortOf = (line: LogLine) => Number(/:(\d+)$/.exec(line.msg ?? '')?.[1]);
const sample = (text: string, series: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${series} `))
      ?.slice(series.length + 1),
  );

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('L79: an invalid configuration with --workers 2 exits 1 before any worker is forked', async () => {
  const file = join(dir, 'invalid.yaml');
  writeFileSync(file, 'virtualClusters: []\n');
  const result = await runCommand(['--config', file, '--workers', '2']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /error:/);
  assert.ok(!result.lines.some(isWorkerLine), 'no worker logged anything');
  assert.ok(!result.lines.some((l) => l.msg?.includes('supervisor starting')));
});

test('L80: a worker startup failure makes the supervisor stop the other workers and exit 1', async () => {
  const occupier = createServer();
  await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
  const busy = (occupier.address() as { port: number }).port;
  try {
    const result = await runCommand(['--config', configFile('busy.yaml', busy), '--workers', '2']);
    assert.equal(result.code, 1);
    assert.ok(result.lines.some((l) => isWorkerLine(l) && /Switchyard failed to start/.test(l.msg ?? '')));
    assert.ok(result.lines.some((l) => /worker \d exited during startup/.test(l.msg ?? '')));
    assert.match(result.lines.at(-1)?.msg ?? '', /^Switchyard stopped: outcome=startup_failed, .*exit code 1$/);
  } finally {
    occupier.close();
  }
});

test('L81–L84: workers share ports; /metrics sums them; /readyz follows them; a killed worker is replaced; SIGTERM exits 0', async () => {
  const supervisor = startCommand(['--config', configFile('group.yaml', 0), '--workers', '2']);
  try {
    const port = managementPortOf(
      await supervisor.waitForLine((l) => /^management endpoint listening on/.test(l.msg ?? '')),
    );
    await supervisor.waitForLine((l) => l.msg === 'Switchyard started with 2 workers');

    // L81: summed series.
    const metrics = (await http(port, '/metrics')).body;
    assert.equal(sample(metrics, 'switchyard_proxy_state{state="started"}'), 2);
    assert.equal(sample(metrics, 'switchyard_virtual_cluster_state{virtual_cluster="demo",state="serving"}'), 2);
    assert.equal(sample(metrics, 'switchyard_worker_restarts_total'), 0);

    // L82: ready with every worker started and every VC serving; /status shows the group.
    assert.equal((await http(port, '/readyz')).status, 200);
    const status = JSON.parse((await http(port, '/status')).body);
    assert.equal(status.state, 'started');
    assert.equal(status.workers.length, 2);
    assert.deepEqual(
      status.virtualClusters.map((vc: { name: string; state: string }) => [vc.name, vc.state]),
      [['demo', 'serving']],
    );
    // L78 (ports): both workers bound the same bootstrap address.
    const addresses = status.workers.map(
      (w: { virtualClusters: { gateways: { boundPorts: number[] }[] }[] }) =>
        w.virtualClusters[0]?.gateways[0]?.boundPorts[0],
    );
    assert.equal(addresses[0], addresses[1]);

    // L83: a killed worker is replaced and counted; ready again once the replacement started.
    const victim = status.workers[0];
    process.kill(victim.pid, 'SIGKILL');
    await supervisor.waitForLine(
      (l) => l.msg === `worker ${victim.index} exited unexpectedly (exit code null, signal SIGKILL, state started)`,
    );
    assert.equal((await http(port, '/readyz')).status, 503);
    const restarted = supervisor.waitForLine(
      (l) => l.msg === `worker ${victim.index} started` && l.workerPid !== victim.pid,
    );
    await restarted;
    assert.equal((await http(port, '/readyz')).status, 200);
    assert.equal(sample((await http(port, '/metrics')).body, 'switchyard_worker_restarts_total'), 1);

    // L84: SIGTERM drains every worker and exits 0.
    supervisor.child.kill('SIGTERM');
    const result = await supervisor.exit;
    assert.equal(result.code, 0);
    assert.match(result.lines.at(-1)?.msg ?? '', /^Switchyard stopped: outcome=clean, .*exit code 0$/);
    assert.equal(result.lines.filter((l) => isWorkerLine(l) && l.msg === 'Switchyard stopped').length, 2);
  } finally {
    supervisor.child.kill('SIGKILL');
  }
});

test('L86: a worker whose supervisor disappears shuts down and exits', async () => {
  const supervisor = startCommand(['--config', configFile('orphans.yaml', 0), '--workers', '2']);
  const port = managementPortOf(
    await supervisor.waitForLine((l) => /^management endpoint listening on/.test(l.msg ?? '')),
  );
  await supervisor.waitForLine((l) => l.msg === 'Switchyard started with 2 workers');
  const pids: number[] = JSON.parse((await http(port, '/status')).body).workers.map((w: { pid: number }) => w.pid);
  supervisor.child.kill('SIGKILL');
  await supervisor.exit;
  // The workers are not our children: poll until they are gone (bounded by the test timeout).
  while (pids.some(isAlive)) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(pids.filter(isAlive), []);
});

test('L84: a second SIGINT to the supervisor during the drain kills every worker and exits 130', async () => {
  const broker = await silentBroker();
  const supervisor = startCommand(['--config', configFile('forced.yaml', 0, broker.port, '60s'), '--workers', '2']);
  try {
    const port = managementPortOf(
      await supervisor.waitForLine((l) => /^management endpoint listening on/.test(l.msg ?? '')),
    );
    await supervisor.waitForLine((l) => l.msg === 'Switchyard started with 2 workers');
    const status = JSON.parse((await http(port, '/status')).body);
    const pids: number[] = status.workers.map((w: { pid: number }) => w.pid);
    const address = `127.0.0.1:${status.workers[0].virtualClusters[0].gateways[0].boundPorts[0]}`;
    // A request that stays in flight keeps its worker draining for up to 60 s.
    const client = await connect(address);
    client.write(metadataRequest(1));
    await broker.connected;
    supervisor.child.kill('SIGINT');
    await supervisor.waitForLine((l) => l.msg === 'Switchyard stopping: asking every worker to shut down');
    supervisor.child.kill('SIGINT');
    const result = await supervisor.exit;
    client.destroy();
    assert.equal(result.code, 130);
    assert.ok(result.lines.some((l) => l.msg === 'received SIGINT again: exiting immediately'));
    while (pids.some(isAlive)) await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    supervisor.child.kill('SIGKILL');
    await broker.close();
  }
});

test('a reload that one worker cannot prepare is rolled back in every worker; the next valid one applies in all', async () => {
  copyFileSync(new URL('./fixtures/lifecycle-filters.mjs', import.meta.url), join(dir, 'lifecycle-filters.mjs'));
  const journal = join(dir, 'rollback-journal.txt');
  writeFileSync(journal, '');
  const file = join(dir, 'rollback.yaml');
  const write = (mark: number, failInWorker: number) =>
    writeFileSync(
      file,
      `management:
  bindAddress: 127.0.0.1
  port: 0
  reload: true
filterDefinitions:
  - name: guarded
    type: ./lifecycle-filters.mjs#RefusesInOneWorker
    config: { journal: ${journal}, mark: ${mark}, failInWorker: ${failInWorker} }
clusterDefinitions:
  - name: upstream
    bootstrapServers: 127.0.0.1:9
virtualClusters:
  - name: demo
    filters: [guarded]
    target:
      cluster: upstream
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:0
`,
    );
  write(1, -1);
  const supervisor = startCommand(['--config', file, '--workers', '2']);
  try {
    const port = managementPortOf(
      await supervisor.waitForLine((l) => /^management endpoint listening on/.test(l.msg ?? '')),
    );
    await supervisor.waitForLine((l) => l.msg === 'Switchyard started with 2 workers');
    const journalLines = () => readFileSync(journal, 'utf8').trim().split('\n').sort();
    assert.deepEqual(journalLines(), ['0 initialize 1', '1 initialize 1']);

    // Worker 1 refuses to prepare: both discard, nothing restarts, the reply names the worker.
    write(2, 1);
    const refused = await fetch(`http://127.0.0.1:${port}/reload`, { method: 'POST' });
    const refusal = (await refused.json()) as { ok: boolean; generation: number; reason: string };
    assert.equal(refused.status, 422);
    assert.deepEqual([refusal.ok, refusal.generation], [false, 1]);
    assert.match(refusal.reason, /^worker 1: .*secret store sealed in worker 1/);
    assert.deepEqual(journalLines(), [
      '0 close 2',
      '0 initialize 1',
      '0 initialize 2',
      '1 initialize 1',
      '1 initialize 2',
    ]);
    const status = JSON.parse((await http(port, '/status')).body);
    assert.deepEqual(
      status.workers.map((w: { virtualClusters: { state: string }[] }) => w.virtualClusters[0]?.state),
      ['serving', 'serving'],
    );

    // A valid edit is applied by both: the old plugins close after the drain, the new ones serve.
    write(3, -1);
    const applied = await fetch(`http://127.0.0.1:${port}/reload`, { method: 'POST' });
    const outcome = (await applied.json()) as { ok: boolean; generation: number; restarted: string[] };
    assert.deepEqual([applied.status, outcome.ok, outcome.generation, outcome.restarted], [200, true, 2, ['demo']]);
    assert.deepEqual(journalLines(), [
      '0 close 1',
      '0 close 2',
      '0 initialize 1',
      '0 initialize 2',
      '0 initialize 3',
      '1 close 1',
      '1 initialize 1',
      '1 initialize 2',
      '1 initialize 3',
    ]);

    supervisor.child.kill('SIGTERM');
    const result = await supervisor.exit;
    assert.equal(result.code, 0);
    const commits = result.lines.filter((l) => l.msg === 'reloading the configuration');
    assert.deepEqual(commits.map((l) => l.worker).sort(), [0, 1], 'each worker committed the valid reload only');
  } finally {
    supervisor.child.kill('SIGKILL');
  }
});
