// Large frames through a virtual cluster targeting a real broker, with nothing inspecting them:
// produce requests and fetch responses that straddle socket reads are forwarded as they arrive
// (docs/design/2026-12-03-streaming-frames.md), and clients still get every byte, in order.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { test } from 'node:test';
import type { DecodeEvent, StreamEvent } from '../../../src/pipeline/diagnostics.ts';
import { javaConsumerPerformance, javaProducerPerformance } from '../../helpers/clients/java-perf.ts';
import { kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

const cluster = await useKafkaCluster({ brokers: 1, name: 'streaming' });
const ports = await freePortBlock(4);
const running = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: streaming
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports}
`);
const viaProxy = { bootstrapServers: running.bootstrap('streaming', 'ports') };

// The same cluster behind a router whose every key is static: requests stream along its route too.
const routedPorts = await freePortBlock(4);
const routed = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
routerDefinitions:
  - name: pass
    type: ./docs/examples/pass-through.ts#PassThrough
    routes:
      - { name: only, id: 0, target: { cluster: main } }
virtualClusters:
  - name: routed
    target: { router: pass }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${routedPorts}
`);
const viaRouter = { bootstrapServers: routed.bootstrap('routed', 'ports') };

// One request in flight per session: a streamed request reaches the limit by itself.
const oneInFlightPorts = await freePortBlock(4);
const oneInFlight = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
network:
  session:
    maxInFlightRequests: 1
virtualClusters:
  - name: single
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${oneInFlightPorts}
`);

/** Collects the streaming events of the proxy while `run` runs. */
async function streamedWhile(run: () => Promise<void>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  const onStream = (message: unknown) => events.push(message as StreamEvent);
  subscribe('switchyard:stream', onStream);
  try {
    await run();
  } finally {
    unsubscribe('switchyard:stream', onStream);
  }
  return events;
}

/**
 * Produces 12 records of 40 KB (one produce request of about 480 KB) to a new topic through
 * `via`, consumes them back (in large responses) and checks every byte; returns the stream events.
 */
async function largeRoundTrip(via: { bootstrapServers: string }, topic: string): Promise<StreamEvent[]> {
  await kafkajsCreateTopics(via, [{ name: topic, partitions: 1, replicationFactor: 1 }]);
  const records = Array.from({ length: 12 }, (_, i) => ({
    key: `k${i}`,
    value: randomBytes(30_000).toString('base64'),
  }));
  return streamedWhile(async () => {
    await kafkajsProduce(via, topic, records);
    const consumed = await kafkajsConsume(via, { topic, groupId: topic, count: 12 });
    assert.deepEqual(
      consumed.map((r) => r.value),
      records.map((r) => r.value),
    );
  });
}

test('large produce requests and fetch responses stream through, and the records come back byte for byte', async () => {
  const events = await largeRoundTrip(viaProxy, 'large-values');
  assert.ok(
    events.some((e) => e.direction === 'request' && e.apiKey === 0),
    'the produce request was streamed',
  );
  assert.ok(
    events.some((e) => e.direction === 'response' && e.apiKey === 1),
    'a fetch response was streamed',
  );
});

test('behind an all-static router, large produce requests stream along the route and come back byte for byte', async () => {
  const events = await largeRoundTrip(viaRouter, 'routed-large');
  assert.ok(
    events.some((e) => e.direction === 'request' && e.apiKey === 0),
    'the produce request was streamed',
  );
});

test('the Java producer and consumer at full speed (frames split across reads) lose no record', async () => {
  await kafkajsCreateTopics(viaProxy, [{ name: 'perf-stream', partitions: 3, replicationFactor: 1 }]);
  const events = await streamedWhile(async () => {
    // The broker checks every batch's CRC: a byte out of place fails the send.
    const produced = await javaProducerPerformance(viaProxy, {
      topic: 'perf-stream',
      records: 20_000,
      recordSize: 1024,
      producerProps: { 'batch.size': '65536', 'linger.ms': '20' },
    });
    assert.equal(produced.records, 20_000);
    const consumed = await javaConsumerPerformance(viaProxy, { topic: 'perf-stream', records: 20_000 });
    assert.equal(consumed.records, 20_000);
  });
  assert.ok(
    events.some((e) => e.direction === 'request'),
    'some produce requests were streamed',
  );
  // The Java consumer fetches at v16 or later, whose responses may name brokers in their last
  // bytes: held as their pieces, skimmed, then streamed on without a copy.
  assert.ok(
    events.some((e) => e.direction === 'response' && e.apiKey === 1),
    'some fetch responses were streamed',
  );
});

test('a streamed request that alone reaches the in-flight limit is still read to its end and answered', async () => {
  const single = { bootstrapServers: oneInFlight.bootstrap('single', 'ports') };
  await kafkajsCreateTopics(single, [{ name: 'one-in-flight', partitions: 1, replicationFactor: 1 }]);
  const records = Array.from({ length: 12 }, (_, i) => ({
    key: `s${i}`,
    value: randomBytes(30_000).toString('base64'),
  }));
  const events = await streamedWhile(async () => {
    await kafkajsProduce(single, 'one-in-flight', records);
  });
  assert.ok(events.some((e) => e.direction === 'request' && e.apiKey === 0));
  const consumed = await kafkajsConsume(single, { topic: 'one-in-flight', groupId: 'one-in-flight', count: 12 });
  assert.deepEqual(
    consumed.map((r) => r.value),
    records.map((r) => r.value),
  );
});

test('PRODUCE and FETCH responses without nodeEndpoints reach the Java clients undecoded', async () => {
  await kafkajsCreateTopics(viaProxy, [{ name: 'undecoded', partitions: 1, replicationFactor: 1 }]);
  const decoded: number[] = [];
  const onDecode = (message: unknown) => {
    const event = message as DecodeEvent;
    if (event.direction === 'response') decoded.push(event.apiKey);
  };
  subscribe('switchyard:decode', onDecode);
  try {
    await javaProducerPerformance(viaProxy, { topic: 'undecoded', records: 2000, recordSize: 100 });
    await javaConsumerPerformance(viaProxy, { topic: 'undecoded', records: 2000 });
  } finally {
    unsubscribe('switchyard:decode', onDecode);
  }
  assert.deepEqual(
    decoded.filter((apiKey) => apiKey === 0 || apiKey === 1),
    [],
  );
});
