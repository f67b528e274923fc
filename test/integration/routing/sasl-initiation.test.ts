// SaslInitiation on routes, against two real SASL clusters: the proxy authenticates each route's
// upstream connections with that route's own credentials, so a client that does not speak SASL
// (or, with SaslTermination on the VC chain, one that authenticates to the proxy) reaches both.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, test } from 'node:test';
import { addCredentials } from '../../../src/cli/credentials.ts';
import { ApiKey, encodeRequest } from '../../../src/protocol/index.ts';
import { kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { rawConnection } from '../filters/raw-client.ts';
import { identity } from './fixtures/identity.ts';
import { decoded, METADATA_VERSION, metadataFrame, metric } from './fixtures/wire.ts';

const FIXTURES = './test/integration/routing/fixtures/identity.ts';
/** PLAIN sessions on cluster A last this long: the proxy must re-authenticate to keep them. */
const PLAIN_SESSION_MS = 4000;

// Cluster A: SCRAM-SHA-512 and PLAIN, and OAUTHBEARER with Kafka's unsecured JWT validator.
const a = await useKafkaCluster({
  name: 'sasl-a',
  listeners: 'sasl_plaintext',
  saslMechanisms: ['SCRAM-SHA-512', 'PLAIN'],
  brokerConfig: {
    'listener.name.client.sasl.enabled.mechanisms': 'SCRAM-SHA-512,PLAIN,OAUTHBEARER',
    'listener.name.client.oauthbearer.sasl.jaas.config':
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";',
    'listener.name.client.plain.connections.max.reauth.ms': PLAIN_SESSION_MS,
  },
});
// Cluster B: SCRAM-SHA-256 only.
const b = await useKafkaCluster({ name: 'sasl-b', listeners: 'sasl_plaintext', saslMechanisms: ['SCRAM-SHA-256'] });

// Credentials in files and the environment, as an operator would give them.
const secrets = mkdtempSync(join(tmpdir(), 'switchyard-sasl-initiation-'));
const aliceFile = join(secrets, 'alice.password');
writeFileSync(aliceFile, `${a.credentials!.user.password}\n`);
const wrongFile = join(secrets, 'wrong.password');
writeFileSync(wrongFile, 'not-the-password');
const clientSecretFile = join(secrets, 'client.secret');
writeFileSync(clientSecretFile, 'oauth-client-secret');
process.env.SWITCHYARD_TEST_B_ADMIN_PASSWORD = b.credentials!.admin.password;

// A token endpoint (client-credentials grant) issuing the unsecured JWTs cluster A accepts.
const tokenRequests: { authorization: string | undefined; body: string }[] = [];
const tokenEndpoint = createServer((request: IncomingMessage, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => {
    body += chunk.toString();
  });
  request.on('end', () => {
    tokenRequests.push({ authorization: request.headers.authorization, body });
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${part({ alg: 'none' })}.${part({ sub: 'proxy-client', iat: now, exp: now + 3600 })}.`;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
  });
});
tokenEndpoint.listen(0, '127.0.0.1');
await once(tokenEndpoint, 'listening');
after(() => {
  tokenEndpoint.closeAllConnections();
  tokenEndpoint.close();
});
const tokenUrl = `http://127.0.0.1:${(tokenEndpoint.address() as AddressInfo).port}/token`;

const ports = {
  union: await freePortBlock(8),
  r85: await freePortBlock(4),
  claims: await freePortBlock(4),
  plain: await freePortBlock(4),
  oauth: await freePortBlock(4),
  wrong: await freePortBlock(4),
  early: await freePortBlock(4),
};
const gateway = (name: keyof typeof ports) => `
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports[name]}`;

const running = await useProxy(`
clusterDefinitions:
  - name: a
    bootstrapServers: ${a.bootstrapServers}
  - name: b
    bootstrapServers: ${b.bootstrapServers}
filterDefinitions:
  - name: scram-a
    type: SaslInitiation
    config: { mechanism: SCRAM-SHA-512, username: ${a.credentials!.user.username}, passwordFile: ${aliceFile} }
  - name: scram-b
    type: SaslInitiation
    config: { mechanism: SCRAM-SHA-256, username: ${b.credentials!.admin.username}, passwordEnv: SWITCHYARD_TEST_B_ADMIN_PASSWORD }
  - name: plain-a
    type: SaslInitiation
    config: { mechanism: PLAIN, username: ${a.credentials!.user.username}, passwordFile: ${aliceFile} }
  - name: oauth-a
    type: SaslInitiation
    config: { mechanism: OAUTHBEARER, tokenEndpoint: "${tokenUrl}", clientId: switchyard, clientSecretFile: ${clientSecretFile} }
  - name: wrong-a
    type: SaslInitiation
    config: { mechanism: SCRAM-SHA-512, username: ${a.credentials!.user.username}, passwordFile: ${wrongFile} }
  - name: subject-probe
    type: ${FIXTURES}#SubjectProbe
  - name: claims
    type: ${FIXTURES}#RouteClaimsIdentity
routerDefinitions:
  - name: union
    type: TopicRouter
    config: { defaultRoute: a, topics: [{ prefix: "b.", route: b }], groups: [{ prefix: "b.", route: b }] }
    routes:
      - { name: a, id: 0, filters: [scram-a], target: { cluster: a } }
      - { name: b, id: 1, filters: [scram-b], target: { cluster: b } }
  - name: r85
    type: TopicRouter
    config: { defaultRoute: a }
    routes:
      - { name: a, id: 0, filters: [scram-a], target: { cluster: a } }
  - name: claims
    type: TopicRouter
    config: { defaultRoute: a }
    routes:
      - { name: a, id: 0, filters: [claims, scram-a], target: { cluster: a } }
  - name: plain
    type: TopicRouter
    config: { defaultRoute: a }
    routes:
      - { name: a, id: 0, filters: [plain-a], target: { cluster: a } }
  - name: oauth
    type: TopicRouter
    config: { defaultRoute: a }
    routes:
      - { name: a, id: 0, filters: [oauth-a], target: { cluster: a } }
  - name: wrong
    type: TopicRouter
    config: { defaultRoute: a }
    routes:
      - { name: a, id: 0, filters: [wrong-a], target: { cluster: a } }
virtualClusters:
  - name: union
    target: { router: union }${gateway('union')}
  - name: r85
    target: { router: r85 }
    filters: [subject-probe]${gateway('r85')}
  - name: claims
    target: { router: claims }
    filters: [subject-probe]${gateway('claims')}
  - name: plain
    target: { router: plain }${gateway('plain')}
  - name: oauth
    target: { router: oauth }${gateway('oauth')}
  - name: wrong
    target: { router: wrong }${gateway('wrong')}
  - name: early
    target: { router: r85 }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports.early}
          nodeIdRanges: [{ name: brokers, start: ${a.brokers[0]!.id}, end: ${a.brokers[0]!.id} }]
`);

beforeEach(() => identity.reset());

const viaProxy = (vc: keyof typeof ports) => ({ bootstrapServers: running.bootstrap(vc, 'ports') });

/** Resolves once a log line matching `predicate` has been written (checked as lines arrive). */
async function logLine(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (;;) {
    const found = running.logs.find(predicate);
    if (found !== undefined) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('fan-out: a client without SASL produces and consumes through the TopicRouter on two SCRAM clusters, each route with its own user', async () => {
  await kafkajsCreateTopics(a.connection({ as: 'admin' }), [{ name: 'orders', partitions: 2, replicationFactor: 1 }]);
  await kafkajsCreateTopics(b.connection({ as: 'admin' }), [
    { name: 'b.payments', partitions: 2, replicationFactor: 1 },
  ]);
  const orders = Array.from({ length: 20 }, (_, i) => ({ value: `order-${i}` }));
  const payments = Array.from({ length: 20 }, (_, i) => ({ value: `payment-${i}` }));
  await kafkajsProduce(viaProxy('union'), 'orders', orders);
  await kafkajsProduce(viaProxy('union'), 'b.payments', payments);
  // Each cluster holds its own records, read directly with that cluster's own credentials.
  const onA = await kafkajsConsume(a.connection(), { topic: 'orders', groupId: 'direct-a', count: 20 });
  const onB = await kafkajsConsume(b.connection({ as: 'admin' }), {
    topic: 'b.payments',
    groupId: 'direct-b',
    count: 20,
  });
  assert.deepEqual(onA.map((r) => r.value).sort(), orders.map((r) => r.value).sort());
  assert.deepEqual(onB.map((r) => r.value).sort(), payments.map((r) => r.value).sort());
  // And through the proxy, consumer groups included.
  const consumedA = await kafkajsConsume(viaProxy('union'), { topic: 'orders', groupId: 'union-a', count: 20 });
  const consumedB = await kafkajsConsume(viaProxy('union'), { topic: 'b.payments', groupId: 'b.union', count: 20 });
  assert.deepEqual(consumedA.map((r) => r.value).sort(), orders.map((r) => r.value).sort());
  assert.deepEqual(consumedB.map((r) => r.value).sort(), payments.map((r) => r.value).sort());
});

test('R85: a SASL initiating route filter does not change authenticatedSubject()', async () => {
  const connection = await rawConnection(running.bootstrap('r85', 'ports'));
  try {
    const response = await connection.request(metadataFrame(1, null));
    const body = decoded(3, METADATA_VERSION, response) as { brokers: unknown[] };
    assert.equal(body.brokers.length, 1, 'the route authenticated and the broker answered');
    await connection.request(metadataFrame(2, null));
  } finally {
    connection.close();
  }
  assert.equal(identity.subjects.length, 2);
  for (const subject of identity.subjects) {
    assert.equal(subject.isAnonymous, true);
    assert.deepEqual(subject.principals, []);
  }
});

test('R85: a route filter that calls saslAuthenticated() is refused, and the subject stays anonymous', async () => {
  const connection = await rawConnection(running.bootstrap('claims', 'ports'));
  try {
    await connection.request(metadataFrame(1, null));
  } finally {
    connection.close();
  }
  assert.ok(identity.routeClaim instanceof Error, 'saslAuthenticated() threw on the route');
  assert.match(identity.routeClaim.message, /only be called by a filter of a virtual cluster's chain/);
  assert.deepEqual(
    identity.subjects.map((s) => s.isAnonymous),
    [true],
  );
});

test('re-authentication: a connection whose broker session lasts 4 s is re-authenticated between requests and stays up', async () => {
  const connection = await rawConnection(running.bootstrap('plain', 'ports'));
  try {
    const first = await connection.request(metadataFrame(1, null));
    assert.equal((decoded(3, METADATA_VERSION, first) as { brokers: unknown[] }).brokers.length, 1);
    const renewed = await logLine(
      (line) => line.msg === 'authenticated to the broker' && line.virtualCluster === 'plain' && line.renewal === true,
    );
    assert.equal(renewed.mechanism, 'PLAIN');
    // Past the first session's end: without the renewal the broker would close the connection.
    await logLine(
      (line) =>
        line.msg === 'authenticated to the broker' &&
        line.virtualCluster === 'plain' &&
        line.renewal === true &&
        line !== renewed,
    );
    const second = await connection.request(metadataFrame(2, null));
    assert.equal((decoded(3, METADATA_VERSION, second) as { brokers: unknown[] }).brokers.length, 1);
    assert.deepEqual(connection.arrivals, [1, 2]);
  } finally {
    connection.close();
  }
  assert.equal(
    running.logs.filter((line) => line.virtualCluster === 'plain' && line.level === 'warn').length,
    0,
    'no connection failed',
  );
});

test('OAUTHBEARER: a token from a client-credentials endpoint authenticates every connection, fetched once and reused', async () => {
  await kafkajsCreateTopics(a.connection({ as: 'admin' }), [
    { name: 'oauth-topic', partitions: 1, replicationFactor: 1 },
  ]);
  const records = Array.from({ length: 10 }, (_, i) => ({ value: `oauth-${i}` }));
  await kafkajsProduce(viaProxy('oauth'), 'oauth-topic', records);
  const consumed = await kafkajsConsume(viaProxy('oauth'), { topic: 'oauth-topic', groupId: 'oauth', count: 10 });
  assert.deepEqual(consumed.map((r) => r.value).sort(), records.map((r) => r.value).sort());
  assert.equal(tokenRequests.length, 1, 'one token for every connection');
  const [request] = tokenRequests;
  assert.equal(request!.authorization, `Basic ${Buffer.from('switchyard:oauth-client-secret').toString('base64')}`);
  assert.equal(request!.body, 'grant_type=client_credentials');
});

test("a client connecting to a broker's port before the proxy knows its address is served: address discovery runs on an authenticated connection", async () => {
  // The node port listens from start-up (nodeIdRanges); nothing has told this virtual cluster
  // where the broker is, so the session's first request makes the proxy ask the cluster, on an
  // upstream connection the route authenticates first.
  const brokerId = a.brokers[0]!.id;
  // With a declared range, the range's first id listens right after the bootstrap port.
  const connection = await rawConnection(`127.0.0.1:${ports.early + 1}`);
  try {
    const response = await connection.request(metadataFrame(1, null));
    const body = decoded(3, METADATA_VERSION, response) as { brokers: { nodeId: number; port: number }[] };
    assert.deepEqual(
      body.brokers.map((broker) => [broker.nodeId, broker.port]),
      [[brokerId, ports.early + 1]],
    );
  } finally {
    connection.close();
  }
});

test("a client's own SASL requests on a route the proxy authenticates are refused, never forwarded", async () => {
  const connection = await rawConnection(running.bootstrap('r85', 'ports'));
  try {
    const handshake = decoded(
      ApiKey.SASL_HANDSHAKE,
      1,
      await connection.request(encodeRequest(ApiKey.SASL_HANDSHAKE, 1, 1, 'raw', { mechanism: 'SCRAM-SHA-512' })),
    );
    assert.deepEqual(handshake, { errorCode: 33, mechanisms: [] }, 'UNSUPPORTED_SASL_MECHANISM, none enabled');
    const authenticate = decoded(
      ApiKey.SASL_AUTHENTICATE,
      2,
      await connection.request(
        encodeRequest(ApiKey.SASL_AUTHENTICATE, 2, 2, 'raw', { authBytes: Buffer.from('n,,n=x,r=y') }),
      ),
    ) as { errorCode: number; errorMessage: string };
    assert.equal(authenticate.errorCode, 34, 'ILLEGAL_SASL_STATE');
    assert.match(authenticate.errorMessage, /SaslTermination/);
  } finally {
    connection.close();
  }
  await logLine((line) => line.level === 'warn' && String(line.msg).startsWith("refused a client's SASL request"));
});

test('wrong credentials: the client gets an error, the session closes, and the logged reason names the broker and user but no secret', async () => {
  const connection = await rawConnection(running.bootstrap('wrong', 'ports'));
  connection.request(metadataFrame(1, null)).catch(() => {});
  await connection.closed;
  const line = await logLine((l) => l.virtualCluster === 'wrong' && l.level === 'warn');
  assert.match(String(line.msg), /SCRAM-SHA-512 \(user 'alice'\).*SASL_AUTHENTICATION_FAILED/);
  assert.equal(line.cause, 'authentication_failed');
  assert.ok(
    (await metric(running.proxy, 'switchyard_upstream_errors_total', {
      virtual_cluster: 'wrong',
      error: 'authentication_failed',
    })) >= 1,
    'counted as an upstream authentication failure',
  );
  const everything = JSON.stringify(running.logs);
  for (const secret of ['not-the-password', a.credentials!.user.password, 'oauth-client-secret']) {
    assert.equal(everything.includes(secret), false, `the logs do not contain '${secret}'`);
  }
});

// With SaslTermination on the VC chain (the proxy is the client's SASL server) and SaslInitiation on
// each route, a SCRAM client fans out over both clusters.
test('fan-out: a SCRAM client through the TopicRouter over two SASL-protected clusters (initiation with different credentials per route) produces and consumes on both', async () => {
  const store = join(secrets, 'clients.json');
  await addCredentials(
    { file: store, user: 'carol', iterations: 4096, mechanisms: ['SCRAM-SHA-512'], groups: [] },
    'carol-Secret-5d1e',
  );
  const port = await freePortBlock(8);
  const scramProxy = await useProxy(`
clusterDefinitions:
  - name: a
    bootstrapServers: ${a.bootstrapServers}
  - name: b
    bootstrapServers: ${b.bootstrapServers}
filterDefinitions:
  - name: clients
    type: SaslTermination
    config: { mechanisms: [SCRAM-SHA-512], credentials: ${store} }
  - name: scram-a
    type: SaslInitiation
    config: { mechanism: SCRAM-SHA-512, username: ${a.credentials!.user.username}, passwordFile: ${aliceFile} }
  - name: scram-b
    type: SaslInitiation
    config: { mechanism: SCRAM-SHA-256, username: ${b.credentials!.admin.username}, passwordEnv: SWITCHYARD_TEST_B_ADMIN_PASSWORD }
routerDefinitions:
  - name: union
    type: TopicRouter
    config: { defaultRoute: a, topics: [{ prefix: "b.", route: b }], groups: [{ prefix: "b.", route: b }] }
    routes:
      - { name: a, id: 0, filters: [scram-a], target: { cluster: a } }
      - { name: b, id: 1, filters: [scram-b], target: { cluster: b } }
virtualClusters:
  - name: union
    target: { router: union }
    filters: [clients]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}
`);
  await kafkajsCreateTopics(a.connection({ as: 'admin' }), [
    { name: 'scram-orders', partitions: 2, replicationFactor: 1 },
  ]);
  await kafkajsCreateTopics(b.connection({ as: 'admin' }), [
    { name: 'b.scram-payments', partitions: 2, replicationFactor: 1 },
  ]);
  const client = {
    bootstrapServers: scramProxy.bootstrap('union', 'ports'),
    sasl: { mechanism: 'SCRAM-SHA-512' as const, username: 'carol', password: 'carol-Secret-5d1e' },
  };
  const orders = Array.from({ length: 20 }, (_, i) => ({ value: `scram-order-${i}` }));
  const payments = Array.from({ length: 20 }, (_, i) => ({ value: `scram-payment-${i}` }));
  await kafkajsProduce(client, 'scram-orders', orders);
  await kafkajsProduce(client, 'b.scram-payments', payments);
  const onA = await kafkajsConsume(a.connection(), { topic: 'scram-orders', groupId: 'scram-direct-a', count: 20 });
  const onB = await kafkajsConsume(b.connection({ as: 'admin' }), {
    topic: 'b.scram-payments',
    groupId: 'scram-direct-b',
    count: 20,
  });
  assert.deepEqual(onA.map((r) => r.value).sort(), orders.map((r) => r.value).sort());
  assert.deepEqual(onB.map((r) => r.value).sort(), payments.map((r) => r.value).sort());
  const viaA = await kafkajsConsume(client, { topic: 'scram-orders', groupId: 'scram-a', count: 20 });
  const viaB = await kafkajsConsume(client, { topic: 'b.scram-payments', groupId: 'b.scram', count: 20 });
  assert.deepEqual(viaA.map((r) => r.value).sort(), orders.map((r) => r.value).sort());
  assert.deepEqual(viaB.map((r) => r.value).sort(), payments.map((r) => r.value).sort());
});
