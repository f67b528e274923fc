// SaslInspection in front of a SASL broker (PLAIN, SCRAM-SHA-512, and OAUTHBEARER with unsecured
// JWTs): the clients' exchanges go to the broker, a filter after SaslInspection sees the identity
// the broker accepted, and wrong credentials are refused by the broker as without the proxy.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../src/index.ts';
import { javaConsoleConsume, javaConsoleProduce } from '../../helpers/clients/java-console.ts';
import { kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { platformaticConsume, platformaticProduce } from '../../helpers/clients/platformatic.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { rawConnection } from '../filters/raw-client.ts';
import { principalsSeen, seen } from './fixtures/subjects.ts';
import { javaOAuthProduce } from './java-oauth.ts';
import { handshakeFrame, handshakeResponse } from './sasl-frames.ts';

const cluster = await useKafkaCluster({
  brokers: 1,
  name: 'sasl-inspection',
  listeners: 'sasl_plaintext',
  saslMechanisms: ['PLAIN', 'SCRAM-SHA-512'],
  brokerConfig: {
    // Kafka's unsecured JWT validation: tokens are not signed, the broker only checks their form.
    'listener.name.client.sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512,OAUTHBEARER',
    'listener.name.client.oauthbearer.sasl.jaas.config':
      'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;',
  },
});
const admin = cluster.connection({ as: 'admin', mechanism: 'PLAIN' });
for (const name of ['i-kafkajs', 'i-platformatic', 'i-java', 'i-oauth']) await kafkajsCreateTopics(admin, [{ name }]);
const { user } = cluster.credentials!;
const WRONG = 'wrong-Pass-3c9e';

const port = await freePortBlock(4);
const running = await useProxy(`
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
filterDefinitions:
  - name: sasl
    type: SaslInspection
  - name: subjects
    type: ./test/integration/security/fixtures/subjects.ts#SubjectRecorder
  - name: protocol-log
    type: ProtocolLogger
    config: { level: debug }
virtualClusters:
  - name: inspected
    target: { cluster: main }
    filters: [protocol-log, sasl, subjects]
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: 127.0.0.1:${port} }
`);
const bootstrap = running.bootstrap('inspected', 'ports');
const as = (mechanism: 'PLAIN' | 'SCRAM-SHA-512', username: string, password: string) => ({
  bootstrapServers: bootstrap,
  sasl: { mechanism, username, password },
});
const values = (prefix: string) => [1, 2, 3].map((i) => ({ value: `${prefix}-${i}` }));
const expected = [`User:${user.username}`];

test('kafkajs authenticates to the broker through the proxy with PLAIN and SCRAM; a filter sees the user', async () => {
  seen.length = 0;
  await kafkajsProduce(as('PLAIN', user.username, user.password), 'i-kafkajs', values('k'));
  const records = await kafkajsConsume(as('SCRAM-SHA-512', user.username, user.password), {
    topic: 'i-kafkajs',
    groupId: 'g-kafkajs',
    count: 3,
  });
  assert.equal(records.length, 3);
  assert.deepEqual(principalsSeen(), expected);
});

test('@platformatic/kafka authenticates to the broker through the proxy with PLAIN and SCRAM', async () => {
  seen.length = 0;
  await platformaticProduce(as('SCRAM-SHA-512', user.username, user.password), 'i-platformatic', values('p'));
  const records = await platformaticConsume(as('PLAIN', user.username, user.password), {
    topic: 'i-platformatic',
    groupId: 'g-platformatic',
    count: 3,
  });
  assert.equal(records.length, 3);
  assert.deepEqual(principalsSeen(), expected);
});

test('the Java tools authenticate to the broker through the proxy with PLAIN and SCRAM', async () => {
  seen.length = 0;
  await javaConsoleProduce(as('SCRAM-SHA-512', user.username, user.password), 'i-java', values('j'));
  const records = await javaConsoleConsume(as('PLAIN', user.username, user.password), { topic: 'i-java', count: 3 });
  assert.equal(records.length, 3);
  assert.deepEqual(principalsSeen(), expected);
});

test('the Java tools authenticate with OAUTHBEARER (unsecured JWT) through the proxy; the sub is the user', async () => {
  seen.length = 0;
  await javaOAuthProduce(bootstrap, 'i-oauth', ['o-1', 'o-2'], { unsecuredSub: 'erin' });
  assert.deepEqual(principalsSeen(), ['User:erin']);
});

test('wrong credentials are refused by the broker, and nobody is reported', async () => {
  seen.length = 0;
  await assert.rejects(kafkajsProduce(as('PLAIN', user.username, WRONG), 'i-kafkajs', values('x')), /SASL|auth/i);
  await assert.rejects(
    kafkajsProduce(as('SCRAM-SHA-512', user.username, WRONG), 'i-kafkajs', values('x')),
    /SASL|auth/i,
  );
  assert.deepEqual(seen, []);
});

test('SASL_HANDSHAKE v0 is refused with UNSUPPORTED_VERSION before it reaches the broker', async () => {
  const connection = await rawConnection(bootstrap);
  const handshake = handshakeResponse(await connection.request(handshakeFrame(1, 'PLAIN', 0)), 0);
  assert.equal(handshake.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  await connection.closed;
});

test('no password used by this file appears in any log line of the proxy', () => {
  const secrets = [user.password, cluster.credentials!.admin.password, WRONG];
  assert.ok(
    running.logs.some((l) => l.msg === 'kafka request' && l.api === 'SASL_AUTHENTICATE'),
    'SASL requests were logged',
  );
  for (const line of running.logs) {
    const text = JSON.stringify(line);
    for (const secret of secrets) assert.ok(!text.includes(secret), `a secret in: ${text.slice(0, 200)}`);
  }
});
