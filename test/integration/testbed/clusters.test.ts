// Clusters started side by side are independent, and a killed broker rejoins its cluster when
// restarted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { probeMetadata } from '../../../testbed/index.ts';
import {
  kafkajsConsume,
  kafkajsCreateTopics,
  kafkajsDescribeCluster,
  kafkajsProduce,
} from '../../helpers/clients/kafkajs.ts';
import { kcatMetadata } from '../../helpers/clients/kcat.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';

// One combined-mode cluster, and one with two brokers and a dedicated controller.
const [single, pair] = await Promise.all([
  useKafkaCluster({ name: 'single' }),
  useKafkaCluster({ name: 'pair', brokers: 2, controllers: 1 }),
]);

test('two clusters run at once, each with its own id, ports and brokers', async () => {
  assert.notEqual(single.clusterId, pair.clusterId);
  assert.deepEqual(
    single.brokers.map((b) => b.id),
    [1],
  );
  assert.deepEqual(
    pair.brokers.map((b) => b.id),
    [1, 2],
  );
  assert.deepEqual(pair.controllerIds, [1001]);
  const ports = [...single.brokers, ...pair.brokers].map((b) => b.port);
  assert.equal(new Set(ports).size, ports.length, 'no two brokers share a port');
  for (const cluster of [single, pair]) {
    const described = await kafkajsDescribeCluster(cluster.connection());
    assert.equal(described.clusterId, cluster.clusterId);
    assert.deepEqual(described.brokers, cluster.brokers);
    const metadata = await kcatMetadata(cluster.connection());
    assert.deepEqual(metadata.brokers.map((b) => b.port).sort(), cluster.brokers.map((b) => b.port).sort());
  }
});

test('records produced to one cluster are not visible in the other', async () => {
  await kafkajsProduce(single.connection(), 'only-here', [{ value: 'single' }]);
  const metadata = await kcatMetadata(pair.connection());
  assert.ok(!metadata.topics.some((t) => t.name === 'only-here'));
});

async function brokersListedBy(port: number): Promise<number[]> {
  const metadata = await probeMetadata('127.0.0.1', port);
  return metadata.brokers.map((b) => b.id).sort();
}

test('a killed broker is fenced, and rejoins with its data when restarted', async () => {
  const connection = pair.connection();
  await kafkajsCreateTopics(connection, [{ name: 'replicated', partitions: 2, replicationFactor: 2 }]);
  await kafkajsProduce(connection, 'replicated', [
    { key: 'a', value: 'before kill', partition: 0 },
    { key: 'b', value: 'before kill', partition: 1 },
  ]);
  const oldPid = pair.pidOf(2);
  await pair.killBroker(2);
  assert.equal(pair.pidOf(2), undefined);
  // Broker 1 stops listing broker 2 once the controller fences it (broker.session.timeout.ms).
  const survivor = pair.brokers[0]?.port ?? 0;
  const deadline = Date.now() + 20_000;
  while ((await brokersListedBy(survivor)).includes(2)) {
    assert.ok(Date.now() < deadline, 'broker 2 was never fenced');
    await sleep(200);
  }
  await pair.startBroker(2);
  assert.notEqual(pair.pidOf(2), oldPid);
  assert.deepEqual(await brokersListedBy(survivor), [1, 2]);
  assert.deepEqual(await brokersListedBy(pair.brokers[1]?.port ?? 0), [1, 2]);
  const consumed = await kafkajsConsume(connection, { topic: 'replicated', groupId: 'after-restart', count: 2 });
  assert.deepEqual(
    consumed.map((r) => [r.partition, r.value]),
    [
      [0, 'before kill'],
      [1, 'before kill'],
    ],
  );
});
