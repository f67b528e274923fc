// Backpressure through a router (routing.md R67): requests and responses that a router handles
// dynamically, decoded and sent again, still stop the proxy reading from whichever side is ahead.
// A raw client controls exactly when it reads; the broker is frozen with SIGSTOP to make it slow.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { javaProducerPerformance } from '../../helpers/clients/java-perf.ts';
import { kafkajsCreateTopics } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { fetchFrame, fetchPartition, produceFrame, producePartition } from '../filters/frames.ts';
import { rawConnection } from '../filters/raw-client.ts';

const FIXTURES = './test/integration/routing/fixtures/probe.ts';
const cluster = await useKafkaCluster({ brokers: 1, name: 'routing-flow' });
const port = await freePortBlock(4);
const running = await useProxy(`
network:
  session:
    maxInFlightRequests: 200
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
routerDefinitions:
  - name: probe
    type: ${FIXTURES}#Probe
    routes:
      - { name: a, id: 0, target: { cluster: main } }
      - { name: b, id: 1, target: { cluster: main } }
virtualClusters:
  - name: routed
    target: { router: probe }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}
`);
const bootstrap = running.bootstrap('routed', 'ports');

async function metric(name: string): Promise<number> {
  const text = await running.proxy.metricsText();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes('virtual_cluster="routed"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

/** There is no event for "the proxy stopped reading"; its counter is what shows it. */
async function untilCounted(name: string, before: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await metric(name)) === before) {
    assert.ok(Date.now() < deadline, `${name} never moved`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The value of a counter once it stopped moving (unchanged over five samples). */
async function untilSteady(name: string): Promise<number> {
  let previous = -1;
  for (let unchanged = 0; unchanged < 5; ) {
    const value = await metric(name);
    unchanged = value === previous ? unchanged + 1 : 0;
    previous = value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return previous;
}

test('R67: a slow client pauses reading from the upstream, and gets every response once it reads', async () => {
  await kafkajsCreateTopics({ bootstrapServers: cluster.bootstrapServers }, [
    { name: 'r67-bulk', partitions: 1, replicationFactor: 1 },
  ]);
  await javaProducerPerformance(
    { bootstrapServers: cluster.bootstrapServers },
    { topic: 'r67-bulk', records: 12_000, recordSize: 1024 },
  );
  const before = await metric('switchyard_upstream_read_pauses_total');
  const client = await rawConnection(bootstrap);
  try {
    client.pause();
    // Four 8 MiB fetches, each decoded and sent again by the router: far more than the socket
    // buffers between proxy and client hold.
    const answers = client.pipeline(Array.from({ length: 4 }, (_, i) => fetchFrame(i + 1, 'r67-bulk', 8 << 20)));
    await untilCounted('switchyard_upstream_read_pauses_total', before);
    client.resume();
    for (const answer of answers) {
      const partition = fetchPartition(await answer);
      assert.equal(partition.errorCode, 0);
      assert.ok((partition.records?.length ?? 0) > 1 << 20, 'a large fetch came through');
    }
    assert.deepEqual(client.arrivals, [1, 2, 3, 4], 'in request order');
  } finally {
    client.close();
  }
});

test('R67: a slow upstream pauses reading from the client, and every request is answered once it catches up', async () => {
  await kafkajsCreateTopics({ bootstrapServers: cluster.bootstrapServers }, [
    { name: 'r67-produce', partitions: 1, replicationFactor: 1 },
  ]);
  const value = 'x'.repeat(900_000); // below the broker's 1 MB message limit
  const frames = await Promise.all(
    Array.from({ length: 64 }, (_, i) => produceFrame(i + 1, 'r67-produce', [value], { acks: 1 })),
  );
  const sent = frames.reduce((sum, frame) => sum + frame.length, 0);
  const before = await metric('switchyard_client_read_pauses_total');
  const client = await rawConnection(bootstrap);
  // Opens the session's upstream connection while the broker still answers.
  const [warmUp] = client.pipeline([await produceFrame(100, 'r67-produce', ['first'], { acks: 1 })]);
  assert.equal(producePartition(await warmUp!).errorCode, 0);
  const readBefore = await metric('switchyard_client_request_bytes_total');
  const broker = cluster.pidOf(1)!;
  process.kill(broker, 'SIGSTOP');
  try {
    // 57 MB of produce requests, well within the in-flight limit: only the upstream's full
    // write buffer can make the proxy stop reading them.
    const answers = client.pipeline(frames);
    await untilCounted('switchyard_client_read_pauses_total', before);
    const read = await untilSteady('switchyard_client_request_bytes_total');
    assert.ok(read - readBefore < sent / 2, `the proxy read ${read - readBefore} of ${sent} bytes from the client`);
    process.kill(broker, 'SIGCONT');
    for (const answer of answers) assert.equal(producePartition(await answer).errorCode, 0);
    assert.deepEqual(
      client.arrivals.slice(1),
      Array.from({ length: 64 }, (_, i) => i + 1),
      'in request order',
    );
  } finally {
    process.kill(broker, 'SIGCONT');
    client.close();
  }
});
