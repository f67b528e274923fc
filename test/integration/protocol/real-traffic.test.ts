// The codec against what real clients and a real broker actually send: every request and response
// frame exchanged through the proxy while the Java tools, kcat, kafkajs and @platformatic/kafka
// produce, consume in groups, administer topics and run transactions must decode and re-encode to
// the very same bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  apiKeyName,
  decodeRequestBody,
  decodeResponseBody,
  encodeRequest,
  encodeResponse,
  readRequestHeader,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import { javaDescribeGroupOffsets, javaDescribeTopic } from '../../helpers/clients/java-admin.ts';
import { javaConsoleConsume, javaConsoleProduce } from '../../helpers/clients/java-console.ts';
import { javaVerifiableProducer } from '../../helpers/clients/java-perf.ts';
import { kafkajsClient, kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { kcatConsume, kcatMetadata, kcatProduce } from '../../helpers/clients/kcat.ts';
import { platformaticConsume, platformaticProduce } from '../../helpers/clients/platformatic.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

const cluster = await useKafkaCluster({ brokers: 1, name: 'real-traffic' });
const requests: Buffer[] = [];
const responses: { apiKey: number; apiVersion: number; frame: Buffer }[] = [];
const ports = await freePortBlock(4);
const running = await useProxy(
  `
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: capture
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports}
`,
  {
    // Copies: request frames are forwarded (and their correlation ids rewritten) in place.
    inspectRequest: (frame) => requests.push(Buffer.from(frame)),
    inspectResponse: (apiKey, apiVersion, frame) => responses.push({ apiKey, apiVersion, frame: Buffer.from(frame) }),
  },
);
const viaProxy = { bootstrapServers: running.bootstrap('capture', 'ports') };

test('every frame of a varied real-client workload decodes and re-encodes to identical bytes', async (t) => {
  await kafkajsCreateTopics(viaProxy, [{ name: 'traffic', partitions: 3, replicationFactor: 1 }]);
  await kcatMetadata(viaProxy);
  await kafkajsProduce(viaProxy, 'traffic', [{ key: 'a', value: 'kafkajs', headers: { h: 'v' } }]);
  await platformaticProduce(viaProxy, 'traffic', [{ key: 'b', value: 'platformatic' }]);
  await kcatProduce(viaProxy, 'traffic', [{ value: 'kcat', partition: 1 }]);
  await javaConsoleProduce(viaProxy, 'traffic', [{ key: 'c', value: 'java' }]);
  await javaVerifiableProducer(viaProxy, { topic: 'traffic', messages: 50 });
  const producer = kafkajsClient(viaProxy).producer({
    transactionalId: 'capture-tx',
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const transaction = await producer.transaction();
  await transaction.send({ topic: 'traffic', messages: [{ value: 'in-transaction' }] });
  await transaction.commit();
  await producer.disconnect();
  await kafkajsConsume(viaProxy, { topic: 'traffic', groupId: 'capture-kafkajs', count: 55 });
  await platformaticConsume(viaProxy, { topic: 'traffic', groupId: 'capture-platformatic', count: 55 });
  await kcatConsume(viaProxy, { topic: 'traffic', groupId: 'capture-kcat', count: 55 });
  await javaConsoleConsume(viaProxy, { topic: 'traffic', groupId: 'capture-java', count: 55 });
  await javaDescribeTopic(viaProxy, 'traffic');
  await javaDescribeGroupOffsets(viaProxy, 'capture-java');

  const mismatches: string[] = [];
  const apis = new Set<string>();
  for (const frame of requests) {
    const header = readRequestHeader(frame);
    const name = `${apiKeyName(header.apiKey)} v${header.apiVersion} request`;
    apis.add(`${apiKeyName(header.apiKey)}`);
    const body = decodeRequestBody(header.apiKey, header.apiVersion, frame, header.bodyOffset);
    const again = encodeRequest(header.apiKey, header.apiVersion, header.correlationId, header.clientId, body as never);
    if (!again.equals(frame)) mismatches.push(name);
  }
  for (const { apiKey, apiVersion, frame } of responses) {
    const header = readResponseHeader(frame, responseHeaderVersion(apiKey, apiVersion));
    const body = decodeResponseBody(apiKey, apiVersion, frame, header.bodyOffset);
    const again = encodeResponse(apiKey, apiVersion, header.correlationId, body as never);
    if (!again.equals(frame)) mismatches.push(`${apiKeyName(apiKey)} v${apiVersion} response`);
  }
  assert.deepEqual([...new Set(mismatches)], []);
  for (const api of ['PRODUCE', 'FETCH', 'METADATA', 'FIND_COORDINATOR', 'JOIN_GROUP', 'SYNC_GROUP', 'OFFSET_COMMIT']) {
    assert.ok(apis.has(api), `the workload exercised ${api} (saw ${[...apis].sort().join(', ')})`);
  }
  for (const api of ['INIT_PRODUCER_ID', 'ADD_PARTITIONS_TO_TXN', 'END_TXN', 'LIST_OFFSETS', 'CREATE_TOPICS']) {
    assert.ok(apis.has(api), `the workload exercised ${api}`);
  }
  assert.ok(requests.length > 100, `${requests.length} request frames captured`);
  t.diagnostic(`${requests.length} requests and ${responses.length} responses of ${apis.size} APIs round-tripped`);
});
