// Hot reload of a running `switchyard` command while kafkajs producers run on two virtual clusters
// of one Kafka cluster, in one process and with two workers: a reload by file change (--watch),
// by SIGHUP and by POST /reload restarts only the virtual cluster whose definition changed. The
// unchanged one keeps every connection and record; the changed one reconnects and loses no
// acknowledged record; an invalid edit changes nothing and is reported with its line; a rotated
// certificate is presented to the next TLS connection without any reload.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/index.ts';
import { kafkajsClient, kafkajsConsume, kafkajsCreateTopics } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock } from '../../helpers/switchyard.ts';
import { type LogLine, type Running, startCommand } from '../../unit/cli/spawn.ts';

const cluster = await useKafkaCluster({ name: 'reload' });
await kafkajsCreateTopics({ bootstrapServers: cluster.bootstrapServers }, [
  { name: 'steady-records', partitions: 1, replicationFactor: 1 },
  { name: 'changing-records', partitions: 1, replicationFactor: 1 },
]);

interface Ports {
  readonly steady: number;
  readonly changing: number;
  readonly tls: number;
  readonly management: number;
}

/** The configuration; `drainTimeout` of `changing` is what the reloads change. */
function configuration(ports: Ports, dir: string, drainTimeout: string): string {
  return `management:
  bindAddress: 127.0.0.1
  port: ${ports.management}
  reload: true
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: steady
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports.steady}
      - name: tls
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports.tls}
        tls:
          key:
            certificateFile: ${join(dir, 'gateway.pem')}
            privateKeyFile: ${join(dir, 'gateway-key.pem')}
  - name: changing
    drainTimeout: ${drainTimeout}
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports.changing}
`;
}
/** The 1-based line of `changing`'s drainTimeout in the file above. */
const DRAIN_TIMEOUT_LINE = 23;

/** A kafkajs producer sending one record at a time (acks=all) until stopped; keeps what was acknowledged. */
function producer(bootstrap: string, topic: string) {
  const client = kafkajsClient({ bootstrapServers: bootstrap }).producer();
  const acknowledged: string[] = [];
  const events = new EventEmitter();
  let running = true;
  const loop = (async () => {
    await client.connect();
    for (let next = 0; running; next++) {
      const value = `${topic}-${next}`;
      try {
        await client.send({ topic, acks: -1, messages: [{ value }] });
        acknowledged.push(value);
        events.emit('ack');
      } catch {
        // Not acknowledged: the client gave up on this one (it may still have been written).
      }
    }
    await client.disconnect();
  })();
  return {
    acknowledged,
    /** Resolves once `more` records beyond those acknowledged now are acknowledged, within a minute. */
    async progress(more = 5): Promise<void> {
      const target = acknowledged.length + more;
      const signal = AbortSignal.timeout(60_000);
      while (acknowledged.length < target) {
        await Promise.race([once(events, 'ack', { signal }), loop]).catch((error: unknown) => {
          throw new Error(`${topic}: ${acknowledged.length} of ${target} records acknowledged`, { cause: error });
        });
        if (acknowledged.length < target && !running) throw new Error(`${topic}: the producer was stopped`);
      }
    },
    async stop(): Promise<void> {
      running = false;
      await loop;
    },
  };
}

async function metrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const STEADY_CONNECTIONS = 'switchyard_client_connections_total{virtual_cluster="steady",gateway="ports"}';
const CHANGING_CONNECTIONS = 'switchyard_client_connections_total{virtual_cluster="changing",gateway="ports"}';

async function status(port: number): Promise<{ generation: number; lastReload: Record<string, unknown> | null }> {
  return (await fetch(`http://127.0.0.1:${port}/status`)).json() as never;
}

/** Every acknowledged record is in the topic (read straight from the cluster). */
async function assertNoAcknowledgedRecordLost(topic: string, acknowledged: readonly string[]): Promise<void> {
  const admin = kafkajsClient({ bootstrapServers: cluster.bootstrapServers }).admin();
  await admin.connect();
  const [offsets] = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const records = await kafkajsConsume(
    { bootstrapServers: cluster.bootstrapServers },
    { topic, groupId: `check-${topic}-${Date.now()}`, count: Number(offsets?.high ?? 0) },
  );
  const present = new Set(records.map((record) => record.value));
  const lost = acknowledged.filter((value) => !present.has(value));
  assert.deepEqual(lost, [], `acknowledged records of ${topic} missing`);
}

/** The certificate a new TLS connection to the gateway is given. */
async function presentedCertificate(port: number): Promise<string> {
  const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const fingerprint = socket.getPeerCertificate().fingerprint256;
  socket.destroy();
  return fingerprint;
}

interface Setup {
  readonly dir: string;
  readonly file: string;
  readonly ports: Ports;
  readonly proxy: Running;
  readonly started: (line: LogLine) => boolean;
}

async function start(workers: number, watch: boolean): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-reload-'));
  const ca = createCertificateAuthority(join(dir, 'ca'), 'switchyard-reload-ca');
  const issued = issueCertificate(ca, join(dir, 'issued-1'), 'gateway');
  renameSync(issued.certFile, join(dir, 'gateway.pem'));
  renameSync(issued.keyFile, join(dir, 'gateway-key.pem'));
  const base = await freePortBlock(24);
  const ports = { steady: base, changing: base + 8, tls: base + 16, management: base + 23 };
  const file = join(dir, 'proxy.yaml');
  writeFileSync(file, configuration(ports, dir, '2s'));
  const args = ['--config', file, '--workers', String(workers), ...(watch ? ['--watch'] : [])];
  const proxy = startCommand(args);
  // The process's own line: with workers, each worker also logs one before the group has started.
  const started = (line: LogLine) => line.worker === undefined && String(line.msg).startsWith('Switchyard started');
  await proxy.waitForLine(started);
  return { dir, file, ports, proxy, started };
}

async function stop(setup: Setup): Promise<void> {
  setup.proxy.child.kill('SIGTERM');
  const finished = await setup.proxy.exit;
  assert.equal(finished.code, 0, finished.stderr);
}

/** The reload log line of generation `generation` (success or failure). */
function reloadLine(setup: Setup, predicate: (line: LogLine) => boolean): Promise<LogLine> {
  return setup.proxy.waitForLine(
    (line) =>
      line.worker === undefined &&
      (String(line.msg).startsWith('configuration reloaded') ||
        String(line.msg).startsWith('configuration reload failed')) &&
      predicate(line),
  );
}

type Trigger = 'watch' | 'SIGHUP' | 'POST /reload';

/** Changes `changing`'s drainTimeout through `trigger` and returns the outcome. */
async function reload(setup: Setup, trigger: Trigger, drainTimeout: string): Promise<Record<string, unknown>> {
  const before = await status(setup.ports.management);
  const generation = before.generation;
  writeFileSync(setup.file, configuration(setup.ports, setup.dir, drainTimeout));
  if (trigger === 'POST /reload') {
    const reply = await fetch(`http://127.0.0.1:${setup.ports.management}/reload`, { method: 'POST' });
    const body = (await reply.json()) as Record<string, unknown>;
    assert.equal(reply.status, body.ok === true ? 200 : 422);
    return body;
  }
  const line = reloadLine(setup, (l) => l.trigger === trigger && Number(l.generation) >= generation);
  if (trigger === 'SIGHUP') setup.proxy.child.kill('SIGHUP');
  return (await line) as Record<string, unknown>;
}

async function scenario(workers: number): Promise<void> {
  // The file watch, the invalid edit and the certificate rotation: one process with --watch.
  const watched = await start(workers, true);
  const steady = producer(`127.0.0.1:${watched.ports.steady}`, 'steady-records');
  const changing = producer(`127.0.0.1:${watched.ports.changing}`, 'changing-records');
  await Promise.all([steady.progress(), changing.progress()]);
  const beforeReload = await metrics(watched.ports.management);
  const steadyConnections = sample(beforeReload, STEADY_CONNECTIONS);
  assert.ok(steadyConnections >= 1);

  const byWatch = await reload(watched, 'watch', '3s');
  assert.equal(byWatch.generation, 2);
  assert.deepEqual([byWatch.restarted, byWatch.started, byWatch.stopped], [['changing'], [], []]);
  await Promise.all([steady.progress(), changing.progress()]);
  assert.ok(
    sample(await metrics(watched.ports.management), CHANGING_CONNECTIONS) > sample(beforeReload, CHANGING_CONNECTIONS),
    'the changed virtual cluster was restarted and its producer reconnected',
  );

  // Invalid: a bare number is not a duration. Nothing changes; the reason names the line.
  writeFileSync(watched.file, configuration(watched.ports, watched.dir, '2'));
  const invalid = await reloadLine(watched, (l) => l.level === 'error');
  assert.match(String(invalid.msg), new RegExp(`proxy\\.yaml:${DRAIN_TIMEOUT_LINE}:\\d+: error: .*drainTimeout`));
  const afterInvalid = await status(watched.ports.management);
  assert.equal(afterInvalid.generation, 2);
  assert.equal(afterInvalid.lastReload?.ok, false);
  await Promise.all([steady.progress(), changing.progress()]);

  // Rotation: new certificate files renamed over the old ones; no reload, no drain.
  const oldCertificate = await presentedCertificate(watched.ports.tls);
  const rotated = issueCertificate(
    createCertificateAuthority(join(watched.dir, 'ca-2'), 'rotated-ca'),
    join(watched.dir, 'issued-2'),
    'gateway',
  );
  const reloadedTls = Array.from({ length: workers }, (_, index) =>
    watched.proxy.waitForLine(
      (line) => line.msg === 'reloaded gateway TLS certificates' && (workers === 1 || line.worker === index),
    ),
  );
  renameSync(rotated.keyFile, join(watched.dir, 'gateway-key.pem'));
  renameSync(rotated.certFile, join(watched.dir, 'gateway.pem'));
  await Promise.all(reloadedTls);
  assert.notEqual(await presentedCertificate(watched.ports.tls), oldCertificate);
  assert.equal((await status(watched.ports.management)).generation, 2, 'a rotation is not a reload');

  await Promise.all([steady.progress(), changing.progress()]);
  assert.equal(
    sample(await metrics(watched.ports.management), STEADY_CONNECTIONS),
    steadyConnections,
    'the unchanged virtual cluster kept its connections',
  );
  await Promise.all([steady.stop(), changing.stop()]);
  await stop(watched);

  // SIGHUP and POST /reload: a process without --watch, so that only the trigger reloads.
  const signalled = await start(workers, false);
  const steady2 = producer(`127.0.0.1:${signalled.ports.steady}`, 'steady-records');
  const changing2 = producer(`127.0.0.1:${signalled.ports.changing}`, 'changing-records');
  await Promise.all([steady2.progress(), changing2.progress()]);
  const steadyConnections2 = sample(await metrics(signalled.ports.management), STEADY_CONNECTIONS);

  const bySignal = await reload(signalled, 'SIGHUP', '3s');
  assert.deepEqual([bySignal.ok, bySignal.generation, bySignal.restarted], [true, 2, ['changing']]);
  await Promise.all([steady2.progress(), changing2.progress()]);

  const byPost = await reload(signalled, 'POST /reload', '2s');
  assert.deepEqual([byPost.ok, byPost.generation, byPost.restarted], [true, 3, ['changing']]);
  await Promise.all([steady2.progress(), changing2.progress()]);

  const invalidPost = await reload(signalled, 'POST /reload', '2');
  assert.equal(invalidPost.ok, false);
  assert.equal(invalidPost.generation, 3);
  assert.match(
    String(invalidPost.reason),
    new RegExp(`proxy\\.yaml:${DRAIN_TIMEOUT_LINE}:\\d+: error: .*drainTimeout`),
  );

  const text = await metrics(signalled.ports.management);
  assert.equal(
    sample(text, STEADY_CONNECTIONS),
    steadyConnections2,
    'the unchanged virtual cluster kept its connections',
  );
  assert.equal(sample(text, 'switchyard_config_generation'), 3);
  assert.equal(sample(text, 'switchyard_config_reloads_total{outcome="success"}'), 2);
  assert.equal(sample(text, 'switchyard_config_reloads_total{outcome="failure"}'), 1);
  assert.equal(sample(text, 'switchyard_config_last_reload_success'), 0);
  await Promise.all([steady2.stop(), changing2.stop()]);
  await stop(signalled);

  await assertNoAcknowledgedRecordLost('steady-records', [...steady.acknowledged, ...steady2.acknowledged]);
  await assertNoAcknowledgedRecordLost('changing-records', [...changing.acknowledged, ...changing2.acknowledged]);
}

test('reload in one process: only the changed virtual cluster reconnects, nothing acknowledged is lost', () =>
  scenario(1));

test('reload with --workers 2: every worker reloads together', () => scenario(2));
