// Nested routers, fan-out, failing upstreams and node choice (routing.md §6.3–§6.6), with probe
// routers at two levels in front of a real Kafka cluster and a route to a cluster that is down.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { ApiKey, ErrorCode, encodeRequest } from '../../../src/protocol/index.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { rawConnection } from '../filters/raw-client.ts';
import { forwardTo, type OnRequest, probe } from './fixtures/probe.ts';
import { decoded, METADATA_VERSION, metadataFrame, metric as metricOf } from './fixtures/wire.ts';

const FIXTURES = './test/integration/routing/fixtures/probe.ts';
const cluster = await useKafkaCluster({ name: 'routing-nested' });
const port = await freePortBlock(8);
const [, kafkaPort] = cluster.bootstrapServers.split(':');
const running = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: 127.0.0.1:${kafkaPort},localhost:${kafkaPort}
  - name: dead
    bootstrapServers: 127.0.0.1:1
routerDefinitions:
  - name: top
    type: ${FIXTURES}#Probe
    routes:
      - { name: a, id: 0, target: { cluster: main } }
      - { name: n, id: 1, target: { router: inner } }
      - { name: d, id: 2, target: { cluster: dead } }
  - name: inner
    type: ${FIXTURES}#Probe
    routes:
      - { name: b, id: 0, target: { cluster: main } }
virtualClusters:
  - name: nested
    target: { router: top }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}
`);
const bootstrap = running.bootstrap('nested', 'ports');
const INNER = 'top/n/inner';

beforeEach(() => probe.reset());

function decodedMetadata(frame: Buffer): { brokers: { nodeId: number }[] } {
  return decoded(ApiKey.METADATA, METADATA_VERSION, frame) as never;
}
const metric = (name: string, labels: Record<string, string>) => metricOf(running.proxy, name, labels);

/** The outer router sends the client's METADATA to `node(context)` and records what happened. */
function outerSends(node: (context: Parameters<OnRequest>[4]) => ReturnType<Parameters<OnRequest>[4]['anyNode']>) {
  const outcome: { body?: unknown; error?: { code?: string }; settled: boolean } = { settled: false };
  probe.onRequestAt.set('top', async (apiKey, version, header, request, context) => {
    try {
      outcome.body = await context.sendRequest(node(context), header, { ...(request as object) });
    } catch (error) {
      outcome.error = error as { code?: string };
    }
    outcome.settled = true;
    return forwardTo('a')(apiKey, version, header, request, context);
  });
  return outcome;
}

async function oneMetadata(): Promise<void> {
  const connection = await rawConnection(bootstrap);
  try {
    assert.equal((await connection.request(metadataFrame(1))).readInt32BE(4), 1, 'the client is answered');
  } finally {
    connection.close();
  }
}

test('R75, R100: a nested response resolves the outer send translated into the outer space; the nested router sees its own ids', async () => {
  let innerSaw: number[] | undefined;
  probe.onRequestAt.set(INNER, async (_k, _v, header, request, context) => {
    const body = (await context.sendRequest(context.anyNode('b'), header, request)) as {
      brokers: { nodeId: number }[];
    };
    innerSaw = body.brokers.map((b) => b.nodeId);
    return context.respondWith(body).build();
  });
  const outcome = outerSends((context) => context.anyNode('n'));
  await oneMetadata();
  assert.deepEqual(innerSaw, [1], 'one route at the inner level: ids unchanged');
  assert.deepEqual(
    (outcome.body as { brokers: { nodeId: number }[] }).brokers.map((b) => b.nodeId),
    [1 + 3 * 1],
  );
});

test('R76: a nested respondWithError() resolves the outer promise with the error response', async () => {
  probe.onRequestAt.set(INNER, (_k, _v, header, request, context) =>
    context.respondWithError(header, request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED).build(),
  );
  const outcome = outerSends((context) => context.anyNode('n'));
  await oneMetadata();
  assert.equal(outcome.error, undefined);
  assert.ok(outcome.body, 'resolved with a body');
});

test('R77: a nested respondWithoutReply() resolves the outer promise with undefined', async () => {
  probe.onRequestAt.set(INNER, (_k, _v, _h, _r, context) => context.respondWithoutReply().build());
  const outcome = outerSends((context) => context.anyNode('n'));
  await oneMetadata();
  assert.equal(outcome.settled, true);
  assert.equal(outcome.body, undefined);
  assert.equal(outcome.error, undefined);
});

test('R78: a nested withCloseConnection() rejects the outer send with NestedRouterCloseError and the client stays connected', async () => {
  probe.onRequestAt.set(INNER, async (_k, _v, header, request, context) => {
    const body = await context.sendRequest(context.anyNode('b'), header, request);
    return context.respondWith(body!).withCloseConnection().build();
  });
  const outcome = outerSends((context) => context.anyNode('n'));
  await oneMetadata();
  assert.equal(outcome.error?.code, 'ERR_NESTED_ROUTER_CLOSE');
});

test('R79: a nested router that throws rejects the outer send with NestedRouterError and the client stays connected', async () => {
  const before = await metric('switchyard_route_errors_total', { router: 'inner', error: 'router_failed' });
  probe.onRequestAt.set(INNER, () => {
    throw new Error('inner boom');
  });
  const outcome = outerSends((context) => context.anyNode('n'));
  await oneMetadata();
  assert.equal(outcome.error?.code, 'ERR_NESTED_ROUTER');
  assert.equal(
    (await metric('switchyard_route_errors_total', { router: 'inner', error: 'router_failed' })) - before,
    1,
  );
});

test('R80: on a static path the nested response reaches the client and its withCloseConnection() is honoured', async () => {
  probe.staticRoutesAt.set('top', new Map([[ApiKey.METADATA, 'n']]));
  probe.onRequestAt.set(INNER, async (_k, _v, header, request, context) => {
    const body = await context.sendRequest(context.anyNode('b'), header, request);
    return context.respondWith(body!).withCloseConnection().build();
  });
  const connection = await rawConnection(bootstrap);
  const [response] = connection.pipeline([metadataFrame(7)]);
  assert.deepEqual(
    decodedMetadata(await response!).brokers.map((b) => b.nodeId),
    [4],
    'translated on its way up',
  );
  await connection.closed;
});

test('R81, R90: a nested router reached through a broker node sees the decoded inner node; through anyNode() it sees none', async () => {
  const seen: (string | undefined)[] = [];
  probe.onRequestAt.set(INNER, (apiKey, version, header, request, context) => {
    seen.push(context.virtualNode()?.toString());
    return forwardTo('b')(apiKey, version, header, request, context);
  });
  outerSends((context) => context.nodeForId(4));
  await oneMetadata();
  outerSends((context) => context.anyNode('n'));
  await oneMetadata();
  assert.match(String(seen[0]), /top\/n\/inner#1\)/);
  assert.equal(seen[1], undefined);
});

test('R39, R40, R43: a nested Router is created on first use, once per session, reads staticRoutes() once, and closes before the router above', async () => {
  probe.onRequestAt.set('top', async (apiKey, version, header, request, context) => {
    await context.sendRequest(context.anyNode('n'), header, { ...(request as object) });
    await context.sendRequest(context.anyNode('n'), header, { ...(request as object) });
    return forwardTo('a')(apiKey, version, header, request, context);
  });
  const connection = await rawConnection(bootstrap);
  await connection.request(metadataFrame(1));
  const creates = probe.events.filter((e) => e.startsWith('create'));
  assert.equal(creates.length, 2, 'one Router per level for the session');
  assert.equal(probe.staticRoutesCalls, 2, 'once per instance');
  connection.close();
  while (probe.events.filter((e) => e.startsWith('close')).length < 2)
    await new Promise((resolve) => setImmediate(resolve));
  const closes = probe.events.filter((e) => e.startsWith('close'));
  assert.match(closes[0]!, /top\/n\/inner$/);
  assert.match(closes[1]!, / top$/);
});

test('R61, R69: fifty concurrent sends on one fresh upstream connection are all answered, each with its own response', async () => {
  const answers: number[] = [];
  probe.onRequestAt.set('top', async (apiKey, version, header, request, context) => {
    const node = context.nodeForId(0 + 3 * 1);
    const all = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        context.sendRequest(node, { ...header, clientId: `fan-${i}` }, { ...(request as object) }),
      ),
    );
    for (const body of all) answers.push((body as { brokers: unknown[] }).brokers.length);
    return forwardTo('a')(apiKey, version, header, request, context);
  });
  await oneMetadata();
  assert.equal(answers.length, 50);
  assert.ok(answers.every((count) => count === 1));
});

test('R68: a router that never completes stalls only its own session', async () => {
  probe.maxConcurrentRequests = 1;
  probe.onRequestAt.set('top', (apiKey, version, header, request, context) =>
    header.clientId === 'stuck' ? new Promise(() => {}) : forwardTo('a')(apiKey, version, header, request, context),
  );
  const stuck = await rawConnection(bootstrap);
  stuck.pipeline([metadataFrame(1, [], 'stuck')]);
  try {
    await oneMetadata();
    assert.deepEqual(stuck.arrivals, []);
  } finally {
    stuck.close();
  }
});

test('R70, R136: a failing upstream connection rejects the send with UpstreamConnectionError, counts node_forward_failed, and the client stays', async () => {
  const before = await metric('switchyard_route_errors_total', { router: 'top', error: 'node_forward_failed' });
  const outcome = outerSends((context) => context.anyNode('d'));
  await oneMetadata();
  assert.equal(outcome.error?.code, 'ERR_UPSTREAM_CONNECTION');
  assert.equal(
    (await metric('switchyard_route_errors_total', { router: 'top', error: 'node_forward_failed' })) - before,
    1,
  );
});

test('R71: on a static path a failing upstream closes the client after the earlier responses were written', async () => {
  probe.staticRoutesAt.set('top', new Map([[ApiKey.DESCRIBE_CLUSTER, 'd']]));
  const connection = await rawConnection(bootstrap);
  const describe = encodeRequest(ApiKey.DESCRIBE_CLUSTER, 1, 2, 'raw', {
    includeClusterAuthorizedOperations: false,
    endpointType: 1,
    includeFencedBrokers: false,
  });
  const [first] = connection.pipeline([metadataFrame(1), describe]);
  await first;
  await connection.closed;
  assert.deepEqual(connection.arrivals, [1]);
});

test('R88: anyNode() picks a bootstrap server at random first, then goes round-robin', async () => {
  const picks: string[] = [];
  probe.onRequestAt.set('top', (apiKey, version, header, request, context) => {
    for (let i = 0; i < 4; i++) picks.push(String(context.anyNode('a')));
    return forwardTo('a')(apiKey, version, header, request, context);
  });
  await oneMetadata();
  const indices = picks.map((pick) => Number(/bootstrap (\d+)/.exec(pick)![1]));
  assert.deepEqual(indices, [indices[0], 1 - indices[0]!, indices[0], 1 - indices[0]!].map(Number));
});
