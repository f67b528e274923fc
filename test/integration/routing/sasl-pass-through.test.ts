// Pass-through SASL behind a router (routing.md §6.13): a client that authenticates through to
// the broker on one connection of a route is authenticated on the route's further connections by
// replaying its exchange (PLAIN, OAUTHBEARER); a SCRAM exchange cannot be replayed, and the
// session fails naming the remedy. Against a real SASL cluster, driven by a raw client so that
// the exchange and the requests that need a second connection are exactly known.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { ApiKey, encodeRequest } from '../../../src/protocol/index.ts';
import { oauthBearerMessage } from '../../../src/security/sasl-client/oauthbearer.ts';
import { plainMessage } from '../../../src/security/sasl-client/plain.ts';
import { ScramClient } from '../../../src/security/sasl-client/scram.ts';
import { kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { type RawConnection, rawConnection } from '../filters/raw-client.ts';
import { probe } from './fixtures/probe.ts';
import { decoded, METADATA_VERSION, metadataFrame } from './fixtures/wire.ts';

const cluster = await useKafkaCluster({
  name: 'pass-through',
  listeners: 'sasl_plaintext',
  saslMechanisms: ['PLAIN', 'SCRAM-SHA-512'],
  brokerConfig: {
    'listener.name.client.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512,OAUTHBEARER',
    'listener.name.client.oauthbearer.sasl.jaas.config':
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="broker";',
  },
});
const { username, password } = cluster.credentials!.user;
const brokerPort = cluster.brokers[0]!.port;
const brokerId = cluster.brokers[0]!.id;
const routerPort = await freePortBlock(8);
const topicRouterPort = await freePortBlock(8);

// The cluster is named by 'localhost' while its broker advertises 127.0.0.1: the bootstrap
// connection and the broker's connection are two upstream connections of one session.
const running = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: localhost:${brokerPort}
routerDefinitions:
  - name: probe
    type: ./test/integration/routing/fixtures/probe.ts#Probe
    routes:
      - { name: a, id: 0, target: { cluster: main } }
  - name: one-route
    type: TopicRouter
    config: { defaultRoute: a }
    routes:
      - { name: a, id: 0, target: { cluster: main } }
virtualClusters:
  - name: pass
    target: { router: probe }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${routerPort}
  - name: topics
    target: { router: one-route }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${topicRouterPort}
`);

beforeEach(() => {
  probe.reset();
  // The SASL exchange goes to the route's bootstrap server; everything else to the broker by its
  // id, which the proxy first discovers on the session's (authenticated) bootstrap connection.
  probe.onRequest = async (apiKey, _version, header, request, context) => {
    const unauthenticated = apiKey === ApiKey.SASL_HANDSHAKE || apiKey === ApiKey.SASL_AUTHENTICATE;
    const node = unauthenticated ? context.anyNode('a') : context.nodeForId(brokerId);
    const response = await context.sendRequest(node, header, request);
    return context.respondWith(response!).build();
  };
});

async function handshake(connection: RawConnection, correlationId: number, mechanism: string): Promise<void> {
  const frame = encodeRequest(ApiKey.SASL_HANDSHAKE, 1, correlationId, 'raw', { mechanism });
  const response = decoded(ApiKey.SASL_HANDSHAKE, 1, await connection.request(frame)) as { errorCode: number };
  assert.equal(response.errorCode, 0);
}

async function authenticate(connection: RawConnection, correlationId: number, authBytes: Buffer) {
  const frame = encodeRequest(ApiKey.SASL_AUTHENTICATE, 2, correlationId, 'raw', { authBytes });
  return decoded(ApiKey.SASL_AUTHENTICATE, 2, await connection.request(frame)) as {
    errorCode: number;
    authBytes: Buffer;
  };
}

function unsecuredJwt(subject: string): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat: now, exp: now + 600 })}.`;
}

for (const [mechanism, authBytes] of [
  ['PLAIN', () => plainMessage(username, password)],
  ['OAUTHBEARER', () => oauthBearerMessage(unsecuredJwt(username))],
] as const) {
  test(`a client's ${mechanism} exchange is replayed on the session's further connection to the cluster`, async () => {
    const logsBefore = running.logs.length;
    const connection = await rawConnection(running.bootstrap('pass', 'ports'));
    try {
      await handshake(connection, 1, mechanism);
      assert.equal((await authenticate(connection, 2, authBytes())).errorCode, 0);
      const metadata = decoded(ApiKey.METADATA, METADATA_VERSION, await connection.request(metadataFrame(3, null)));
      assert.deepEqual(
        (metadata.brokers as { nodeId: number }[]).map((broker) => broker.nodeId),
        [brokerId],
        'the broker answered on its own connection',
      );
    } finally {
      connection.close();
    }
    const logs = running.logs.slice(logsBefore);
    const replayed = logs.filter(
      (line) => line.msg === "replaying the client's SASL exchange on a further upstream connection",
    );
    assert.deepEqual(
      replayed.map((line) => [line.broker, line.mechanism]),
      [[`127.0.0.1:${brokerPort}`, mechanism]],
    );
    assert.equal(JSON.stringify(logs).includes(password), false, 'the recorded exchange is never logged');
  });
}

test('a client whose SCRAM exchange would have to be replayed fails with a logged reason naming the remedy', async () => {
  const connection = await rawConnection(running.bootstrap('pass', 'ports'));
  try {
    const scram = new ScramClient('SCRAM-SHA-512', username, password);
    await handshake(connection, 1, 'SCRAM-SHA-512');
    const first = await authenticate(connection, 2, scram.first());
    assert.equal(first.errorCode, 0);
    const final = await authenticate(connection, 3, await scram.final(first.authBytes));
    assert.equal(final.errorCode, 0);
    scram.verify(final.authBytes);
    connection.request(metadataFrame(4, null)).catch(() => {});
    await connection.closed;
  } finally {
    connection.close();
  }
  const line = running.logs.find((l) => l.level === 'warn' && l.cause === 'authentication_failed');
  assert.ok(line, 'the failure is logged');
  assert.match(String(line.msg), /SCRAM-SHA-512 .*cannot be replayed/);
  assert.match(String(line.msg), /SaslTermination.*SaslInitiation/);
});

test('a PLAIN client through a one-route TopicRouter produces and consumes: its exchange is replayed where the router opens a second connection', async () => {
  // Each client connection (bootstrap, then the broker's port) is a session of its own, and the
  // client authenticates on each. The TopicRouter answers FIND_COORDINATOR itself, through a
  // bootstrap server of the route: on a broker's session that is a second upstream connection
  // (here 'localhost' beside the advertised 127.0.0.1), which the replay authenticates. A SCRAM
  // client fails there, with the reason logged as in the test above.
  await kafkajsCreateTopics(cluster.connection({ as: 'admin' }), [
    { name: 'pass-topic', partitions: 1, replicationFactor: 1 },
  ]);
  const viaProxy = {
    ...cluster.connection({ mechanism: 'PLAIN' }),
    bootstrapServers: running.bootstrap('topics', 'ports'),
  };
  const records = Array.from({ length: 10 }, (_, i) => ({ value: `pass-${i}` }));
  await kafkajsProduce(viaProxy, 'pass-topic', records);
  const consumed = await kafkajsConsume(viaProxy, { topic: 'pass-topic', groupId: 'pass-group', count: 10 });
  assert.deepEqual(consumed.map((r) => r.value).sort(), records.map((r) => r.value).sort());
  assert.ok(
    running.logs.some(
      (line) =>
        line.msg === "replaying the client's SASL exchange on a further upstream connection" &&
        line.virtualCluster === 'topics',
    ),
    'the exchange was replayed for the router',
  );
});
