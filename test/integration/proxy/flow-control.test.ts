// Flow control and idle timeouts of client sessions, against a real broker, with a raw client that
// controls exactly what it sends and when it reads.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { FrameSplitter } from '../../../src/protocol/frames/index.ts';
import {
  ApiKey,
  codecsFor,
  decodeResponseBody,
  encodeRequest,
  type FetchRequest,
  type MetadataRequest,
} from '../../../src/protocol/index.ts';
import { javaProducerPerformance } from '../../helpers/clients/java-perf.ts';
import { kafkajsCreateTopics } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

const cluster = await useKafkaCluster({ brokers: 1, name: 'flow' });
const ports = await freePortBlock(4);
const idlePorts = await freePortBlock(4);
const running = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
network:
  session:
    maxInFlightRequests: 4
    unauthenticatedIdleTimeout: 300ms
    authenticatedIdleTimeout: 1500ms
virtualClusters:
  - name: flow
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports}
  - name: idle
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${idlePorts}
`);

function metadataRequest(correlationId: number): Buffer {
  const body = codecsFor(ApiKey.METADATA)!.request.defaults() as MetadataRequest;
  body.topics = [];
  return encodeRequest(ApiKey.METADATA, 12, correlationId, 'flow-test', body);
}

function fetchRequest(correlationId: number, topic: string, maxBytes: number): Buffer {
  const body = codecsFor(ApiKey.FETCH)!.request.defaults() as FetchRequest;
  body.maxWaitMs = 0;
  body.maxBytes = maxBytes;
  body.topics = [
    {
      topic,
      topicId: '',
      partitions: [
        {
          partition: 0,
          currentLeaderEpoch: -1,
          fetchOffset: 0n,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: maxBytes,
        },
      ],
    },
  ] as FetchRequest['topics'];
  return encodeRequest(ApiKey.FETCH, 12, correlationId, 'flow-test', body);
}

/** Collects whole response frames from a raw socket until `count` have arrived. */
function responses(socket: Socket, count: number): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const splitter = new FrameSplitter((frame) => {
      frames.push(Buffer.from(frame));
      if (frames.length === count) resolve(frames);
    });
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.once('close', () => reject(new Error(`closed after ${frames.length} of ${count} responses`)));
  });
}

async function metric(name: string): Promise<number> {
  const text = await running.proxy.metricsText();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes('virtual_cluster="flow"'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

test('pipelined requests beyond the in-flight limit pause reading and are all answered in order', async () => {
  const pausesBefore = await metric('switchyard_client_read_pauses_total');
  const socket = connect(ports, '127.0.0.1');
  await once(socket, 'connect');
  const answered = responses(socket, 40);
  socket.write(Buffer.concat(Array.from({ length: 40 }, (_, i) => metadataRequest(1000 + i))));
  const frames = await answered;
  socket.destroy();
  assert.deepEqual(
    frames.map((frame) => frame.readInt32BE(4)),
    Array.from({ length: 40 }, (_, i) => 1000 + i),
  );
  assert.ok((await metric('switchyard_client_read_pauses_total')) > pausesBefore, 'reading paused at the limit');
});

test('a client that does not read pauses reading from the upstream, and gets everything once it reads', async () => {
  await kafkajsCreateTopics({ bootstrapServers: cluster.bootstrapServers }, [
    { name: 'flow-bulk', partitions: 1, replicationFactor: 1 },
  ]);
  await javaProducerPerformance(
    { bootstrapServers: cluster.bootstrapServers },
    {
      topic: 'flow-bulk',
      records: 12_000,
      recordSize: 1024,
    },
  );
  const pausesBefore = await metric('switchyard_upstream_read_pauses_total');
  const socket = connect(ports, '127.0.0.1');
  await once(socket, 'connect');
  socket.pause();
  // Four 8 MiB fetches: far more than the socket buffers between proxy and client can hold.
  const requests = 4;
  socket.write(Buffer.concat(Array.from({ length: requests }, (_, i) => fetchRequest(i + 1, 'flow-bulk', 8 << 20))));
  // The proxy must notice the stalled client; there is no event for that but the metric.
  const deadline = Date.now() + 20_000;
  while ((await metric('switchyard_upstream_read_pauses_total')) === pausesBefore) {
    assert.ok(Date.now() < deadline, 'upstream reading never paused');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const answered = responses(socket, requests);
  socket.resume();
  const frames = await answered;
  socket.destroy();
  for (const [i, frame] of frames.entries()) {
    assert.equal(frame.readInt32BE(4), i + 1);
    const body = decodeResponseBody(ApiKey.FETCH, 12, frame, 9);
    assert.equal(body.responses[0]?.partitions[0]?.errorCode, 0);
    assert.ok((body.responses[0]?.partitions[0]?.records?.length ?? 0) > 1 << 20, 'a large fetch came through');
  }
});

test('a connection that sends nothing is closed after the unauthenticated idle timeout', async () => {
  const socket = connect(idlePorts, '127.0.0.1');
  await once(socket, 'connect');
  const started = Date.now();
  await once(socket, 'close');
  const idleMs = Date.now() - started;
  assert.ok(idleMs >= 250 && idleMs < 1400, `closed after ${idleMs} ms`);
});

test('after a served request, the longer authenticated idle timeout applies', async () => {
  const socket = connect(idlePorts, '127.0.0.1');
  await once(socket, 'connect');
  const answered = responses(socket, 1);
  socket.write(metadataRequest(1));
  await answered;
  const started = Date.now();
  await once(socket, 'close');
  const idleMs = Date.now() - started;
  assert.ok(idleMs >= 1300, `closed after ${idleMs} ms, sooner than the authenticated timeout`);
});
