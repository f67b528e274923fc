// The operations log against a real broker and client: every connection kafkajs opens through the
// proxy is logged once when it opens and once when it closes, with what an operator needs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kafkajsClient } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

const cluster = await useKafkaCluster({ name: 'connection-log' });
const port = await freePortBlock(8);
const running = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: logged
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}
`);

test('each client connection has one opened and one closed line with gateway, client, principal, duration, bytes and reason', async () => {
  const producer = kafkajsClient({ bootstrapServers: running.bootstrap('logged', 'ports') }).producer();
  await producer.connect();
  await producer.send({ topic: 'connection-log', acks: -1, messages: [{ value: 'v' }] });
  // Stopping drains every session while the client is still connected: when it resolves, every
  // connection has been closed by the drain and logged.
  await running.stop();
  await producer.disconnect();
  const opened = running.logs.filter((line) => line.msg === 'connection opened');
  const closed = running.logs.filter((line) => line.msg === 'connection closed');
  assert.ok(opened.length >= 2, 'kafkajs connects to the bootstrap address and to a broker');
  assert.deepEqual(
    closed.map((line) => line.sessionId).sort(),
    opened.map((line) => line.sessionId).sort(),
    'every connection opened is closed once',
  );
  for (const line of opened) {
    assert.equal(line.level, 'info');
    assert.equal(line.virtualCluster, 'logged');
    assert.equal(line.gateway, 'ports');
    assert.match(String(line.client), /^127\.0\.0\.1:\d+$/);
    assert.equal(line.principal, 'User:ANONYMOUS');
  }
  for (const line of closed) {
    const open = opened.find((o) => o.sessionId === line.sessionId)!;
    assert.equal(line.client, open.client);
    assert.equal(typeof line.durationMs, 'number');
    assert.ok(Number(line.bytesIn) > 0 && Number(line.bytesOut) > 0, 'bytes both ways');
    assert.equal(line.reason, 'drain_completed');
  }
});
