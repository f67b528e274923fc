// SaslTermination in front of a broker without SASL: real clients authenticate to the proxy with
// PLAIN, SCRAM and OAUTHBEARER (JWTs signed with keys this file generates), the session's subject
// reflects the user and its groups, refusals carry the codes and messages a Kafka broker sends,
// and a Java client that re-authenticates (KIP-368) keeps its connection.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Producer } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { addCredentials } from '../../../src/cli/credentials.ts';
import { ApiKey, ErrorCode } from '../../../src/index.ts';
import type { DecodeEvent } from '../../../src/pipeline/diagnostics.ts';
import {
  type ApiVersionsResponse,
  decodeResponseBody,
  encodeRequest,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { proxyInternals } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/tls.ts';
import { javaConsoleConsume, javaConsoleProduce } from '../../helpers/clients/java-console.ts';
import { javaProducerPerformance } from '../../helpers/clients/java-perf.ts';
import { kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { platformaticConsume, platformaticOptions, platformaticProduce } from '../../helpers/clients/platformatic.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { rawConnection } from '../filters/raw-client.ts';
import { principalsSeen, seen } from './fixtures/subjects.ts';
import { javaOAuthProduce } from './java-oauth.ts';
import {
  authenticateFrame,
  authenticateResponse,
  handshakeFrame,
  handshakeResponse,
  jwksOf,
  jwt,
  nowSeconds,
  oauthMessage,
  plainMessage,
  ScramClient,
  type SigningKey,
  signingKey,
} from './sasl-frames.ts';

const { Kafka, logLevel } = kafkajs;

const ALICE_PASSWORD = 'alice-Secret-7f3a';
const BOB_PASSWORD = 'bob-Secret-91c2';

const cluster = await useKafkaCluster({ brokers: 1, name: 'sasl-termination' });
const direct = { bootstrapServers: cluster.bootstrapServers };
for (const name of ['t-kafkajs', 't-platformatic', 't-java', 't-oauth', 't-reauth']) {
  await kafkajsCreateTopics(direct, [{ name }]);
}

const dir = mkdtempSync(join(tmpdir(), 'switchyard-sasl-termination-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const credentials = join(dir, 'users.json');
const all = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
await addCredentials(
  { file: credentials, user: 'alice', iterations: 4096, mechanisms: all, groups: ['payments'] },
  ALICE_PASSWORD,
);
await addCredentials({ file: credentials, user: 'bob', iterations: 4096, mechanisms: all, groups: [] }, BOB_PASSWORD);
const rsa = signingKey('rsa-1', 'RS256');
const ec = signingKey('ec-1', 'ES256');
writeFileSync(join(dir, 'jwks.json'), jwksOf([rsa, ec]));
const ISSUER = 'https://issuer.example';
const claims = (overrides: Record<string, unknown> = {}) => ({
  sub: 'carol',
  iss: ISSUER,
  aud: ['switchyard'],
  iat: nowSeconds(),
  exp: nowSeconds() + 300,
  ...overrides,
});

const ca = createCertificateAuthority(dir, 'switchyard-test-sasl-ca');
const gatewayCertificate = issueCertificate(ca, dir, 'gateway');
const [termPort, shortPort, briefPort, securePort] = await Promise.all([
  freePortBlock(4),
  freePortBlock(4),
  freePortBlock(4),
  freePortBlock(4),
]);
const running = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
filterDefinitions:
  - name: sasl
    type: SaslTermination
    config:
      mechanisms: [PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER]
      credentials: ${credentials}
      failureDelayMs: 10
      oauthbearer: { jwks: ${join(dir, 'jwks.json')}, issuer: '${ISSUER}', audience: switchyard, clockSkewSeconds: 5 }
  - name: sasl-short
    type: SaslTermination
    config: { mechanisms: [PLAIN, SCRAM-SHA-512], credentials: ${credentials}, sessionLifetimeMs: 2000 }
  - name: sasl-brief
    type: SaslTermination
    config: { mechanisms: [PLAIN], credentials: ${credentials}, sessionLifetimeMs: 300 }
  - name: subjects
    type: ./test/integration/security/fixtures/subjects.ts#SubjectRecorder
  - name: protocol-log
    type: ProtocolLogger
    config: { level: debug }
virtualClusters:
  - name: term
    target: { cluster: main }
    filters: [protocol-log, sasl, subjects]
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: 127.0.0.1:${termPort} }
  - name: short
    target: { cluster: main }
    filters: [sasl-short, subjects]
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: 127.0.0.1:${shortPort} }
  - name: brief
    target: { cluster: main }
    filters: [sasl-brief]
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: 127.0.0.1:${briefPort} }
  - name: secure
    target: { cluster: main }
    filters: [sasl, subjects]
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: 127.0.0.1:${securePort} }
        tls:
          key: { certificateFile: ${gatewayCertificate.certFile}, privateKeyFile: ${gatewayCertificate.keyFile} }
`);
const bootstrap = running.bootstrap('term', 'ports');
const as = (mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username: string, password: string) => ({
  bootstrapServers: bootstrap,
  sasl: { mechanism, username, password },
});
/** Every secret this file uses: the last test looks for each in every log line. */
const secrets: string[] = [ALICE_PASSWORD, BOB_PASSWORD, 'not-his'];
const token = (key: SigningKey, overrides: Record<string, unknown> = {}) => {
  const value = jwt(key, claims(overrides));
  secrets.push(value, value.split('.')[2]!);
  return value;
};
const values = (prefix: string) => [1, 2, 3].map((i) => ({ value: `${prefix}-${i}` }));

test('kafkajs authenticates to the proxy with PLAIN and SCRAM-SHA-512; filters see the user and its groups', async () => {
  seen.length = 0;
  await kafkajsProduce(as('PLAIN', 'alice', ALICE_PASSWORD), 't-kafkajs', values('plain'));
  await kafkajsProduce(as('SCRAM-SHA-512', 'bob', BOB_PASSWORD), 't-kafkajs', values('scram'));
  const records = await kafkajsConsume(as('SCRAM-SHA-256', 'alice', ALICE_PASSWORD), {
    topic: 't-kafkajs',
    groupId: 'g-kafkajs',
    count: 6,
  });
  assert.deepEqual(
    records.map((r) => r.value).sort(),
    [...values('plain'), ...values('scram')].map((v) => v.value).sort(),
  );
  assert.deepEqual(principalsSeen().sort(), ['User:alice,Group:payments', 'User:bob']);
});

test('@platformatic/kafka authenticates to the proxy with PLAIN and SCRAM-SHA-512', async () => {
  seen.length = 0;
  await platformaticProduce(as('PLAIN', 'bob', BOB_PASSWORD), 't-platformatic', values('p'));
  const records = await platformaticConsume(as('SCRAM-SHA-512', 'alice', ALICE_PASSWORD), {
    topic: 't-platformatic',
    groupId: 'g-platformatic',
    count: 3,
  });
  assert.deepEqual(
    records.map((r) => r.value).sort(),
    values('p').map((v) => v.value),
  );
  assert.deepEqual(principalsSeen().sort(), ['User:alice,Group:payments', 'User:bob']);
});

test('the Java tools authenticate to the proxy with PLAIN and SCRAM-SHA-512', async () => {
  seen.length = 0;
  await javaConsoleProduce(as('SCRAM-SHA-512', 'alice', ALICE_PASSWORD), 't-java', values('j'));
  const records = await javaConsoleConsume(as('PLAIN', 'bob', BOB_PASSWORD), { topic: 't-java', count: 3 });
  assert.deepEqual(
    records.map((r) => r.value).sort(),
    values('j').map((v) => v.value),
  );
  assert.deepEqual(principalsSeen().sort(), ['User:alice,Group:payments', 'User:bob']);
});

test('once authenticated, PRODUCE and FETCH pass SaslTermination undecoded', async () => {
  const decoded: number[] = [];
  const onDecode = (event: unknown) => decoded.push((event as DecodeEvent).apiKey);
  subscribe('switchyard:decode', onDecode);
  try {
    const short = { ...as('PLAIN', 'bob', BOB_PASSWORD), bootstrapServers: running.bootstrap('short', 'ports') };
    await kafkajsProduce(short, 't-kafkajs', values('undecoded'));
    await kafkajsConsume(short, { topic: 't-kafkajs', groupId: 'g-undecoded', count: 3 });
  } finally {
    unsubscribe('switchyard:decode', onDecode);
  }
  assert.ok(decoded.includes(ApiKey.SASL_AUTHENTICATE), 'the SASL exchange was decoded');
  assert.deepEqual(
    decoded.filter((key) => key === ApiKey.PRODUCE || key === ApiKey.FETCH),
    [],
  );
});

test('over a TLS gateway (SASL_SSL), the Java tools and kafkajs authenticate with PLAIN', async () => {
  seen.length = 0;
  const secure = (username: string, password: string) => ({
    bootstrapServers: running.bootstrap('secure', 'ports'),
    tls: { caFile: ca.certFile },
    sasl: { mechanism: 'PLAIN' as const, username, password },
  });
  await javaConsoleProduce(secure('alice', ALICE_PASSWORD), 't-java', values('tls-java'));
  await kafkajsProduce(secure('bob', BOB_PASSWORD), 't-java', values('tls-kafkajs'));
  assert.deepEqual(principalsSeen().sort(), ['User:alice,Group:payments', 'User:bob']);
});

test('kafkajs authenticates with OAUTHBEARER tokens signed by RS256 and ES256 keys of the JWKS', async () => {
  seen.length = 0;
  for (const [key, sub] of [
    [rsa, 'carol'],
    [ec, 'dave'],
  ] as const) {
    const bearer = token(key, { sub });
    const client = new Kafka({
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 2 },
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: bearer }) },
    });
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: 't-oauth', messages: [{ value: sub }] });
    await producer.disconnect();
  }
  assert.deepEqual(principalsSeen().sort(), ['User:carol', 'User:dave']);
});

test('@platformatic/kafka authenticates with an OAUTHBEARER token', async () => {
  seen.length = 0;
  const producer = new Producer({
    ...platformaticOptions({ bootstrapServers: bootstrap }),
    sasl: { mechanism: 'OAUTHBEARER', token: token(ec, { sub: 'gus' }) },
  });
  try {
    await producer.send({ acks: -1, messages: [{ topic: 't-oauth', value: Buffer.from('gus') }] });
  } finally {
    await producer.close();
  }
  assert.deepEqual(principalsSeen(), ['User:gus']);
});

/** Authenticates on a raw connection and returns the SASL_AUTHENTICATE responses, then whether the proxy closed. */
async function rawExchange(mechanism: string, messages: readonly Buffer[]) {
  const connection = await rawConnection(bootstrap);
  try {
    const handshake = handshakeResponse(await connection.request(handshakeFrame(1, mechanism)));
    const responses = [];
    for (const [index, message] of messages.entries()) {
      responses.push(authenticateResponse(await connection.request(authenticateFrame(2 + index, message))));
    }
    return { handshake, responses, connection };
  } catch (error) {
    connection.close();
    throw error;
  }
}

test('a wrong PLAIN password and an unknown user get SASL_AUTHENTICATION_FAILED with the broker message, then the connection closes', async () => {
  for (const message of [plainMessage('alice', 'wrong'), plainMessage('nobody', 'whatever')]) {
    const { responses, connection } = await rawExchange('PLAIN', [message]);
    assert.equal(responses[0]!.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(responses[0]!.errorMessage, 'Authentication failed: Invalid username or password');
    await connection.closed;
  }
});

test('a SCRAM client of an unknown user is refused at its first message with the broker message', async () => {
  const first = Buffer.from('n,,n=nobody,r=abcdefghijklmnop');
  const { responses, connection } = await rawExchange('SCRAM-SHA-512', [first]);
  assert.equal(responses[0]!.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
  assert.equal(
    responses[0]!.errorMessage,
    'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
  );
  await connection.closed;
});

test('kafkajs with a wrong SCRAM password is refused', async () => {
  await assert.rejects(
    kafkajsProduce(as('SCRAM-SHA-512', 'bob', 'not-his'), 't-kafkajs', values('x')),
    /SASL|authentication/i,
  );
});

test('an expired token, a wrong audience and a foreign signature get the RFC 7628 error, then SASL_AUTHENTICATION_FAILED', async () => {
  const stranger = signingKey('rsa-1', 'RS256'); // same key id, another key
  for (const bearer of [
    token(rsa, { exp: nowSeconds() - 60 }),
    token(rsa, { aud: 'another-service' }),
    token(stranger),
  ]) {
    const { responses, connection } = await rawExchange('OAUTHBEARER', [oauthMessage(bearer), Buffer.from([1])]);
    assert.equal(responses[0]!.errorCode, ErrorCode.NONE);
    assert.equal(responses[0]!.authBytes.toString(), '{"status":"invalid_token"}');
    assert.equal(responses[1]!.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(responses[1]!.errorMessage, '{"status":"invalid_token"}');
    await connection.closed;
  }
});

test('a mechanism that is not enabled gets UNSUPPORTED_SASL_MECHANISM with the enabled ones', async () => {
  const connection = await rawConnection(bootstrap);
  const handshake = handshakeResponse(await connection.request(handshakeFrame(1, 'GSSAPI')));
  assert.equal(handshake.errorCode, ErrorCode.UNSUPPORTED_SASL_MECHANISM);
  assert.deepEqual(handshake.mechanisms, ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER']);
  await connection.closed;
});

const metadataFrame = (correlationId: number) =>
  encodeRequest(ApiKey.METADATA, 12, correlationId, 'raw', {
    topics: null,
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });

test('SASL_HANDSHAKE v0 (raw SASL frames follow it) is refused with UNSUPPORTED_VERSION and a log line saying why', async () => {
  const from = running.logs.length;
  const connection = await rawConnection(bootstrap);
  const handshake = handshakeResponse(await connection.request(handshakeFrame(1, 'PLAIN', 0)), 0);
  assert.equal(handshake.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  await connection.closed;
  assert.ok(running.logs.slice(from).some((l) => String(l.msg).includes('SASL_HANDSHAKE v0')));
});

test('a request before the handshake closes the connection unanswered, as a broker does', async () => {
  const connection = await rawConnection(bootstrap);
  connection.pipeline([metadataFrame(1)]);
  await connection.closed;
  assert.deepEqual(connection.arrivals, []);
});

test('a request between handshake and authentication gets ILLEGAL_SASL_STATE, then the connection closes', async () => {
  const connection = await rawConnection(bootstrap);
  await connection.request(handshakeFrame(1, 'PLAIN'));
  const frame = await connection.request(
    encodeRequest(ApiKey.API_VERSIONS, 3, 2, 'raw', {
      clientSoftwareName: 'raw',
      clientSoftwareVersion: '1',
      clusterId: null,
      nodeId: -1,
    }),
  );
  const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.API_VERSIONS, 3));
  const response = decodeResponseBody(ApiKey.API_VERSIONS, 3, frame, header.bodyOffset) as ApiVersionsResponse;
  assert.equal(response.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  await connection.closed;
});

test('a Java client re-authenticates before its session lifetime ends and keeps its connections', async () => {
  const logStart = running.logs.length;
  const result = await javaProducerPerformance(
    {
      bootstrapServers: running.bootstrap('short', 'ports'),
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'bob', password: BOB_PASSWORD },
    },
    { topic: 't-reauth', records: 60, recordSize: 100, throughput: 10 },
  );
  assert.equal(result.records, 60);
  const lines = running.logs.slice(logStart);
  const firsts = lines.filter((l) => l.msg === 'client authenticated by SASL').map((l) => l.sessionId);
  const again = lines.filter((l) => l.msg === 'client re-authenticated by SASL').map((l) => l.sessionId);
  assert.ok(again.length >= 2, `expected re-authentications, saw ${again.length}`);
  assert.ok(
    again.every((id) => firsts.includes(id)),
    're-authentication happens on an authenticated connection',
  );
  assert.equal(lines.filter((l) => String(l.msg).includes('lifetime exceeded')).length, 0);
});

test('a session not re-authenticated within its lifetime is closed at its next request', async () => {
  const connection = await rawConnection(running.bootstrap('brief', 'ports'));
  await connection.request(handshakeFrame(1, 'PLAIN'));
  const response = authenticateResponse(
    await connection.request(authenticateFrame(2, plainMessage('bob', BOB_PASSWORD))),
  );
  assert.equal(response.sessionLifetimeMs, 300n);
  await connection.request(metadataFrame(3));
  // The lifetime is the behaviour under test: let it pass.
  await new Promise((resolve) => setTimeout(resolve, 400));
  connection.pipeline([metadataFrame(4)]);
  await connection.closed;
  assert.deepEqual(connection.arrivals, [1, 2, 3]);
});

test('a raw SCRAM-SHA-256 exchange gets the server signature RFC 5802 defines, and no session lifetime when none is configured', async () => {
  const client = new ScramClient('SCRAM-SHA-256', 'alice', ALICE_PASSWORD);
  const connection = await rawConnection(bootstrap);
  try {
    await connection.request(handshakeFrame(1, 'SCRAM-SHA-256'));
    const first = authenticateResponse(await connection.request(authenticateFrame(2, client.first())));
    assert.equal(first.errorCode, ErrorCode.NONE);
    const final = authenticateResponse(await connection.request(authenticateFrame(3, client.final(first.authBytes))));
    secrets.push(client.proof);
    assert.equal(final.errorCode, ErrorCode.NONE);
    assert.equal(final.authBytes.toString(), client.expectedServerFinal());
    assert.equal(final.sessionLifetimeMs, 0n);
  } finally {
    connection.close();
  }
});

test('an OAUTHBEARER session lives as long as its token, reported in SASL_AUTHENTICATE', async () => {
  const exp = nowSeconds() + 120;
  const { responses, connection } = await rawExchange('OAUTHBEARER', [oauthMessage(token(ec, { exp }))]);
  connection.close();
  assert.equal(responses[0]!.errorCode, ErrorCode.NONE);
  const lifetime = Number(responses[0]!.sessionLifetimeMs);
  assert.ok(lifetime > 0 && lifetime <= 120_000, `lifetime ${lifetime}`);
});

test('the Java tools authenticate with OAUTHBEARER using a signed token (OAuthBearerLoginCallbackHandler)', async () => {
  seen.length = 0;
  await javaOAuthProduce(bootstrap, 't-oauth', ['java-1'], { token: token(rsa, { sub: 'frank', scope: 'kafka' }) });
  assert.deepEqual(principalsSeen(), ['User:frank']);
});

/** Resolves once a log line after `from` satisfies `match` (the store logs every reload). */
async function logged(from: number, match: (line: Record<string, unknown>) => boolean): Promise<void> {
  while (!running.logs.slice(from).some(match)) await new Promise((resolve) => setTimeout(resolve, 20));
}

test('a user added to the credential store can authenticate after the reload; a broken file keeps the last good users', async () => {
  const GINA_PASSWORD = 'gina-Secret-0d44';
  secrets.push(GINA_PASSWORD);
  let from = running.logs.length;
  await addCredentials(
    { file: credentials, user: 'gina', iterations: 4096, mechanisms: all, groups: [] },
    GINA_PASSWORD,
  );
  await logged(from, (l) => l.msg === 'credential store reloaded' && l.users === 3);
  await kafkajsProduce(as('SCRAM-SHA-512', 'gina', GINA_PASSWORD), 't-kafkajs', values('gina'));

  from = running.logs.length;
  const good = readFileSync(credentials, 'utf8');
  writeFileSync(credentials, good.slice(0, good.length / 2));
  await logged(from, (l) => String(l.msg).startsWith('credential store not reloaded'));
  await kafkajsProduce(as('PLAIN', 'gina', GINA_PASSWORD), 't-kafkajs', values('gina-again'));
  writeFileSync(credentials, good);
});

test('no password, token, signature, SCRAM proof or stored hash used by this file appears in a log line, the metrics or /status', async () => {
  const hashes = [...readFileSync(credentials, 'utf8').matchAll(/"(?:storedKey|serverKey|hash)": "([^"]+)"/g)].map(
    (m) => m[1]!,
  );
  assert.ok(running.logs.length > 100, 'the proxy logged at debug level throughout');
  assert.ok(
    running.logs.some((l) => l.msg === 'kafka request' && l.api === 'SASL_AUTHENTICATE'),
    'SASL requests were logged',
  );
  const metrics = await running.proxy.metricsText();
  assert.match(metrics, /switchyard_filter_authentication_failures_total\{[^}]*filter="sasl"[^}]*\} [1-9]/);
  const documents = [
    ...running.logs.map((line) => JSON.stringify(line)),
    metrics,
    JSON.stringify(proxyInternals(running.proxy).status()),
  ];
  for (const text of documents) {
    for (const secret of [...secrets, ...hashes])
      assert.ok(!text.includes(secret), `a secret in: ${text.slice(0, 200)}`);
  }
});
