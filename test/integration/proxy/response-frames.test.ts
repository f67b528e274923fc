// Responses have their own size bound: `network.session.maxFrameBytes` limits what a client may
// send, never what the broker answers, since a fetch response is as large as the client asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

const cluster = await useKafkaCluster({ brokers: 1, name: 'response-frames' });
const ports = await freePortBlock(4);
const MAX_REQUEST_FRAME = 64 * 1024;
const running = await useProxy(`
network:
  session:
    maxFrameBytes: ${MAX_REQUEST_FRAME}
clusterDefinitions:
  - name: kafka
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: small-requests
    target: { cluster: kafka }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports}
`);

test('a consumer reads records larger than maxFrameBytes: the request limit does not bound responses', async () => {
  const direct = cluster.connection();
  await kafkajsCreateTopics(direct, [{ name: 'large-records', partitions: 1, replicationFactor: 1 }]);
  // Each record alone is larger than any request this virtual cluster accepts.
  const records = Array.from({ length: 8 }, (_, i) => ({ value: `${i}:`.padEnd(100 * 1024, 'x') }));
  await kafkajsProduce(direct, 'large-records', records);

  const viaProxy = { bootstrapServers: running.bootstrap('small-requests', 'ports') };
  const consumed = await kafkajsConsume(viaProxy, {
    topic: 'large-records',
    groupId: 'large-records-reader',
    count: records.length,
    timeoutMs: 20_000,
  });
  assert.deepEqual(
    consumed.map((r) => r.value),
    records.map((r) => r.value),
  );
  const tooLarge = running.logs.filter((line) => String(line.error ?? line.msg ?? '').includes('exceeds the limit'));
  assert.deepEqual(tooLarge, []);
});
