// Filter results through a real proxy and a real broker, with a filter loaded from a user's module
// file named by a relative `type`: forward modified, drop, short-circuit, error, close; async
// hooks under pipelining; out-of-band requests; the time limit; failures that stay in their
// session; and frames no filter declared staying undecoded.
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiKey, ErrorCode } from '../../../src/index.ts';
import type { DecodeEvent } from '../../../src/pipeline/diagnostics.ts';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/index.ts';
import { kafkajsClient, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';
import { observed } from './fixtures/behaviours.ts';
import { fetchFrame, fetchPartition, produceFrame, producePartition } from './frames.ts';
import { rawConnection } from './raw-client.ts';

const cluster = await useKafkaCluster({ brokers: 1, name: 'filter-results' });
const direct = { bootstrapServers: cluster.bootstrapServers };
// One at a time: kafkajs' wait for leaders gives up on many new topics of a just-started broker.
for (const name of [
  'alias-a',
  'renamed-a',
  'drop-a',
  'answer-a',
  'deny-a',
  'close-a',
  'slow-t',
  'stall-a',
  'boom-a',
  'plain',
]) {
  await kafkajsCreateTopics(direct, [{ name }]);
}

// The gateway's certificate and a client certificate for 'alice', from one CA.
const certificates = mkdtempSync(join(tmpdir(), 'switchyard-filter-tls-'));
const ca = createCertificateAuthority(certificates, 'switchyard-test-filter-ca');
const gatewayCertificate = issueCertificate(ca, certificates, 'gateway');
const alice = issueCertificate(ca, certificates, 'alice');

const behavioursPort = await freePortBlock(4);
const probePort = await freePortBlock(4);
const tlsPort = await freePortBlock(4);
const running = await useProxy(`
network:
  session:
    filterTimeout: 1s
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
filterDefinitions:
  - name: behaviours
    type: ./test/integration/filters/fixtures/behaviours.ts#Behaviours
  - name: create-topics-only
    type: ./test/integration/filters/fixtures/behaviours.ts#CreateTopicsOnly
  - name: identity
    type: ./test/integration/filters/fixtures/behaviours.ts#Identity
virtualClusters:
  - name: behaviours
    target: { cluster: main }
    filters: [behaviours]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${behavioursPort}
  - name: probe
    target: { cluster: main }
    filters: [create-topics-only]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${probePort}
  - name: mtls
    target: { cluster: main }
    filters: [identity]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${tlsPort}
        tls:
          key:
            certificateFile: ${gatewayCertificate.certFile}
            privateKeyFile: ${gatewayCertificate.keyFile}
          trust:
            storeFile: ${ca.certFile}
            clientAuth: REQUIRED
`);
const proxied = running.bootstrap('behaviours', 'ports');

async function offsetsOf(topic: string): Promise<number> {
  const admin = kafkajsClient(direct).admin();
  await admin.connect();
  try {
    const [partition] = await admin.fetchTopicOffsets(topic);
    return Number(partition!.high);
  } finally {
    await admin.disconnect();
  }
}

test('forward modified: records produced to alias-a land in renamed-a', async () => {
  await kafkajsProduce({ bootstrapServers: proxied }, 'alias-a', [{ value: 'one' }, { value: 'two' }]);
  assert.equal(await offsetsOf('renamed-a'), 2);
  assert.equal(await offsetsOf('alias-a'), 0);
});

test('drop: an acks=0 produce is never written and the connection keeps serving', async () => {
  const connection = await rawConnection(proxied);
  try {
    const nothing = connection.request(await produceFrame(1, 'drop-a', ['lost'], { acks: 0 }));
    void nothing;
    const answer = producePartition(await connection.request(await produceFrame(2, 'plain', ['kept'])));
    assert.equal(answer.errorCode, ErrorCode.NONE);
    assert.equal(await offsetsOf('drop-a'), 0);
  } finally {
    connection.close();
  }
});

test('drop of a request the client waits for closes the connection', async () => {
  const connection = await rawConnection(proxied);
  void connection.request(await produceFrame(1, 'drop-a', ['lost']));
  await connection.closed;
  assert.equal(await offsetsOf('drop-a'), 0);
});

test('short-circuit: the filter answers the produce itself and nothing reaches the broker', async () => {
  const connection = await rawConnection(proxied);
  try {
    const answer = producePartition(await connection.request(await produceFrame(1, 'answer-a', ['x'])));
    assert.deepEqual(answer, { errorCode: ErrorCode.NONE, baseOffset: 4242n });
    assert.equal(await offsetsOf('answer-a'), 0);
  } finally {
    connection.close();
  }
});

test('error: the client gets the produce error response with the code, and kafkajs reports it', async () => {
  const connection = await rawConnection(proxied);
  try {
    const answer = producePartition(await connection.request(await produceFrame(1, 'deny-a', ['x'])));
    assert.equal(answer.errorCode, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  } finally {
    connection.close();
  }
  await assert.rejects(kafkajsProduce({ bootstrapServers: proxied }, 'deny-a', [{ value: 'x' }]), /authoriz/i);
  assert.equal(await offsetsOf('deny-a'), 0);
});

test('close: the response is delivered, then the proxy closes the connection', async () => {
  const connection = await rawConnection(proxied);
  const answer = producePartition(await connection.request(await produceFrame(1, 'close-a', ['x'])));
  assert.equal(answer.errorCode, ErrorCode.NONE);
  await connection.closed;
  assert.equal(await offsetsOf('close-a'), 1);
});

test('async hooks keep the order of 20 pipelined requests, upstream and back to the client', async () => {
  observed.slowOrder.length = 0;
  const connection = await rawConnection(proxied);
  try {
    const frames = await Promise.all(
      Array.from({ length: 20 }, (_, i) => produceFrame(100 + i, 'slow-t', [`v${i}`], { clientId: String(i) })),
    );
    const responses = await Promise.all(connection.pipeline(frames));
    const offsets = responses.map((frame) => producePartition(frame).baseOffset);
    assert.deepEqual(
      offsets,
      offsets.map((_, i) => offsets[0]! + BigInt(i)),
      'the broker appended them in request order',
    );
    assert.deepEqual(
      observed.slowOrder,
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
  } finally {
    connection.close();
  }
});

test('out-of-band: a filter asks the cluster for metadata while handling CREATE_TOPICS', async () => {
  observed.outOfBandBrokerCounts.length = 0;
  await kafkajsCreateTopics({ bootstrapServers: proxied }, [{ name: 'created-through-filter' }]);
  assert.deepEqual(observed.outOfBandBrokerCounts, [1]);
  const admin = kafkajsClient(direct).admin();
  await admin.connect();
  try {
    assert.ok((await admin.listTopics()).includes('created-through-filter'));
  } finally {
    await admin.disconnect();
  }
});

test('a hook that never settles closes its connection after network.session.filterTimeout', async () => {
  const connection = await rawConnection(proxied);
  const started = Date.now();
  void connection.request(await produceFrame(1, 'stall-a', ['x']));
  await connection.closed;
  assert.ok(Date.now() - started >= 900, 'not before the limit');
  assert.ok(
    running.logs.some((line) =>
      String(line.msg ?? line.message).includes('did not complete onProduceRequest() within 1000 ms'),
    ),
    'the reason is logged',
  );
});

test('a filter that throws closes its own connection only', async () => {
  const healthy = await rawConnection(proxied);
  const broken = await rawConnection(proxied);
  try {
    void broken.request(await produceFrame(1, 'boom-a', ['x']));
    await broken.closed;
    const answer = producePartition(await healthy.request(await produceFrame(1, 'plain', ['still here'])));
    assert.equal(answer.errorCode, ErrorCode.NONE);
    const metrics = await running.proxy.metricsText();
    assert.match(
      metrics,
      /switchyard_filter_errors_total\{virtual_cluster="behaviours",filter="behaviours",error="filter_failed"\} [1-9]/,
    );
  } finally {
    healthy.close();
  }
});

test('a chain interested only in CREATE_TOPICS leaves PRODUCE and FETCH undecoded', async () => {
  const decoded: string[] = [];
  const onDecode = (event: unknown): void => {
    const { direction, apiKey } = event as DecodeEvent;
    decoded.push(`${direction} ${apiKey}`);
  };
  subscribe('switchyard:decode', onDecode);
  try {
    const address = running.bootstrap('probe', 'ports');
    await kafkajsCreateTopics({ bootstrapServers: address }, [{ name: 'probed' }]);
    const connection = await rawConnection(address);
    try {
      assert.equal(producePartition(await connection.request(await produceFrame(1, 'probed', ['a']))).errorCode, 0);
      const fetched = fetchPartition(await connection.request(fetchFrame(2, 'probed')));
      assert.equal(fetched.errorCode, 0);
      assert.ok(fetched.records !== null && fetched.records.length > 0);
    } finally {
      connection.close();
    }
    assert.ok(decoded.includes(`request ${ApiKey.CREATE_TOPICS}`));
    assert.deepEqual(
      decoded.filter((entry) => entry.endsWith(` ${ApiKey.PRODUCE}`) || entry.endsWith(` ${ApiKey.FETCH}`)),
      [],
    );
  } finally {
    unsubscribe('switchyard:decode', onDecode);
  }
});

test('a client certificate verified by the gateway is the subject filters see', async () => {
  observed.identities.length = 0;
  await kafkajsProduce(
    {
      bootstrapServers: running.bootstrap('mtls', 'ports'),
      tls: { caFile: ca.certFile, certFile: alice.certFile, keyFile: alice.keyFile },
    },
    'plain',
    [{ value: 'from alice' }],
  );
  assert.deepEqual(observed.identities[0], { principals: ['User:CN=alice'], certificateCommonName: 'alice' });
});
