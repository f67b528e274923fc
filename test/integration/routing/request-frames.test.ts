// Router.onRequestFrame (docs/routers.md): a router offered PRODUCE as the client's bytes finds its
// record batches without a decode, and either forwards the frame to the addressed broker
// undecoded or sends the request on to onRequest(). Real cluster, real client (kcat).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKey } from '../../../src/protocol/index.ts';
import { kcatConsume, kcatProduce } from '../../helpers/clients/kcat.ts';
import { decodesDuring } from '../../helpers/decodes.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { framesSeen } from './fixtures/routers.ts';

const ROUTERS = './test/integration/routing/fixtures/routers.ts';
const cluster = await useKafkaCluster({ name: 'request-frames' });
const ports = { opaque: await freePortBlock(8), dispatched: await freePortBlock(8) };
const vc = (name: string, port: number) => `
  - name: ${name}
    target: { router: ${name} }
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: 127.0.0.1:${port} }`;
const running = await useProxy(`
clusterDefinitions:
  - name: a
    bootstrapServers: ${cluster.bootstrapServers}
routerDefinitions:
  - name: opaque
    type: ${ROUTERS}#FrameLooker
    config: { forward: true }
    routes: [{ name: only, id: 0, target: { cluster: a } }]
  - name: dispatched
    type: ${ROUTERS}#FrameLooker
    config: { forward: false }
    routes: [{ name: only, id: 0, target: { cluster: a } }]
virtualClusters:${vc('opaque', ports.opaque)}${vc('dispatched', ports.dispatched)}
`);
const via = (name: string) => ({ bootstrapServers: running.bootstrap(name, 'ports') });

/** PRODUCE requests the proxy decodes while `work` runs. */
async function produceDecodesDuring(work: () => Promise<unknown>): Promise<number> {
  return (await decodesDuring(work)).filter((decode) => decode === `request ${ApiKey.PRODUCE}`).length;
}

const records = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 3}`, value: `v${i}` }));

test('a frame the router forwards reaches the broker undecoded, and the router saw its batches and route', async () => {
  const decodes = await produceDecodesDuring(() => kcatProduce(via('opaque'), 'frames-opaque', records));
  const seen = framesSeen.get('opaque')!;
  assert.equal(decodes, 0);
  assert.equal(seen.dispatched, 0);
  assert.ok(seen.offered > 0 && seen.batches >= seen.offered, `${seen.offered} frames, ${seen.batches} batches`);
  assert.deepEqual([...seen.routes], ['only']);
  const consumed = await kcatConsume(via('opaque'), { topic: 'frames-opaque', count: records.length });
  assert.deepEqual(consumed.map((r) => r.value).sort(), records.map((r) => r.value).sort());
});

test('a frame the router declines goes to onRequest(), decoded', async () => {
  await kcatProduce(via('dispatched'), 'frames-dispatched', records);
  const seen = framesSeen.get('dispatched')!;
  assert.ok(seen.offered > 0);
  assert.equal(seen.dispatched, seen.offered);
  const consumed = await kcatConsume(via('dispatched'), { topic: 'frames-dispatched', count: records.length });
  assert.equal(consumed.length, records.length);
});
