// Router.onRequestFrame (docs/routers.md): a router offered PRODUCE as the client's bytes finds its
// record batches without a decode, and either forwards the frame to the addressed broker
// undecoded or sends the request on to onRequest(). A large frame is offered in the pieces it
// arrived in. Real cluster, real clients (kcat, kafkajs).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { test } from 'node:test';
import type { StreamEvent } from '../../../src/pipeline/diagnostics.ts';
import { ApiKey } from '../../../src/protocol/index.ts';
import { kafkajsConsume, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
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

/** PRODUCE requests that arrived in pieces (large frames) while `work` runs. */
async function producePiecesDuring(work: () => Promise<unknown>): Promise<number> {
  let pieces = 0;
  const count = (event: unknown): void => {
    const { direction, apiKey } = event as StreamEvent;
    if (direction === 'request' && apiKey === ApiKey.PRODUCE) pieces++;
  };
  subscribe('switchyard:stream', count);
  try {
    await work();
  } finally {
    unsubscribe('switchyard:stream', count);
  }
  return pieces;
}

/** About 300 KB in one PRODUCE request: more than a socket read, so it arrives in pieces. */
const large = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: randomBytes(22_000).toString('base64') }));

test('a large frame is offered in the pieces it arrived in, counted batch by batch, and forwarded undecoded', async () => {
  const seen = framesSeen.get('opaque')!;
  const batchesBefore = seen.batches;
  let pieces = 0;
  const decodes = await produceDecodesDuring(async () => {
    pieces = await producePiecesDuring(() => kafkajsProduce(via('opaque'), 'frames-opaque-large', large));
  });
  assert.ok(pieces >= 1, 'the produce request arrived in pieces');
  assert.equal(decodes, 0);
  assert.ok(seen.batches > batchesBefore, 'the router walked the batches of the frame in pieces');
  const consumed = await kafkajsConsume(via('opaque'), {
    topic: 'frames-opaque-large',
    groupId: 'frames-opaque-large',
    count: large.length,
  });
  assert.deepEqual(
    consumed.map((r) => r.value),
    large.map((r) => r.value),
  );
});

test('a large frame the router declines is joined whole and goes to onRequest(), decoded', async () => {
  const seen = framesSeen.get('dispatched')!;
  const dispatchedBefore = seen.dispatched;
  const pieces = await producePiecesDuring(() => kafkajsProduce(via('dispatched'), 'frames-dispatched-large', large));
  assert.ok(pieces >= 1, 'the produce request arrived in pieces');
  assert.ok(seen.dispatched > dispatchedBefore);
  const consumed = await kafkajsConsume(via('dispatched'), {
    topic: 'frames-dispatched-large',
    groupId: 'frames-dispatched-large',
    count: large.length,
  });
  assert.deepEqual(
    consumed.map((r) => r.value),
    large.map((r) => r.value),
  );
});
