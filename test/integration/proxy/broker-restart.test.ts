// A broker dies and comes back while an idempotent producer writes through the proxy: the client
// follows the leadership change through the proxy's addresses and loses and duplicates nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { javaProducerPerformance } from '../../helpers/clients/java-perf.ts';
import { kafkajsConsume, kafkajsCreateTopics } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

const cluster = await useKafkaCluster({
  brokers: 3,
  name: 'restart',
  brokerConfig: { 'min.insync.replicas': 2 },
});
const ports = await freePortBlock(8);
const running = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: demo
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports}
`);
const viaProxy = { bootstrapServers: running.bootstrap('demo', 'ports') };

test('an idempotent producer loses and duplicates nothing when a broker restarts mid-produce', async () => {
  const messages = 6000;
  await kafkajsCreateTopics(viaProxy, [{ name: 'restart-topic', partitions: 3, replicationFactor: 3 }]);
  // About six seconds of producing at acks=all with idempotence and the client's unbounded retries.
  // (VerifiableProducer would not do: it forces retries=0.)
  const producing = javaProducerPerformance(viaProxy, {
    topic: 'restart-topic',
    records: messages,
    recordSize: 'monotonic',
    throughput: 1000,
    producerProps: { 'enable.idempotence': 'true', 'max.in.flight.requests.per.connection': '5' },
    timeoutMs: 120_000,
  });
  // The restart has to land while records are in flight; the producer offers no event to await.
  await delay(2500);
  const victim = cluster.brokers[1]!.id;
  await cluster.killBroker(victim);
  await cluster.startBroker(victim);
  const produced = await producing;
  assert.equal(produced.records, messages);

  const consumed = await kafkajsConsume(viaProxy, {
    topic: 'restart-topic',
    groupId: 'restart-check',
    count: messages,
    timeoutMs: 60_000,
  });
  const values = consumed.map((record) => Number(record.value));
  assert.equal(new Set(values).size, values.length, 'no record is duplicated');
  assert.deepEqual(
    [...values].sort((a, b) => a - b),
    Array.from({ length: messages }, (_, i) => i),
    'every record arrived',
  );
});
