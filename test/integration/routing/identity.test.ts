// R84: what a router's authenticatedSubject() reports follows the VC chain's identity: the
// gateway's verified client certificate, SaslTermination's user and groups, SaslInspection's
// identity the broker accepted, and each of those again after a re-authentication (KIP-368).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, test } from 'node:test';
import { addCredentials } from '../../../src/cli/credentials.ts';
import { ErrorCode } from '../../../src/index.ts';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/tls.ts';
import { javaCreateTopic } from '../../helpers/clients/java-admin.ts';
import { javaProducerPerformance } from '../../helpers/clients/java-perf.ts';
import { kafkajsDescribeCluster } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { rawConnection } from '../filters/raw-client.ts';
import { authenticateFrame, authenticateResponse, handshakeFrame, plainMessage } from '../security/sasl-frames.ts';
import { probe } from './fixtures/probe.ts';
import { metadataFrame } from './fixtures/wire.ts';

const FIXTURES = './test/integration/routing/fixtures/probe.ts';
const plain = await useKafkaCluster({ name: 'identity-plain' });
const sasl = await useKafkaCluster({
  name: 'identity-sasl',
  listeners: 'sasl_plaintext',
  saslMechanisms: ['PLAIN'],
  brokerConfig: {
    'listener.name.client.sasl.enabled.mechanisms': 'PLAIN,OAUTHBEARER',
    'listener.name.client.oauthbearer.sasl.jaas.config':
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
    // Sessions of 2 s: clients that can re-authenticate (KIP-368) do so through the proxy.
    'listener.name.client.connections.max.reauth.ms': 2000,
  },
});
await javaCreateTopic(sasl.connection({ as: 'admin' }), { name: 'reauth' });

const dir = mkdtempSync(join(tmpdir(), 'switchyard-identity-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ca = createCertificateAuthority(dir, 'switchyard-test-identity-ca');
const gatewayCertificate = issueCertificate(ca, dir, 'gateway');
const alice = issueCertificate(ca, dir, 'alice');
const credentials = join(dir, 'users.json');
const PASSWORD = 'hana-Secret-5e1b';
const add = (groups: string[]) =>
  addCredentials(
    { file: credentials, user: 'hana', iterations: 4096, mechanisms: ['PLAIN', 'SCRAM-SHA-512'], groups },
    PASSWORD,
  );
await add(['blue']);

const [mtlsPort, termPort, inspectPort] = await Promise.all([freePortBlock(4), freePortBlock(4), freePortBlock(4)]);
const running = await useProxy(`
clusterDefinitions:
  - name: plain
    bootstrapServers: ${plain.bootstrapServers}
  - name: sasl
    bootstrapServers: ${sasl.bootstrapServers}
filterDefinitions:
  - name: terminate
    type: SaslTermination
    config: { mechanisms: [PLAIN, SCRAM-SHA-512], credentials: ${credentials}, failureDelayMs: 0 }
  - name: inspect
    type: SaslInspection
    config: { oauthbearer: { groupsClaim: groups } }
routerDefinitions:
  - name: to-plain
    type: ${FIXTURES}#Probe
    routes: [{ name: a, id: 0, target: { cluster: plain } }]
  - name: to-sasl
    type: ${FIXTURES}#Probe
    routes: [{ name: a, id: 0, target: { cluster: sasl } }]
virtualClusters:
  - name: mtls
    target: { router: to-plain }
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: 127.0.0.1:${mtlsPort} }
        tls:
          key: { certificateFile: ${gatewayCertificate.certFile}, privateKeyFile: ${gatewayCertificate.keyFile} }
          trust: { storeFile: ${ca.certFile}, clientAuth: REQUIRED }
  - name: terminated
    target: { router: to-plain }
    filters: [terminate]
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: 127.0.0.1:${termPort} }
  - name: inspected
    target: { router: to-sasl }
    filters: [inspect]
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: 127.0.0.1:${inspectPort} }
`);

beforeEach(() => probe.reset());

/** The principals the router saw on its latest request. */
function routerSubject(): string[] {
  const context = probe.contexts.at(-1);
  assert.ok(context, 'the router saw a request');
  return context.authenticatedSubject().principals.map((p) => `${p.type}:${p.name}`);
}

test('R84: a router sees the identity of the client certificate the gateway verified', async () => {
  await kafkajsDescribeCluster({
    bootstrapServers: running.bootstrap('mtls', 'ports'),
    tls: { caFile: ca.certFile, certFile: alice.certFile, keyFile: alice.keyFile },
  });
  assert.deepEqual(routerSubject(), ['User:CN=alice']);
});

/** Handshake and one-message exchange on `connection`; returns the SASL_AUTHENTICATE error code. */
async function authenticate(
  connection: Awaited<ReturnType<typeof rawConnection>>,
  correlationId: number,
  mechanism: string,
  message: Buffer,
): Promise<number> {
  await connection.request(handshakeFrame(correlationId, mechanism));
  return authenticateResponse(await connection.request(authenticateFrame(correlationId + 1, message))).errorCode;
}

test('R84: a router sees the user and groups SaslTermination authenticated, and the groups of a re-authentication', async () => {
  const connection = await rawConnection(running.bootstrap('terminated', 'ports'));
  try {
    assert.equal(await authenticate(connection, 1, 'PLAIN', plainMessage('hana', PASSWORD)), ErrorCode.NONE);
    await connection.request(metadataFrame(3));
    assert.deepEqual(routerSubject(), ['User:hana', 'Group:blue']);

    const from = running.logs.length;
    await add(['green']);
    while (!running.logs.slice(from).some((l) => l.msg === 'credential store reloaded')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(await authenticate(connection, 4, 'PLAIN', plainMessage('hana', PASSWORD)), ErrorCode.NONE);
    await connection.request(metadataFrame(6));
    assert.deepEqual(routerSubject(), ['User:hana', 'Group:green']);
  } finally {
    connection.close();
  }
});

/** An unsigned token of the kind a broker configured for unsecured JWTs accepts. */
function unsecuredToken(sub: string, groups: string[]): Buffer {
  const now = Math.floor(Date.now() / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const token = `${part({ alg: 'none' })}.${part({ sub, groups, iat: now, exp: now + 300 })}.`;
  return Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`);
}

test('R84: a router sees the identity SaslInspection read once the broker accepted it, and the claims of a re-authentication', async () => {
  const connection = await rawConnection(running.bootstrap('inspected', 'ports'));
  try {
    const user = sasl.credentials!.user;
    assert.equal(
      await authenticate(connection, 1, 'PLAIN', plainMessage(user.username, user.password)),
      ErrorCode.NONE,
    );
    await connection.request(metadataFrame(3));
    assert.deepEqual(routerSubject(), [`User:${user.username}`]);
  } finally {
    connection.close();
  }
  const oauth = await rawConnection(running.bootstrap('inspected', 'ports'));
  try {
    assert.equal(await authenticate(oauth, 1, 'OAUTHBEARER', unsecuredToken('ines', ['red'])), ErrorCode.NONE);
    await oauth.request(metadataFrame(3));
    assert.deepEqual(routerSubject(), ['User:ines', 'Group:red']);
    // A broker starts a re-authentication at most once a second (KafkaChannel): earlier, it
    // would take the handshake for a second authentication and refuse it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal(await authenticate(oauth, 4, 'OAUTHBEARER', unsecuredToken('ines', ['yellow'])), ErrorCode.NONE);
    await oauth.request(metadataFrame(6));
    assert.deepEqual(routerSubject(), ['User:ines', 'Group:yellow']);
  } finally {
    oauth.close();
  }
});

test('R84: a Java client that re-authenticates to the broker through SaslInspection is reported again, and the router keeps seeing it', async () => {
  const user = sasl.credentials!.user;
  const from = running.logs.length;
  const result = await javaProducerPerformance(
    {
      bootstrapServers: running.bootstrap('inspected', 'ports'),
      sasl: { mechanism: 'PLAIN', username: user.username, password: user.password },
    },
    { topic: 'reauth', records: 60, recordSize: 100, throughput: 10 },
  );
  assert.equal(result.records, 60);
  const reports = running.logs.slice(from).filter((l) => l.msg === 'client authenticated to the broker');
  const perConnection = new Map<unknown, number>();
  for (const line of reports) perConnection.set(line.sessionId, (perConnection.get(line.sessionId) ?? 0) + 1);
  assert.ok(
    [...perConnection.values()].some((count) => count >= 3),
    `reports per connection: ${[...perConnection.values()].join(', ')}`,
  );
  assert.deepEqual(routerSubject(), [`User:${user.username}`]);
});
