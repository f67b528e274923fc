// TLS on both sides of the proxy, and SASL pass-through, against real Kafka listeners.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/index.ts';
import { kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { kcatConsume, kcatMetadata, kcatProduce } from '../../helpers/clients/kcat.ts';
import { platformaticConsume } from '../../helpers/clients/platformatic.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

const scram = await useKafkaCluster({
  brokers: 1,
  name: 'scram',
  listeners: 'sasl_plaintext',
  saslMechanisms: ['SCRAM-SHA-512'],
});
const tls = await useKafkaCluster({ brokers: 1, name: 'tls', listeners: 'tls' });

// The gateway's own certificate, from a CA the clients trust (distinct from the cluster's CA).
const certificates = mkdtempSync(join(tmpdir(), 'switchyard-gateway-tls-'));
const gatewayCa = createCertificateAuthority(certificates, 'switchyard-test-gateway-ca');
const gatewayCertificate = issueCertificate(gatewayCa, certificates, 'gateway');

const scramPorts = await freePortBlock(4);
const tlsPorts = await freePortBlock(4);
const discoveryPorts = await freePortBlock(4);
const tlsBroker = tls.brokers[0]!.id;
const running = await useProxy(`
clusterDefinitions:
  - name: scram
    bootstrapServers: ${scram.bootstrapServers}
  - name: tls
    bootstrapServers: ${tls.bootstrapServers}
    tls:
      trust:
        storeFile: ${tls.tls!.caFile}
virtualClusters:
  - name: scram
    target: { cluster: scram }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${scramPorts}
  - name: tls
    target: { cluster: tls }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${tlsPorts}
        tls:
          key:
            certificateFile: ${gatewayCertificate.certFile}
            privateKeyFile: ${gatewayCertificate.keyFile}
  - name: tls-discovery
    target: { cluster: tls }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${discoveryPorts}
          nodeIdRanges: [{ name: brokers, start: ${tlsBroker}, end: ${tlsBroker} }]
`);

test('SASL/SCRAM pass-through: a client with the right credentials produces and consumes through the proxy', async () => {
  const admin = scram.connection({ as: 'admin' });
  await kafkajsCreateTopics(admin, [{ name: 'scram-topic', partitions: 1, replicationFactor: 1 }]);
  // kafkajs and @platformatic/kafka speak SCRAM to Kafka 4; Debian's kcat (librdkafka 2.0) cannot.
  const viaProxy = { ...scram.connection(), bootstrapServers: running.bootstrap('scram', 'ports') };
  const records = Array.from({ length: 20 }, (_, i) => ({ value: `secret-${i}` }));
  await kafkajsProduce(viaProxy, 'scram-topic', records);
  const consumed = await platformaticConsume(viaProxy, { topic: 'scram-topic', groupId: 'scram-group', count: 20 });
  assert.deepEqual(consumed.map((r) => r.value).sort(), records.map((r) => r.value).sort());
});

test('SASL/SCRAM pass-through: wrong credentials are refused by the broker, through the proxy', async () => {
  const connection = scram.connection();
  const wrong = {
    ...connection,
    bootstrapServers: running.bootstrap('scram', 'ports'),
    sasl: { ...connection.sasl!, password: 'not-the-password' },
  };
  await assert.rejects(kafkajsProduce(wrong, 'scram-topic', [{ value: 'nope' }]), /authentication|credentials/i);
});

test('TLS on both sides: a client trusting the gateway CA reaches a TLS-only cluster through the proxy', async () => {
  const direct = tls.connection();
  await kafkajsCreateTopics(direct, [{ name: 'tls-topic', partitions: 2, replicationFactor: 1 }]);
  const viaProxy = { bootstrapServers: running.bootstrap('tls', 'ports'), tls: { caFile: gatewayCa.certFile } };
  const metadata = await kcatMetadata(viaProxy);
  assert.deepEqual(
    metadata.brokers.map((broker) => broker.port),
    [tlsPorts + 1 + tls.brokers[0]!.id],
  );
  const records = Array.from({ length: 10 }, (_, i) => ({ value: `tls-${i}`, partition: i % 2 }));
  await kcatProduce(viaProxy, 'tls-topic', records);
  const consumed = await kcatConsume(viaProxy, { topic: 'tls-topic', count: 10 });
  assert.deepEqual(consumed.map((r) => r.value).sort(), records.map((r) => r.value).sort());
});

test('TLS: a client that does not trust the gateway certificate cannot connect', async () => {
  const viaProxy = { bootstrapServers: running.bootstrap('tls', 'ports'), tls: { caFile: tls.tls!.caFile } };
  await assert.rejects(kcatMetadata(viaProxy, { timeoutMs: 4000 }));
});

test('a client that connects to a broker port before any metadata is served after address discovery over TLS', async () => {
  // With declared ranges the node port listens from startup; nothing has told this process where
  // the broker is until the session asks the cluster itself.
  const brokerPort = { bootstrapServers: `127.0.0.1:${discoveryPorts + 1}` };
  const metadata = await kcatMetadata(brokerPort);
  assert.deepEqual(
    metadata.brokers.map((broker) => `${broker.id}@${broker.port}`),
    [`${tlsBroker}@${discoveryPorts + 1}`],
  );
});

test('issue 12 fault 1: a cluster whose key became unusable fails only its virtual cluster; the proxy and the others keep serving', async () => {
  // The loader checks keys, so the key is spoiled after loading: the state a race with a
  // deployment leaves. Before the fix the first client of that virtual cluster made the
  // secure-context creation throw inside the data path and took the whole process down.
  const files = mkdtempSync(join(tmpdir(), 'switchyard-spoiled-key-'));
  const certificateFile = join(files, 'client.pem');
  const privateKeyFile = join(files, 'client-key.pem');
  copyFileSync(tls.tls!.clientCertFile, certificateFile);
  copyFileSync(tls.tls!.clientKeyFile, privateKeyFile);
  const healthyPorts = await freePortBlock(4);
  const spoiledPorts = await freePortBlock(2);
  const spoiledProxy = await useProxy(
    `
network:
  onVirtualClusterFailure: serveOthers
clusterDefinitions:
  - name: spoiled
    bootstrapServers: ${tls.bootstrapServers}
    tls:
      trust: { storeFile: ${tls.tls!.caFile} }
      key: { certificateFile: ${certificateFile}, privateKeyFile: ${privateKeyFile} }
  - name: healthy
    bootstrapServers: ${tls.bootstrapServers}
    tls:
      trust: { storeFile: ${tls.tls!.caFile} }
virtualClusters:
  - name: spoiled
    target: { cluster: spoiled }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${spoiledPorts}
          nodeIdRanges: [{ name: brokers, start: ${tlsBroker}, end: ${tlsBroker} }]
  - name: healthy
    target: { cluster: healthy }
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: "127.0.0.1:${healthyPorts}" }
`,
    { beforeStartup: () => copyFileSync(gatewayCertificate.keyFile, privateKeyFile) },
  );
  // The broker's own port first asks the cluster where that broker is (address discovery): the
  // connection set-up path that used to throw out of the process.
  await assert.rejects(kcatMetadata({ bootstrapServers: `127.0.0.1:${spoiledPorts + 1}` }, { timeoutMs: 3000 }));
  const metadata = await kcatMetadata({ bootstrapServers: spoiledProxy.bootstrap('healthy', 'ports') });
  assert.deepEqual(
    metadata.brokers.map((broker) => broker.port),
    [healthyPorts + 1 + tlsBroker],
  );
  assert.ok(
    spoiledProxy.logs.some(
      (line) =>
        line.level === 'error' &&
        /^virtual cluster 'spoiled' failed: the TLS material of cluster 'spoiled' is not usable: .*does not match the certificate/.test(
          String(line.msg),
        ),
    ),
    'the reason the virtual cluster failed is logged',
  );
});
