// The runtime's promises to router authors (routing.md §6, §10), each proven with a probe router
// in front of a real Kafka cluster and a raw client that controls every frame.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { beforeEach, test } from 'node:test';
import type { DecodeEvent } from '../../../src/pipeline/diagnostics.ts';
import {
  ApiKey,
  ErrorCode,
  encodeRequest,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { supportedVersionRange } from '../../../src/proxy/response/codec.ts';
import { kafkajsCreateTopics } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { produceFrame } from '../filters/frames.ts';
import { rawConnection } from '../filters/raw-client.ts';
import { forwardAll, outOfBand, probe } from './fixtures/probe.ts';
import { apiVersionsFrame, decoded, METADATA_VERSION, metadataFrame, metric as metricOf } from './fixtures/wire.ts';

const FIXTURES = './test/integration/routing/fixtures/probe.ts';
const cluster = await useKafkaCluster({ name: 'routing-behaviours' });
const port = await freePortBlock(8);
const filteredPort = await freePortBlock(8);
const oobPort = await freePortBlock(8);
const running = await useProxy(`
network:
  session:
    maxInFlightRequests: 5
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
filterDefinitions:
  - name: tamper
    type: ${FIXTURES}#Tamper
  - name: vc-oob
    type: ${FIXTURES}#VcOutOfBand
  - name: route-oob
    type: ${FIXTURES}#RouteOutOfBand
  - name: rename
    type: ${FIXTURES}#RenameTopics
    config: { prefix: "renamed." }
routerDefinitions:
  - name: probe
    type: ${FIXTURES}#Probe
    routes:
      - { name: a, id: 0, target: { cluster: main } }
      - { name: b, id: 1, filters: [rename], target: { cluster: main } }
  - name: probe-oob
    type: ${FIXTURES}#Probe
    routes:
      - { name: a, id: 0, filters: [route-oob], target: { cluster: main } }
      - { name: b, id: 1, target: { cluster: main } }
virtualClusters:
  - name: oob
    target: { router: probe-oob }
    filters: [vc-oob]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${oobPort}
  - name: probed
    target: { router: probe }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}
  - name: filtered
    target: { router: probe }
    filters: [tamper]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${filteredPort}
`);
const bootstrap = running.bootstrap('probed', 'ports');

beforeEach(() => probe.reset());

function describeGroupsFrame(correlationId: number): Buffer {
  return encodeRequest(ApiKey.DESCRIBE_GROUPS, 5, correlationId, 'raw', {
    groups: ['g1', 'g2'],
    includeAuthorizedOperations: false,
  });
}
const metric = (name: string, labels: Record<string, string>) => metricOf(running.proxy, name, labels);

test('R47, R48, R50, R109: in a fresh process, without staticRoutes() every key reaches onRequest decoded with the client header, and the answer carries the client correlation id', async () => {
  let seen:
    | { apiKey: number; version: number; correlationId: number; clientId: string | null; topics: unknown }
    | undefined;
  probe.onRequest = (apiKey, version, header, request, context) => {
    seen = {
      apiKey,
      version,
      correlationId: header.correlationId,
      clientId: header.clientId,
      topics: (request as { topics: unknown }).topics,
    };
    return forwardAll(apiKey, version, header, request, context);
  };
  const connection = await rawConnection(bootstrap);
  try {
    const response = await connection.request(metadataFrame(4242));
    assert.equal(response.readInt32BE(4), 4242);
    assert.deepEqual(seen, {
      apiKey: ApiKey.METADATA,
      version: METADATA_VERSION,
      correlationId: 4242,
      clientId: 'raw',
      topics: [],
    });
    assert.ok((decoded(ApiKey.METADATA, METADATA_VERSION, response).brokers as unknown[]).length > 0);
  } finally {
    connection.close();
  }
});

test('R44, R45: keys in staticRoutes() never reach onRequest and are forwarded along their route', async () => {
  probe.staticRoutes = new Map([[ApiKey.API_VERSIONS, 'a']]);
  const connection = await rawConnection(bootstrap);
  try {
    const response = await connection.request(apiVersionsFrame(7));
    assert.equal(decoded(ApiKey.API_VERSIONS, 3, response).errorCode, 0);
    assert.deepEqual(
      probe.events.filter((e) => e.startsWith('onRequest')),
      [],
    );
    assert.ok(
      (await metric('switchyard_route_requests_total', { route: 'a', api_key: 'API_VERSIONS', mode: 'static' })) >= 1,
    );
  } finally {
    connection.close();
  }
});

test('R49, R52: a synchronous respondWithError() answers with the code on every entry the request named', async () => {
  probe.onRequest = (_k, _v, header, request, context) =>
    context.respondWithError(header, request, ErrorCode.GROUP_AUTHORIZATION_FAILED).build();
  const connection = await rawConnection(bootstrap);
  try {
    const body = decoded(ApiKey.DESCRIBE_GROUPS, 5, await connection.request(describeGroupsFrame(1)));
    assert.deepEqual(
      (body.groups as { groupId: string; errorCode: number }[]).map((g) => [g.groupId, g.errorCode]),
      [
        ['g1', ErrorCode.GROUP_AUTHORIZATION_FAILED],
        ['g2', ErrorCode.GROUP_AUTHORIZATION_FAILED],
      ],
    );
  } finally {
    connection.close();
  }
});

test('R53: respondWithoutReply() answers PRODUCE acks=0 with nothing, and the connection goes on', async () => {
  probe.onRequest = (apiKey, version, header, request, context) =>
    apiKey === ApiKey.PRODUCE
      ? context.respondWithoutReply().build()
      : forwardAll(apiKey, version, header, request, context);
  const connection = await rawConnection(bootstrap);
  try {
    connection.pipeline([await produceFrame(1, 'acks-zero', ['x'], { acks: 0 })]);
    const response = await connection.request(metadataFrame(2));
    assert.equal(response.readInt32BE(4), 2);
    assert.deepEqual(connection.arrivals, [2], 'nothing was sent for the acks=0 produce');
  } finally {
    connection.close();
  }
});

test('R54: withCloseConnection() delivers the response after the earlier ones, then closes', async () => {
  probe.onRequest = async (apiKey, version, header, request, context) => {
    if (header.correlationId === 2) {
      const response = await context.sendRequest(context.anyNode('a'), header, request);
      return context.respondWith(response!).withCloseConnection().build();
    }
    return forwardAll(apiKey, version, header, request, context);
  };
  probe.maxConcurrentRequests = 5;
  const connection = await rawConnection(bootstrap);
  const [first, second] = connection.pipeline([metadataFrame(1), metadataFrame(2), metadataFrame(3)]);
  await first;
  await second;
  await connection.closed;
  assert.deepEqual(connection.arrivals, [1, 2]);
});

test('R55, R56, R138: a router that throws or rejects closes only its session, logged once, counted router_failed', async () => {
  const before = await metric('switchyard_route_errors_total', { router: 'probe', error: 'router_failed' });
  probe.onRequest = (_k, _v, header) => {
    if (header.clientId === 'sync') throw new Error('sync boom');
    return Promise.reject(new Error('async boom'));
  };
  for (const clientId of ['sync', 'async']) {
    const failing = await rawConnection(bootstrap);
    const frame = encodeRequest(ApiKey.METADATA, METADATA_VERSION, 1, clientId, {
      topics: [],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    failing.pipeline([frame]);
    await failing.closed;
  }
  assert.equal(
    (await metric('switchyard_route_errors_total', { router: 'probe', error: 'router_failed' })) - before,
    2,
  );
  const failures = running.logs.filter(
    (line) => String(line.msg).includes('boom') && line.level === 'warn' && line.router === 'probe',
  );
  assert.equal(failures.length, 2, 'each failure is logged once (with its router)');
  assert.ok(failures.every((line) => typeof line.sessionId === 'string'));
  probe.onRequest = forwardAll;
  const healthy = await rawConnection(bootstrap);
  try {
    assert.equal((await healthy.request(metadataFrame(9))).readInt32BE(4), 9, 'other sessions are unaffected');
  } finally {
    healthy.close();
  }
});

test('R57: a response built by another call context is a router failure', async () => {
  let first: { build(): unknown } | undefined;
  probe.maxConcurrentRequests = 2;
  probe.onRequest = async (apiKey, version, header, request, context) => {
    if (header.correlationId === 1) {
      first = context.respondWithoutReply();
      return forwardAll(apiKey, version, header, request, context);
    }
    return first!.build() as never;
  };
  const connection = await rawConnection(bootstrap);
  connection.pipeline([metadataFrame(1), metadataFrame(2)]);
  await connection.closed;
  assert.deepEqual(connection.arrivals, [1]);
});

test('R58: respondWith() on an acks=0 produce discards the body with a warning and keeps the connection', async () => {
  probe.onRequest = async (apiKey, version, header, request, context) =>
    apiKey === ApiKey.PRODUCE
      ? context.respondWith({ responses: [], throttleTimeMs: 0 }).build()
      : forwardAll(apiKey, version, header, request, context);
  const connection = await rawConnection(bootstrap);
  try {
    connection.pipeline([await produceFrame(1, 'acks-zero', ['x'], { acks: 0 })]);
    assert.equal((await connection.request(metadataFrame(2))).readInt32BE(4), 2);
    assert.deepEqual(connection.arrivals, [2]);
    assert.ok(running.logs.some((line) => String(line.msg).includes('expects no response')));
  } finally {
    connection.close();
  }
});

test('R59: respondWithoutReply() on a request that expects a response counts router_failed and closes', async () => {
  const before = await metric('switchyard_route_errors_total', { router: 'probe', error: 'router_failed' });
  probe.onRequest = (_k, _v, _h, _r, context) => context.respondWithoutReply().build();
  const connection = await rawConnection(bootstrap);
  connection.pipeline([metadataFrame(1)]);
  await connection.closed;
  assert.equal(
    (await metric('switchyard_route_errors_total', { router: 'probe', error: 'router_failed' })) - before,
    1,
  );
});

test('R60: builders throw once the call settled; sendRequest() of that context still works', async () => {
  probe.onRequest = forwardAll;
  const connection = await rawConnection(bootstrap);
  try {
    await connection.request(metadataFrame(1));
    const context = probe.contexts.at(-1)!;
    assert.throws(() => context.respondWithoutReply(), /already been produced/);
    const late = await context.sendRequest(
      context.anyNode('b'),
      { requestApiKey: ApiKey.METADATA, requestApiVersion: METADATA_VERSION, correlationId: 0, clientId: 'late' },
      {
        topics: [],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      },
    );
    assert.ok(late);
  } finally {
    connection.close();
  }
});

test('R62, R63: with the default limit a second call starts after the first settled, and responses keep request order', async () => {
  const started: number[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  probe.onRequest = async (apiKey, version, header, request, context) => {
    started.push(header.correlationId);
    if (header.correlationId === 1) await gate;
    return forwardAll(apiKey, version, header, request, context);
  };
  const connection = await rawConnection(bootstrap);
  try {
    const responses = connection.pipeline([metadataFrame(1), metadataFrame(2), metadataFrame(3)]);
    while (started.length < 1) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [1], 'the second call waits for the first');
    release();
    await Promise.all(responses);
    assert.deepEqual(connection.arrivals, [1, 2, 3]);
  } finally {
    connection.close();
  }
});

test('R64, R62: with maxConcurrentRequests n, n calls run at once; out-of-order completions reach the client in request order', async () => {
  probe.maxConcurrentRequests = 3;
  const started: number[] = [];
  const releases = new Map<number, () => void>();
  probe.onRequest = async (apiKey, version, header, request, context) => {
    started.push(header.correlationId);
    await new Promise<void>((resolve) => releases.set(header.correlationId, resolve));
    return forwardAll(apiKey, version, header, request, context);
  };
  const connection = await rawConnection(bootstrap);
  try {
    const responses = connection.pipeline([1, 2, 3, 4].map((id) => metadataFrame(id)));
    while (started.length < 3) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [1, 2, 3], 'the fourth waits');
    releases.get(3)!();
    releases.get(2)!();
    while (started.length < 4) await new Promise((resolve) => setImmediate(resolve));
    releases.get(4)!();
    releases.get(1)!();
    await Promise.all(responses);
    assert.deepEqual(connection.arrivals, [1, 2, 3, 4]);
  } finally {
    connection.close();
  }
});

test('R65: a static request behind a dynamic request waiting for dispatch is not forwarded before it', async () => {
  probe.staticRoutes = new Map([[ApiKey.API_VERSIONS, 'a']]);
  const releases: (() => void)[] = [];
  probe.onRequest = async (apiKey, version, header, request, context) => {
    await new Promise<void>((resolve) => releases.push(resolve));
    return forwardAll(apiKey, version, header, request, context);
  };
  const staticSent = () =>
    metric('switchyard_route_requests_total', { route: 'a', api_key: 'API_VERSIONS', mode: 'static' });
  const before = await staticSent();
  const connection = await rawConnection(bootstrap);
  try {
    // 1 occupies the router (limit 1), 2 waits for dispatch, 3 is static and must wait behind 2.
    const responses = connection.pipeline([metadataFrame(1), metadataFrame(2), apiVersionsFrame(3)]);
    while (releases.length < 1) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await staticSent(), before, 'not forwarded while 2 waits');
    releases[0]!();
    while (releases.length < 2) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await staticSent(), before + 1, 'forwarded once 2 was dispatched');
    releases[1]!();
    await Promise.all(responses);
    assert.deepEqual(connection.arrivals, [1, 2, 3]);
  } finally {
    connection.close();
  }
});

test('R72, R38: a client disconnect rejects pending sends with SessionClosedError and closes the Router, counting no error', async () => {
  const before = await metric('switchyard_route_errors_total', { router: 'probe' });
  let pending: Promise<unknown> | undefined;
  probe.onRequest = (_k, _v, header, request, context) => {
    pending = context.sendRequest(
      context.anyNode('a'),
      { ...header, requestApiKey: ApiKey.FETCH, requestApiVersion: 12 },
      {
        replicaId: -1,
        maxWaitMs: 30_000,
        minBytes: 1_000_000,
        maxBytes: 1_000_000,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [],
        forgottenTopicsData: [],
        rackId: '',
      },
    );
    void request;
    return new Promise(() => {});
  };
  const connection = await rawConnection(bootstrap);
  connection.pipeline([metadataFrame(1)]);
  while (pending === undefined) await new Promise((resolve) => setImmediate(resolve));
  connection.close();
  await assert.rejects(pending, { code: 'ERR_SESSION_CLOSED' });
  while (!probe.events.some((e) => e.startsWith('close'))) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(await metric('switchyard_route_errors_total', { router: 'probe' }), before);
});

test('R82, R86, R83: one session id across calls, none on a bootstrap session node, anonymous subject', async () => {
  probe.maxConcurrentRequests = 1;
  const connection = await rawConnection(bootstrap);
  const other = await rawConnection(bootstrap);
  try {
    await connection.request(metadataFrame(1));
    await connection.request(metadataFrame(2));
    await other.request(metadataFrame(3));
    const [a, b, c] = probe.contexts;
    assert.equal(a!.sessionId, b!.sessionId);
    assert.notEqual(a!.sessionId, c!.sessionId);
    assert.equal(a!.virtualNode(), undefined);
    assert.equal(a!.authenticatedSubject().isAnonymous, true);
  } finally {
    connection.close();
    other.close();
  }
});

test('R91, R87: nodeForId(3) reaches broker 1 through the route with id 1, and a session bound to node 2 is addressed to it', async () => {
  let viaRouteB: { nodeId: number }[] | undefined;
  probe.onRequest = async (apiKey, version, header, request, context) => {
    const body = (await context.sendRequest(context.nodeForId(3), header, { ...(request as object) })) as {
      brokers: { nodeId: number }[];
    };
    viaRouteB = body.brokers;
    return forwardAll(apiKey, version, header, request, context);
  };
  const connection = await rawConnection(bootstrap);
  try {
    const brokers = decoded(ApiKey.METADATA, METADATA_VERSION, await connection.request(metadataFrame(1))).brokers as {
      nodeId: number;
    }[];
    assert.deepEqual(
      brokers.map((b) => b.nodeId),
      [2],
      'route a (id 0): broker 1 is 2',
    );
    assert.deepEqual(
      viaRouteB?.map((b) => b.nodeId),
      [3],
      'route b (id 1): the same broker is 3',
    );
  } finally {
    connection.close();
  }
  const first = probe.contexts[0]!;
  probe.onRequest = forwardAll;
  const bound = await rawConnection(`127.0.0.1:${port + 1 + 2}`);
  try {
    await bound.request(metadataFrame(2));
    const context = probe.contexts.at(-1)!;
    assert.notEqual(context.sessionId, first.sessionId);
    assert.equal(
      context.virtualNode(),
      first.nodeForId(2),
      'the bound node, the same object in every session of the level',
    );
  } finally {
    bound.close();
  }
});

test('R89, R93, R107: anyNode() of an unknown route, nodeForId() of a sentinel and a node of another level are refused', async () => {
  const before = await metric('switchyard_route_errors_total', { router: 'probe', error: 'unknown_route' });
  const errors: string[] = [];
  probe.onRequest = async (apiKey, version, header, request, context) => {
    try {
      context.anyNode('nowhere');
    } catch (error) {
      errors.push((error as { code: string }).code);
    }
    assert.throws(() => context.nodeForId(-1), RangeError);
    assert.throws(() => context.nodeForId(1.5), RangeError);
    const foreign = probe.contexts.find((c) => c !== context && c.sessionId === 'other') ?? { toString: () => 'fake' };
    await context
      .sendRequest(foreign as never, header, { ...(request as object) })
      .catch((error) => errors.push(error.code));
    return forwardAll(apiKey, version, header, request, context);
  };
  const connection = await rawConnection(bootstrap);
  try {
    await connection.request(metadataFrame(1));
    assert.deepEqual(errors, ['ERR_UNKNOWN_ROUTE', 'ERR_FOREIGN_VIRTUAL_NODE']);
    assert.equal(
      (await metric('switchyard_route_errors_total', { router: 'probe', error: 'unknown_route' })) - before,
      2,
    );
  } finally {
    connection.close();
  }
});

test('R108: a broker node no route lists is rejected with UpstreamAddressUnknownError after address discovery', async () => {
  let failure: { code?: string; message?: string } | undefined;
  probe.onRequest = async (apiKey, version, header, request, context) => {
    failure = await context.sendRequest(context.nodeForId(2 * 77), { ...header }, { ...(request as object) }).then(
      () => undefined,
      (error) => error,
    );
    return forwardAll(apiKey, version, header, request, context);
  };
  const connection = await rawConnection(bootstrap);
  try {
    await connection.request(metadataFrame(1));
    assert.equal(failure?.code, 'ERR_UPSTREAM_ADDRESS_UNKNOWN');
    assert.match(failure!.message!, /broker 77/);
  } finally {
    connection.close();
  }
});

test('R31, R33, R34, R35: initialize once per level per VC; one Router per session sharing the init data; contexts name the level', async () => {
  const connection = await rawConnection(bootstrap);
  const other = await rawConnection(bootstrap);
  try {
    await connection.request(metadataFrame(1));
    await other.request(metadataFrame(2));
    assert.deepEqual(
      probe.events.filter((e) => e.startsWith('create')).map((e) => e.split(' ')[2]),
      ['init-probe', 'init-probe'],
    );
    const context = probe.factoryContexts[0]!;
    assert.equal(context.virtualClusterName, 'probed');
    assert.equal(context.routerName, 'probe');
    assert.equal(context.routerPath, 'probe');
    assert.deepEqual([...context.routeNames], ['a', 'b']);
  } finally {
    connection.close();
    other.close();
  }
});

test('R42: createRouter() throwing closes only that connection and counts router_failed', async () => {
  const before = await metric('switchyard_route_errors_total', { router: 'probe', error: 'router_failed' });
  probe.createThrows = true;
  const connection = await rawConnection(bootstrap);
  connection.pipeline([metadataFrame(1)]);
  await connection.closed;
  assert.equal(
    (await metric('switchyard_route_errors_total', { router: 'probe', error: 'router_failed' })) - before,
    1,
  );
});

test('R139: a VC filter change is what onRequest() receives, and a request a VC filter answers never reaches the router', async () => {
  let autoCreate: unknown;
  probe.onRequest = (apiKey, version, header, request, context) => {
    autoCreate = (request as { allowAutoTopicCreation: boolean }).allowAutoTopicCreation;
    return forwardAll(apiKey, version, header, request, context);
  };
  const connection = await rawConnection(running.bootstrap('filtered', 'ports'));
  try {
    await connection.request(metadataFrame(1));
    assert.equal(autoCreate, false, 'the filter turned auto-creation off');
    const groups = decoded(ApiKey.DESCRIBE_GROUPS, 5, await connection.request(describeGroupsFrame(2)));
    assert.equal((groups.groups as { errorCode: number }[])[0]!.errorCode, 15);
    assert.deepEqual(
      probe.events.filter((e) => e.startsWith('onRequest')).length,
      1,
      'DESCRIBE_GROUPS never reached the router',
    );
  } finally {
    connection.close();
  }
});

test('R134, R135, R137: route metrics count dynamic sends by route and api key, observe durations, and carry no client labels', async () => {
  const connection = await rawConnection(bootstrap);
  try {
    const before = await metric('switchyard_route_requests_total', {
      route: 'a',
      api_key: 'METADATA',
      mode: 'dynamic',
    });
    await connection.request(metadataFrame(1));
    assert.equal(
      (await metric('switchyard_route_requests_total', { route: 'a', api_key: 'METADATA', mode: 'dynamic' })) - before,
      1,
    );
    assert.ok(
      (await metric('switchyard_route_request_duration_seconds_count', { route: 'a', api_key: 'METADATA' })) >= 1,
    );
    const routing = (await running.proxy.metricsText())
      .split('\n')
      .filter((line) => line.startsWith('switchyard_route'));
    assert.ok(routing.length > 0);
    for (const line of routing) assert.doesNotMatch(line, /client|topic|principal|session/);
  } finally {
    connection.close();
  }
});

/** The session-bound topology service of the most recent session. */
function topology() {
  return probe.factoryContexts.at(-1)!.topologyService();
}

test('R122, R125: once a METADATA send resolves the cache has it, and another session gets the leader without asking', async () => {
  await kafkajsCreateTopics({ bootstrapServers: cluster.bootstrapServers }, [{ name: 'cached-topic', partitions: 2 }]);
  let cachedRightAway: unknown;
  probe.onRequest = async (apiKey, version, header, request, context) => {
    const service = topology(); // opts the level in before the request goes out
    const asked = { ...(request as object), topics: [{ name: 'cached-topic', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }] };
    await context.sendRequest(context.anyNode('a'), header, asked);
    cachedRightAway = service.partitionInfo('cached-topic', 0, 'a');
    return forwardAll(apiKey, version, header, request, context);
  };
  const first = await rawConnection(bootstrap);
  try {
    await first.request(metadataFrame(1));
  } finally {
    first.close();
  }
  assert.ok(cachedRightAway, 'the cache reflected the response when the promise resolved');
  probe.onRequest = forwardAll;
  const second = await rawConnection(bootstrap);
  try {
    await second.request(apiVersionsFrame(1));
    const before = await metric('switchyard_route_requests_total', {
      route: 'a',
      api_key: 'METADATA',
      mode: 'dynamic',
    });
    const leaders = await topology().leaders(new Map([['a', ['cached-topic']]]));
    assert.equal(leaders.leaderOf('cached-topic', 1), probe.contexts.at(-1)!.nodeForId(2));
    assert.equal(
      await metric('switchyard_route_requests_total', { route: 'a', api_key: 'METADATA', mode: 'dynamic' }),
      before,
      'no METADATA sent',
    );
  } finally {
    second.close();
  }
});

test('R117, R118: coordinators() asks once for every missing key, batched, and caches them per key', async () => {
  const connection = await rawConnection(bootstrap);
  try {
    await connection.request(apiVersionsFrame(1));
    const service = topology();
    const sent = () =>
      metric('switchyard_route_requests_total', { route: 'b', api_key: 'FIND_COORDINATOR', mode: 'dynamic' });
    const before = await sent();
    const coordinators = await service.coordinators('b', 0, ['group-one', 'group-two']);
    assert.equal(await sent(), before + 1, 'one batched FIND_COORDINATOR');
    assert.equal(
      coordinators.coordinatorFor('group-one'),
      probe.contexts.at(-1)?.nodeForId(3) ?? coordinators.coordinatorFor('group-one'),
    );
    assert.ok(coordinators.coordinatorFor('group-two'));
    await service.coordinators('b', 0, ['group-one']);
    assert.equal(await sent(), before + 1, 'cached');
  } finally {
    connection.close();
  }
});

test('R120, R121: topicNames() resolves ids per route (one id, two names where a route filter renames topics) and leaves unknown ids out', async () => {
  await kafkajsCreateTopics({ bootstrapServers: cluster.bootstrapServers }, [{ name: 'named-topic' }]);
  let id: string | undefined;
  probe.onRequest = async (apiKey, version, header, request, context) => {
    const body = (await context.sendRequest(context.anyNode('a'), header, {
      ...(request as object),
      topics: [{ name: 'named-topic', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
    })) as { topics: { topicId: string }[] };
    id = body.topics[0]!.topicId;
    return forwardAll(apiKey, version, header, request, context);
  };
  const connection = await rawConnection(bootstrap);
  try {
    await connection.request(metadataFrame(1));
    const service = topology();
    service.invalidateRoute('b');
    const names = await service.topicNames('b', [id!, 'AQEBAQEBAQEBAQEBAQEBAQ']);
    assert.equal(names.nameOf(id!), 'renamed.named-topic', 'route b renames topics');
    assert.equal(names.size, 1);
    service.invalidateRoute('a');
    assert.equal((await service.topicNames('a', [id!])).nameOf(id!), 'named-topic');
  } finally {
    connection.close();
  }
});

test('R123, R124: statically routed METADATA fills the cache of a level that has one; DESCRIBE_CLUSTER does not', async () => {
  probe.staticRoutes = new Map([
    [ApiKey.METADATA, 'a'],
    [ApiKey.DESCRIBE_CLUSTER, 'b'],
  ]);
  const connection = await rawConnection(bootstrap);
  try {
    await connection.request(apiVersionsFrame(1));
    const service = topology();
    service.invalidateRoute('a');
    service.invalidateRoute('b');
    await connection.request(
      encodeRequest(ApiKey.DESCRIBE_CLUSTER, 1, 2, 'raw', {
        includeClusterAuthorizedOperations: false,
        endpointType: 1,
        includeFencedBrokers: false,
      }),
    );
    const context = probe.factoryContexts.at(-1)!;
    void context;
    assert.equal(service.partitionInfo('cached-topic', 0, 'b'), undefined);
    await connection.request(metadataFrame(3, ['cached-topic']));
    assert.ok(service.partitionInfo('cached-topic', 0, 'a'), 'the static METADATA response filled route a');
    assert.equal(service.partitionInfo('cached-topic', 0, 'b'), undefined, 'DESCRIBE_CLUSTER filled nothing');
  } finally {
    connection.close();
  }
});

test('R73: a request a VC filter sends itself is routed like a client request, bypasses the busy router queue, takes no slot and returns to the filter', async () => {
  probe.maxConcurrentRequests = 1;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const seen: (string | null)[] = [];
  probe.onRequest = async (apiKey, version, header, request, context) => {
    seen.push(header.clientId);
    if (apiKey === ApiKey.API_VERSIONS) await gate;
    return forwardAll(apiKey, version, header, request, context);
  };
  outOfBand.vcFilterSaw = undefined;
  const connection = await rawConnection(running.bootstrap('oob', 'ports'));
  try {
    const responses = connection.pipeline([apiVersionsFrame(1), metadataFrame(2, [], 'oob')]);
    // The router is busy with request 1 (limit 1); the filter's request must not wait behind it.
    while (outOfBand.vcFilterSaw === undefined) await new Promise((resolve) => setImmediate(resolve));
    assert.ok(seen.includes('vc-filter-oob'), 'the filter request reached the router');
    release();
    await Promise.all(responses);
    assert.deepEqual(connection.arrivals, [1, 2], 'the client gets its two responses and nothing else');
  } finally {
    connection.close();
  }
});

test('R74: a request a route filter sends itself goes to the target of its route and comes back untranslated', async () => {
  outOfBand.routeFilterSaw = undefined;
  probe.onRequest = forwardAll;
  const connection = await rawConnection(running.bootstrap('oob', 'ports'));
  try {
    const brokers = decoded(ApiKey.METADATA, METADATA_VERSION, await connection.request(metadataFrame(1))).brokers as {
      nodeId: number;
    }[];
    assert.deepEqual(
      brokers.map((b) => b.nodeId),
      [2],
      "the client sees the level's id (route a, broker 1)",
    );
    assert.deepEqual(outOfBand.routeFilterSaw, [1], "the route filter sees the cluster's own broker id");
  } finally {
    connection.close();
  }
});

test('R51: respondWith(header, body) reaches the client with the header tagged fields and the client correlation id', async () => {
  probe.onRequest = async (_apiKey, _version, header, request, context) => {
    const body = await context.sendRequest(context.anyNode('a'), header, request);
    return context
      .respondWith({ correlationId: 999, unknownTaggedFields: [{ tag: 7, data: Buffer.from([1, 2]) }] }, body!)
      .build();
  };
  const connection = await rawConnection(bootstrap);
  try {
    const frame = await connection.request(metadataFrame(41));
    const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.METADATA, METADATA_VERSION));
    assert.equal(header.correlationId, 41);
    assert.deepEqual(
      header.unknownTaggedFields?.map((field) => [field.tag, [...field.data]]),
      [[7, [1, 2]]],
    );
  } finally {
    connection.close();
  }
});

test('R112: a level that never asked for the topology service decodes nothing for it; one that did reads the FIND_COORDINATOR key', async () => {
  probe.staticRoutes = new Map([[ApiKey.FIND_COORDINATOR, 'a']]);
  const findCoordinator = (correlationId: number) =>
    encodeRequest(ApiKey.FIND_COORDINATOR, 4, correlationId, 'raw', {
      key: '',
      keyType: 0,
      coordinatorKeys: ['some-group'],
    });
  const decodedRequests = async (address: string, before?: () => void): Promise<string[]> => {
    const seen: string[] = [];
    const record = (event: unknown): void => {
      const { direction, apiKey } = event as DecodeEvent;
      if (direction === 'request') seen.push(String(apiKey));
    };
    const connection = await rawConnection(address);
    try {
      await connection.request(apiVersionsFrame(1));
      before?.();
      subscribe('switchyard:decode', record);
      await connection.request(findCoordinator(2));
    } finally {
      unsubscribe('switchyard:decode', record);
      connection.close();
    }
    return seen;
  };
  // VC "filtered" has its own level of the same router, and nothing there asks for the service.
  assert.deepEqual(await decodedRequests(running.bootstrap('filtered', 'ports')), []);
  assert.deepEqual(await decodedRequests(bootstrap, () => topology()), [String(ApiKey.FIND_COORDINATOR)]);
});

test('R110: a broker learned by one session is reachable from another session without address discovery', async () => {
  const first = await rawConnection(bootstrap);
  try {
    await first.request(metadataFrame(1));
  } finally {
    first.close();
  }
  const before = await metric('switchyard_address_discoveries_total', { virtual_cluster: 'probed' });
  const bound = await rawConnection(`127.0.0.1:${port + 1 + 2}`);
  try {
    assert.equal((await bound.request(apiVersionsFrame(5))).readInt32BE(4), 5);
  } finally {
    bound.close();
  }
  assert.equal(await metric('switchyard_address_discoveries_total', { virtual_cluster: 'probed' }), before);
});

test('R66: while a router is busy the client is still read up to the in-flight limit, then reading pauses, and resumes when answers go out', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  probe.onRequest = async (apiKey, version, header, request, context) => {
    await gate;
    return forwardAll(apiKey, version, header, request, context);
  };
  const pauses = () => metric('switchyard_client_read_pauses_total', { virtual_cluster: 'probed' });
  const before = await pauses();
  const connection = await rawConnection(bootstrap);
  try {
    const responses = connection.pipeline(Array.from({ length: 8 }, (_, i) => metadataFrame(i + 1)));
    while ((await pauses()) === before) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(probe.events.filter((e) => e.startsWith('onRequest')).length, 1, 'the router holds the first call');
    release();
    await Promise.all(responses);
    assert.deepEqual(connection.arrivals, [1, 2, 3, 4, 5, 6, 7, 8]);
  } finally {
    connection.close();
  }
});

test('R132: on a broker-endpoint session, API_VERSIONS sent to virtualNode() answers with that broker ranges, within Switchyard ceiling', async () => {
  const first = await rawConnection(bootstrap);
  await first.request(metadataFrame(1));
  first.close();
  const ranges = (frame: Buffer) =>
    new Map(
      (
        decoded(ApiKey.API_VERSIONS, 3, frame).apiKeys as { apiKey: number; minVersion: number; maxVersion: number }[]
      ).map((entry) => [entry.apiKey, [entry.minVersion, entry.maxVersion]] as const),
    );
  const direct = await rawConnection(cluster.bootstrapServers);
  const broker = ranges(await direct.request(apiVersionsFrame(1)));
  direct.close();
  const bound = await rawConnection(`127.0.0.1:${port + 1 + 2}`);
  try {
    const seen = ranges(await bound.request(apiVersionsFrame(2)));
    assert.equal(String(probe.contexts.at(-1)!.virtualNode()), String(probe.contexts.at(-1)!.nodeForId(2)));
    assert.ok(seen.size > 0);
    for (const [apiKey, [min, max]] of seen) {
      const theirs = broker.get(apiKey);
      const ours = supportedVersionRange(apiKey);
      assert.ok(theirs && ours, `api ${apiKey} is known to the broker and to Switchyard`);
      assert.deepEqual([min, max], [Math.max(theirs[0], ours.min), Math.min(theirs[1], ours.max)], `api ${apiKey}`);
    }
  } finally {
    bound.close();
  }
});

test('R128: a staleness error reaches the client unchanged and the runtime sends no METADATA of its own', async () => {
  await kafkajsCreateTopics({ bootstrapServers: cluster.bootstrapServers }, [{ name: 'epoch-topic' }]);
  const connection = await rawConnection(bootstrap);
  try {
    await connection.request(metadataFrame(1, ['epoch-topic']));
    const metadataSent = () => metric('switchyard_route_requests_total', { router: 'probe', api_key: 'METADATA' });
    const before = await metadataSent();
    // A leader epoch from the future: the broker answers UNKNOWN_LEADER_EPOCH (a stale-metadata error).
    const fetch = decodeFetch(await connection.request(fetchFrameWithEpoch(2, 'epoch-topic', 1000)));
    assert.equal(fetch, ErrorCode.UNKNOWN_LEADER_EPOCH);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await metadataSent(), before);
  } finally {
    connection.close();
  }
});

test('R130: discovery of a session-bound topology service travels over that session own upstream connection', async () => {
  await kafkajsCreateTopics({ bootstrapServers: cluster.bootstrapServers }, [{ name: 'discovered-topic' }]);
  const connection = await rawConnection(bootstrap);
  try {
    await connection.request(metadataFrame(1));
    const opened = () => metric('switchyard_upstream_connections_total', { virtual_cluster: 'probed' });
    const before = await opened();
    const service = topology();
    service.invalidateRoute('a');
    const leaders = await service.leaders(new Map([['a', ['discovered-topic']]]));
    assert.ok(leaders.leaderOf('discovered-topic', 0), 'discovered');
    assert.equal(await opened(), before, 'no connection of its own: the session already had one to that server');
  } finally {
    connection.close();
  }
});

function fetchFrameWithEpoch(correlationId: number, topic: string, currentLeaderEpoch: number): Buffer {
  return encodeRequest(ApiKey.FETCH, 12, correlationId, 'raw', {
    replicaId: -1,
    maxWaitMs: 100,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch,
            fetchOffset: 0n,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: 1 << 20,
            replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA',
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  } as never);
}

function decodeFetch(frame: Buffer): number {
  const body = decoded(ApiKey.FETCH, 12, frame) as { responses: { partitions: { errorCode: number }[] }[] };
  return body.responses[0]!.partitions[0]!.errorCode;
}
