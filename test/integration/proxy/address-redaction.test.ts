// Admin APIs that describe a broker's own configuration or the controller quorum must not tell a
// client where the real brokers and controllers are: through a virtual cluster, endpoints in
// DESCRIBE_CONFIGS values and DESCRIBE_QUORUM answers are rewritten to proxy addresses or redacted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import kafkajs from 'kafkajs';
import {
  ApiKey,
  apiInfo,
  decodeResponseBody,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { REDACTED_ENDPOINT } from '../../../src/proxy/response/config-addresses.ts';
import { runJavaTool } from '../../../testbed/java.ts';
import type { KafkaConnection } from '../../helpers/clients/common.ts';
import { kafkajsClient } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

// kafkajs is CommonJS and this export is not detected as a named one.
const { ConfigResourceTypes } = kafkajs;

// A dedicated controller, so that the quorum's endpoints are nowhere else in the cluster.
const cluster = await useKafkaCluster({ brokers: 2, controllers: 1, name: 'addresses' });
const direct: KafkaConnection = { bootstrapServers: cluster.bootstrapServers };

/** Every broker config of every broker, with synonyms, as a client of `connection` is told them. */
async function describeBrokerConfigs(connection: KafkaConnection) {
  const admin = kafkajsClient(connection).admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: true,
      resources: cluster.brokers.map((broker) => ({ type: ConfigResourceTypes.BROKER, name: String(broker.id) })),
    });
    return described.resources;
  } finally {
    await admin.disconnect();
  }
}

// The real ports, as the brokers themselves describe them: client, inter-broker and controller.
const realPorts = new Set<number>();
for (const resource of await describeBrokerConfigs(direct)) {
  for (const entry of resource.configEntries) {
    if (!['listeners', 'advertised.listeners', 'controller.quorum.voters'].includes(entry.configName)) continue;
    for (const match of (entry.configValue ?? '').matchAll(/:(\d+)/g)) realPorts.add(Number(match[1]));
  }
}

/** Real ports found in any response a client received: in a `port` field, or after a colon in any string. */
const leaks: string[] = [];
/** API keys of the responses scanned, to show the scan saw what the tests asked for. */
const scanned = new Set<number>();

function scan(apiKey: number, value: unknown, key = ''): void {
  if (typeof value === 'string') {
    for (const match of value.matchAll(/:(\d{1,5})(?!\d)/g)) {
      if (realPorts.has(Number(match[1]))) leaks.push(`${apiInfo(apiKey)?.name} ${key}: ${value}`);
    }
    return;
  }
  if (typeof value === 'number') {
    if (key === 'port' && realPorts.has(value)) leaks.push(`${apiInfo(apiKey)?.name} ${key}: ${value}`);
    return;
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) scan(apiKey, item, key);
    return;
  }
  for (const [child, childValue] of Object.entries(value)) scan(apiKey, childValue, child);
}

const gatewayPorts = await freePortBlock(8);
const running = await useProxy(
  `
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: admin
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${gatewayPorts}
`,
  {
    inspectResponse: (apiKey, apiVersion, frame) => {
      // API_VERSIONS may be answered at v0 (KIP-511) and names no address: skip it.
      if (apiKey === ApiKey.API_VERSIONS) return;
      const header = readResponseHeader(frame, responseHeaderVersion(apiKey, apiVersion));
      scan(apiKey, decodeResponseBody(apiKey, apiVersion, frame, header.bodyOffset));
      scanned.add(apiKey);
    },
  },
);
const viaProxy: KafkaConnection = { bootstrapServers: running.bootstrap('admin', 'ports') };

test('the brokers do describe real client, inter-broker and controller ports (the premise of these tests)', () => {
  for (const broker of cluster.brokers) assert.ok(realPorts.has(broker.port), `client port of broker ${broker.id}`);
  // Per broker a client and an inter-broker listener, and the controller's own listener.
  assert.ok(realPorts.size >= 2 * cluster.brokers.length + 1, `real ports: ${[...realPorts].join(', ')}`);
});

test('describing broker configs through the proxy redacts every endpoint config that names a real address', async () => {
  const resources = await describeBrokerConfigs(viaProxy);
  assert.equal(resources.length, cluster.brokers.length);
  for (const resource of resources) {
    assert.equal(resource.errorCode, 0);
    for (const name of ['listeners', 'advertised.listeners', 'controller.quorum.voters']) {
      const entry = resource.configEntries.find((e) => e.configName === name);
      assert.ok(entry, `broker ${resource.resourceName} describes ${name}`);
      assert.equal(entry.configValue, null, `broker ${resource.resourceName} ${name}`);
      assert.equal(entry.isSensitive, true, `broker ${resource.resourceName} ${name} is marked sensitive`);
      for (const synonym of entry.configSynonyms) assert.equal(synonym.configValue, null, `${name} synonym`);
    }
    // Configs without addresses pass unchanged.
    const threads = resource.configEntries.find((e) => e.configName === 'num.network.threads');
    assert.equal(threads?.configValue, '2');
  }
  assert.ok(scanned.has(ApiKey.DESCRIBE_CONFIGS));
  assert.deepEqual(leaks, []);
});

test("Kafka's kafka-configs tool describing every broker config through the proxy sees no real port", async () => {
  const result = await runJavaTool('org.apache.kafka.tools.ConfigCommand', [
    '--bootstrap-server',
    viaProxy.bootstrapServers,
    '--describe',
    '--all',
    '--entity-type',
    'brokers',
    '--entity-name',
    String(cluster.brokers[0]!.id),
  ]);
  assert.equal(result.exitCode, 0, result.stderr);
  assert.match(result.stdout, /advertised\.listeners=null sensitive=true/);
  const ports = [...result.stdout.matchAll(/:(\d{1,5})(?!\d)/g)].map((m) => Number(m[1]));
  assert.deepEqual(
    ports.filter((port) => realPorts.has(port)),
    [],
  );
  assert.deepEqual(leaks, []);
});

test("Kafka's kafka-metadata-quorum tool through the proxy sees the controller with a redacted endpoint", async () => {
  const result = await runJavaTool('org.apache.kafka.tools.MetadataQuorumCommand', [
    '--bootstrap-server',
    viaProxy.bootstrapServers,
    'describe',
    '--status',
  ]);
  assert.equal(result.exitCode, 0, result.stderr);
  const voters = /CurrentVoters:\s*(.*)/.exec(result.stdout)?.[1] ?? '';
  assert.match(voters, new RegExp(`"id":\\s*${cluster.controllerIds[0]}`), result.stdout);
  assert.ok(voters.includes(`${REDACTED_ENDPOINT.host}:${REDACTED_ENDPOINT.port}`), voters);
  const ports = [...result.stdout.matchAll(/:(\d{1,5})(?!\d)/g)].map((m) => Number(m[1]));
  assert.deepEqual(
    ports.filter((port) => realPorts.has(port)),
    [],
  );
  assert.ok(scanned.has(ApiKey.DESCRIBE_QUORUM));
  assert.deepEqual(leaks, []);
});
