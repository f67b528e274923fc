// Namespace on route chains: one TopicRouter presents two clusters as one, and each route's
// Namespace keeps that route's topics under its own prefix on its own cluster. The router routes
// on the client's names; the route filter renames what leaves on its route.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kafkajsClient, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { kcatConsume, kcatMetadata, kcatProduce } from '../../helpers/clients/kcat.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

const [clusterA, clusterB] = await Promise.all([
  useKafkaCluster({ name: 'namespace-route-a' }),
  useKafkaCluster({ name: 'namespace-route-b' }),
]);
// Topics of other users of the two clusters, which the virtual cluster must not show.
await kafkajsCreateTopics({ bootstrapServers: clusterA.bootstrapServers }, [{ name: 'someone-else' }]);
await kafkajsCreateTopics({ bootstrapServers: clusterB.bootstrapServers }, [{ name: 'b-unrelated' }]);

const port = await freePortBlock(8);
const running = await useProxy(`
clusterDefinitions:
  - name: a
    bootstrapServers: ${clusterA.bootstrapServers}
  - name: b
    bootstrapServers: ${clusterB.bootstrapServers}
filterDefinitions:
  - name: on-a
    type: Namespace
    config: { prefix: tenant-a. }
  - name: on-b
    type: Namespace
    config: { prefix: tenant-b. }
routerDefinitions:
  - name: union
    type: TopicRouter
    config:
      defaultRoute: a
      topics: [{ prefix: "b-", route: b }]
    routes:
      - { name: a, id: 0, filters: [on-a], target: { cluster: a } }
      - { name: b, id: 1, filters: [on-b], target: { cluster: b } }
virtualClusters:
  - name: union
    target: { router: union }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}
`);
const union = { bootstrapServers: running.bootstrap('union', 'ports') };

async function topicsOf(bootstrapServers: string): Promise<string[]> {
  const admin = kafkajsClient({ bootstrapServers }).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
  } finally {
    await admin.disconnect();
  }
}

test("topics created through the router land on their route's cluster under that route's prefix", async () => {
  await kafkajsCreateTopics(union, [{ name: 'orders' }]);
  await kafkajsCreateTopics(union, [{ name: 'b-orders' }]);
  assert.deepEqual(await topicsOf(clusterA.bootstrapServers), ['someone-else', 'tenant-a.orders']);
  assert.deepEqual(await topicsOf(clusterB.bootstrapServers), ['b-unrelated', 'tenant-b.b-orders']);
});

test('the merged metadata shows the namespaced topics of both clusters, unprefixed, and nothing else', async () => {
  assert.deepEqual(await topicsOf(union.bootstrapServers), ['b-orders', 'orders']);
  const metadata = await kcatMetadata(union);
  assert.deepEqual(metadata.topics.map((t) => t.name).sort(), ['b-orders', 'orders']);
});

test('records produced through the router are consumed through it from either cluster', async () => {
  await kafkajsProduce(union, 'orders', [{ value: 'on-a' }]);
  await kcatProduce(union, 'b-orders', [{ value: 'on-b' }]);
  const fromA = await kcatConsume(union, { topic: 'orders', count: 1 });
  const fromB = await kcatConsume(union, { topic: 'b-orders', count: 1 });
  assert.deepEqual(
    [...fromA, ...fromB].map((r) => [r.topic, r.value]),
    [
      ['orders', 'on-a'],
      ['b-orders', 'on-b'],
    ],
  );
  const stored = await kcatConsume(
    { bootstrapServers: clusterB.bootstrapServers },
    { topic: 'tenant-b.b-orders', count: 1 },
  );
  assert.deepEqual(
    stored.map((r) => r.value),
    ['on-b'],
  );
});
