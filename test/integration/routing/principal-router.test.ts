// PrincipalRouter against two real Kafka clusters: clients behind one bootstrap address land on the
// cluster their identity maps to, checked on each cluster directly. Identities come from client
// certificates (the subject through mapping rules, or a URI subject alternative name), or from
// SASL terminated on the virtual cluster's filter chain.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { CreateTopicsResponse } from '../../../src/index.ts';
import type { DecodeEvent } from '../../../src/pipeline/diagnostics.ts';
import {
  ApiKey,
  decodeResponseBody,
  ErrorCode,
  encodeRequest,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/index.ts';
import { clientCertificate } from '../../helpers/client-certificates.ts';
import type { KafkaConnection } from '../../helpers/clients/common.ts';
import { kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { kcatConsume, kcatMetadata, kcatProduce } from '../../helpers/clients/kcat.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { rawConnection } from '../filters/raw-client.ts';

const [clusterA, clusterB] = await Promise.all([
  useKafkaCluster({ name: 'principal-a' }),
  useKafkaCluster({ name: 'principal-b' }),
]);

const certificates = mkdtempSync(join(tmpdir(), 'switchyard-principal-router-'));
after(() => rmSync(certificates, { recursive: true, force: true }));
const ca = createCertificateAuthority(certificates, 'switchyard-test-principal-ca');
const gatewayCertificate = issueCertificate(ca, certificates, 'gateway');
const issue = (name: string, subject: string, altNames?: string[]) =>
  clientCertificate(certificates, name, { subject, ca, ...(altNames ? { altNames } : {}) });
const alice = issue('alice', '/O=Acme/OU=Payments/CN=alice');
const bob = issue('bob', '/O=Acme/OU=Analytics/CN=bob');
const mallory = issue('mallory', '/O=Elsewhere/CN=mallory');
const spiffeA = issue('spiffe-a', '/CN=ignored', ['URI:spiffe://example.org/ns/payments/sa/orders']);
const spiffeB = issue('spiffe-b', '/CN=ignored', ['URI:spiffe://example.org/ns/analytics/sa/reports']);

const ports = { subject: await freePortBlock(8), san: await freePortBlock(8), reauth: await freePortBlock(8) };
const gateway = (port: number, principal: string) => `
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}
        tls:
          key: { certificateFile: ${gatewayCertificate.certFile}, privateKeyFile: ${gatewayCertificate.keyFile} }
          trust:
            storeFile: ${ca.certFile}
            clientAuth: REQUIRED
            principal: ${principal}`;

const running = await useProxy(`
clusterDefinitions:
  - name: a
    bootstrapServers: ${clusterA.bootstrapServers}
  - name: b
    bootstrapServers: ${clusterB.bootstrapServers}
routerDefinitions:
  - name: by-user
    type: PrincipalRouter
    config:
      rules:
        - { user: alice, route: a }
        - { userPrefix: "bo", route: b }
        - { userRegex: "^orders@payments$", route: a }
        - { userRegex: "@analytics$", route: b }
    routes:
      - { name: a, id: 0, target: { cluster: a } }
      - { name: b, id: 1, target: { cluster: b } }
filterDefinitions:
  - name: identity-change
    type: ./test/integration/routing/fixtures/identity-change.ts#IdentityChange
virtualClusters:
  - name: reauth
    target: { router: by-user }
    filters: [identity-change]${gateway(ports.reauth, '{ mappingRules: ["RULE:^CN=([^,]+),OU=.*$/$1/L"] }')}
  - name: subject
    target: { router: by-user }${gateway(ports.subject, '{ mappingRules: ["RULE:^CN=([^,]+),OU=.*$/$1/L", DEFAULT] }')}
  - name: san
    target: { router: by-user }${gateway(ports.san, '{ from: "san:uri", mappingRules: ["RULE:^spiffe:\\\\/\\\\/example.org\\\\/ns\\\\/([^\\\\/]+)\\\\/sa\\\\/(.*)$/$2@$1/"] }')}
`);

const as = (vc: string, certificate: { certFile: string; keyFile: string }): KafkaConnection => ({
  bootstrapServers: running.bootstrap(vc, 'ports'),
  tls: { caFile: ca.certFile, certFile: certificate.certFile, keyFile: certificate.keyFile },
});
const direct = {
  a: { bootstrapServers: clusterA.bootstrapServers },
  b: { bootstrapServers: clusterB.bootstrapServers },
};

/** Produces `value` to `topic` as `connection` and returns what each cluster holds in `topic`. */
async function landing(connection: KafkaConnection, topic: string, value: string) {
  await kafkajsCreateTopics(connection, [{ name: topic }]);
  await kafkajsProduce(connection, topic, [{ value }]);
  const onA = await kcatMetadata(direct.a);
  const onB = await kcatMetadata(direct.b);
  return {
    a: onA.topics.some((t) => t.name === topic),
    b: onB.topics.some((t) => t.name === topic),
  };
}

test('two users of one bootstrap address land on two clusters by their certificate subjects', async () => {
  assert.deepEqual(await landing(as('subject', alice), 'alice-orders', 'from alice'), { a: true, b: false });
  assert.deepEqual(await landing(as('subject', bob), 'bob-reports', 'from bob'), { a: false, b: true });
  const onA = await kcatConsume(direct.a, { topic: 'alice-orders', count: 1 });
  const onB = await kcatConsume(direct.b, { topic: 'bob-reports', count: 1 });
  assert.deepEqual([onA[0]?.value, onB[0]?.value], ['from alice', 'from bob']);
});

test('one topic name is two topics: each user reads back only what landed on its cluster', async () => {
  await kcatProduce(as('subject', alice), 'shared-name', [{ value: 'alice was here' }]);
  await kcatProduce(as('subject', bob), 'shared-name', [{ value: 'bob was here' }]);
  const read = async (connection: KafkaConnection) =>
    (await kcatConsume(connection, { topic: 'shared-name', count: 1 })).map((r) => r.value);
  assert.deepEqual(await read(as('subject', alice)), ['alice was here']);
  assert.deepEqual(await read(as('subject', bob)), ['bob was here']);
  assert.deepEqual(await read(direct.a), ['alice was here']);
  assert.deepEqual(await read(direct.b), ['bob was here']);
});

test('the identity can come from a URI subject alternative name (SPIFFE id) through a mapping rule', async () => {
  assert.deepEqual(await landing(as('san', spiffeA), 'spiffe-orders', 'from orders'), { a: true, b: false });
  assert.deepEqual(await landing(as('san', spiffeB), 'spiffe-reports', 'from reports'), { a: false, b: true });
});

test('after the choice, produce and fetch requests travel undecoded: the session is bound to its route', async () => {
  const decoded: DecodeEvent[] = [];
  const onDecode = (event: unknown) => decoded.push(event as DecodeEvent);
  subscribe('switchyard:decode', onDecode);
  try {
    // librdkafka opens every connection with API_VERSIONS: that first request is the one the
    // router decides on, and every later one is forwarded as bytes.
    await kcatProduce(as('subject', alice), 'opaque', [{ value: 'one' }, { value: 'two' }]);
    const records = await kcatConsume(as('subject', alice), { topic: 'opaque', count: 2 });
    assert.deepEqual(records.map((r) => r.value).sort(), ['one', 'two']);
  } finally {
    unsubscribe('switchyard:decode', onDecode);
  }
  const requests = decoded.filter((event) => event.direction === 'request').map((event) => event.apiKey);
  assert.ok(requests.includes(ApiKey.API_VERSIONS), 'the router decided on API_VERSIONS');
  assert.deepEqual(
    requests.filter((key) => key === ApiKey.PRODUCE || key === ApiKey.FETCH),
    [],
  );
});

test('a client no rule matches is refused with a clear error and the connection closes', async () => {
  const before = running.logs.length;
  await assert.rejects(
    kafkajsProduce(as('subject', mallory), 'never', [{ value: 'x' }]),
    /Cluster authorization failed|CLUSTER_AUTHORIZATION_FAILED|not authorized/i,
  );
  const refusals = running.logs
    .slice(before)
    .filter((line) => line.msg === 'PrincipalRouter refuses a session no rule matches');
  assert.ok(refusals.length > 0, 'the refusal is logged');
  assert.equal(refusals[0]!.subject, 'User:CN=mallory,O=Elsewhere');
});

/** A raw TLS connection to the `reauth` virtual cluster as `certificate`, past API_VERSIONS. */
async function reauthConnection(certificate: { certFile: string; keyFile: string }) {
  const connection = await rawConnection(running.bootstrap('reauth', 'ports'), {
    ca: readFileSync(ca.certFile),
    cert: readFileSync(certificate.certFile),
    key: readFileSync(certificate.keyFile),
    servername: 'localhost',
  });
  const versions = { clientSoftwareName: 'raw', clientSoftwareVersion: '1', clusterId: null, nodeId: -1 };
  await connection.request(encodeRequest(ApiKey.API_VERSIONS, 3, 1, 'raw', versions));
  return connection;
}

/** The error code of the first topic of a CREATE_TOPICS v7 answer to creating `name`. */
async function createTopic(
  connection: Awaited<ReturnType<typeof reauthConnection>>,
  name: string,
  correlationId: number,
) {
  const request = {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 30_000,
    validateOnly: false,
  };
  const frame = await connection.request(encodeRequest(ApiKey.CREATE_TOPICS, 7, correlationId, 'raw', request));
  const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.CREATE_TOPICS, 7));
  const body = decodeResponseBody(ApiKey.CREATE_TOPICS, 7, frame, header.bodyOffset) as CreateTopicsResponse;
  return { errorCode: body.topics[0]!.errorCode, errorMessage: body.topics[0]!.errorMessage };
}

test('a new identity that maps to another route closes the session with a clear error', async () => {
  const connection = await reauthConnection(alice);
  // Bound to route a as alice; the session becomes bob's, whose route is b.
  const answer = await createTopic(connection, 'become.bob.topic', 2);
  assert.equal(answer.errorCode, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  assert.equal(answer.errorMessage, "the new identity User:bob maps to route 'b', not 'a'; reconnect");
  await connection.closed;
  assert.ok(!(await kcatMetadata(direct.b)).topics.some((t) => t.name === 'become.bob.topic'));
});

test('a new identity on the same route keeps the session on it', async () => {
  const connection = await reauthConnection(bob);
  try {
    assert.equal((await createTopic(connection, 'become.bobby.topic', 2)).errorCode, ErrorCode.NONE);
    assert.equal((await createTopic(connection, 'still-bobby', 3)).errorCode, ErrorCode.NONE);
  } finally {
    connection.close();
  }
  const onB = (await kcatMetadata(direct.b)).topics.map((t) => t.name);
  assert.ok(onB.includes('become.bobby.topic') && onB.includes('still-bobby'));
});

test('a certificate no mapping rule applies to is refused when the connection opens, with the reason logged', async () => {
  const before = running.logs.length;
  // The `reauth` gateway maps only subjects with an OU, and has no DEFAULT rule.
  const connection = await rawConnection(running.bootstrap('reauth', 'ports'), {
    ca: readFileSync(ca.certFile),
    cert: readFileSync(mallory.certFile),
    key: readFileSync(mallory.keyFile),
    servername: 'localhost',
  });
  await connection.closed;
  const refusal = running.logs
    .slice(before)
    .find((line) => line.msg === 'client certificate gives no principal; closing the connection');
  assert.equal(refusal?.reason, "no principal mapping rule applies to 'CN=mallory,O=Elsewhere'");
  assert.equal(refusal?.gateway, 'ports');
});
