// What clients that never authenticate can cost the proxy: metric series, log lines, connections,
// time holding a connection with a request that never completes, and upstream discovery
// connections. Each is bounded by the configuration, whatever the clients send.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { ApiKey, encodeRequest } from '../../../src/protocol/index.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, type RunningProxy, useProxy } from '../../helpers/switchyard.ts';
import { rawConnection } from '../filters/raw-client.ts';

const cluster = await useKafkaCluster({ brokers: 1, name: 'untrusted-clients' });

function proxyYaml(
  ports: readonly number[],
  network: string,
  gateway: (port: number) => string = (port) => `bootstrapAddress: 127.0.0.1:${port}`,
): string {
  return `
network:
${network}
clusterDefinitions:
  - name: kafka
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
${ports
  .map(
    (port, i) => `
  - name: vc${i}
    target: { cluster: kafka }
    gateways:
      - name: ports
        portIdentifiesNode:
          ${gateway(port)}`,
  )
  .join('')}
`;
}

/** The value of one series in the proxy's metrics text (0 when absent). */
async function metric(running: RunningProxy, series: string): Promise<number> {
  const line = (await running.proxy.metricsText()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

function apiVersionsFrame(correlationId: number): Buffer {
  return encodeRequest(ApiKey.API_VERSIONS, 3, correlationId, 'untrusted', {
    clientSoftwareName: 'untrusted',
    clientSoftwareVersion: '1',
    clusterId: null,
    nodeId: -1,
  });
}

/** A request header with a client-chosen api key and version, and no body. */
function junkFrame(apiKey: number, apiVersion: number): Buffer {
  const frame = Buffer.alloc(14);
  frame.writeInt32BE(10, 0);
  frame.writeInt16BE(apiKey, 4);
  frame.writeInt16BE(apiVersion, 6);
  frame.writeInt32BE(1, 8);
  frame.writeInt16BE(-1, 12);
  return frame;
}

function openSocket(address: string): Promise<Socket> {
  const [host, port] = address.split(':');
  const socket = connect(Number(port), host);
  socket.on('error', () => {});
  return once(socket, 'connect').then(() => socket);
}

/** Whether the proxy kept the connection: it answers API_VERSIONS, or it closes the connection. */
async function admitted(address: string): Promise<{ admitted: boolean; close: () => void }> {
  const connection = await rawConnection(address);
  const outcome = await Promise.race([
    connection.request(apiVersionsFrame(7)).then(() => true),
    connection.closed.then(() => false),
  ]);
  return { admitted: outcome, close: connection.close };
}

test('junk frames with random api keys add a bounded number of metric series', async () => {
  const [port] = [await freePortBlock(2)];
  const running = await useProxy(proxyYaml([port!], '  onVirtualClusterFailure: failProxy'));
  const address = running.bootstrap('vc0', 'ports');
  const linesBefore = (await running.proxy.metricsText()).split('\n').length;
  // Keys Switchyard does not know, chosen by the client: negative ones and those above any real key.
  const frames = Array.from({ length: 400 }, (_, i) =>
    junkFrame(i % 2 === 0 ? -1 - i : 1000 + i * 37, (i * 13) % 32768),
  );
  for (let i = 0; i < frames.length; i += 50) {
    await Promise.all(
      frames.slice(i, i + 50).map(async (frame) => {
        const socket = await openSocket(address);
        socket.write(frame);
        await once(socket, 'close');
      }),
    );
  }
  const text = await running.proxy.metricsText();
  const apiKeys = new Set([...text.matchAll(/api_key="([^"]*)"/g)].map((m) => m[1]));
  assert.deepEqual([...apiKeys], ['unknown']);
  assert.equal(await metric(running, 'switchyard_client_requests_total{virtual_cluster="vc0",api_key="unknown"}'), 400);
  const growth = text.split('\n').length - linesBefore;
  assert.ok(growth <= 20, `400 junk frames added ${growth} lines to /metrics`);
});

test('warnings caused by unauthenticated clients are rate-limited', async () => {
  const port = await freePortBlock(2);
  const running = await useProxy(proxyYaml([port], '  onVirtualClusterFailure: failProxy'));
  const address = running.bootstrap('vc0', 'ports');
  const started = performance.now();
  for (let i = 0; i < 300; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, async (_, j) => {
        const socket = await openSocket(address);
        // A size prefix that is negative: a malformed frame, warned about and closed.
        socket.write(j % 2 === 0 ? Buffer.from([0xff, 0xff, 0xff, 0xf0]) : junkFrame(-7, 0));
        await once(socket, 'close');
      }),
    );
  }
  const seconds = Math.ceil((performance.now() - started) / 1000);
  const caused = /^malformed request frame|unknown api key/;
  const warnings = running.logs.filter((line) => line.level === 'warn' && caused.test(String(line.msg)));
  // The burst of 10, plus one per second the flood lasted.
  assert.ok(warnings.length <= 10 + seconds + 1, `${warnings.length} warnings for 300 bad connections`);
  assert.ok(warnings.length >= 10, 'the first warnings are still logged');
  const suppressed = await metric(running, 'switchyard_warnings_suppressed_total');
  assert.equal(suppressed + warnings.length, 300);
});

test('a request that trickles in is closed at the request read timeout, however often bytes arrive', async () => {
  const port = await freePortBlock(2);
  const running = await useProxy(proxyYaml([port], '  session: { requestReadTimeout: 1s }'));
  const socket = await openSocket(running.bootstrap('vc0', 'ports'));
  const closed = once(socket, 'close');
  const frame = apiVersionsFrame(1);
  // One byte every 50 ms: each resets any idle timer, and the frame would take seconds to complete.
  let sent = 0;
  const trickle = setInterval(() => {
    if (sent < frame.length - 1 && !socket.destroyed) socket.write(frame.subarray(sent, ++sent));
  }, 50);
  await closed;
  clearInterval(trickle);
  assert.ok(sent < frame.length - 1, 'the connection closed before the request was complete');
  assert.equal(
    await metric(running, 'switchyard_client_disconnects_total{virtual_cluster="vc0",cause="request_timeout"}'),
    1,
  );
});

test('connections beyond the per-gateway and per-address limits are refused and counted', async () => {
  const ports = [await freePortBlock(2), await freePortBlock(2)];
  const running = await useProxy(
    proxyYaml(ports, '  overload: { maxConnectionsPerGateway: 3, maxConnectionsPerClientAddress: 5 }'),
  );
  const first = running.bootstrap('vc0', 'ports');
  const second = running.bootstrap('vc1', 'ports');
  const onFirst = [];
  for (let i = 0; i < 4; i++) onFirst.push(await admitted(first));
  assert.deepEqual(
    onFirst.map((c) => c.admitted),
    [true, true, true, false],
  );
  const onSecond = [];
  for (let i = 0; i < 3; i++) onSecond.push(await admitted(second));
  // Three on the first gateway and two on the second: the address has its five.
  assert.deepEqual(
    onSecond.map((c) => c.admitted),
    [true, true, false],
  );
  assert.equal(
    await metric(
      running,
      'switchyard_client_connections_refused_total{virtual_cluster="vc0",gateway="ports",reason="gateway_limit"}',
    ),
    1,
  );
  assert.equal(
    await metric(
      running,
      'switchyard_client_connections_refused_total{virtual_cluster="vc1",gateway="ports",reason="address_limit"}',
    ),
    1,
  );
  // A closed connection gives its place back.
  onFirst[0]!.close();
  await new Promise((resolve) => setImmediate(resolve));
  let again = await admitted(first);
  for (let attempt = 0; !again.admitted && attempt < 20; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    again = await admitted(first);
  }
  assert.ok(again.admitted);
  for (const c of [...onFirst, ...onSecond, again]) c.close();
});

test('sessions bound to unknown broker ids share one discovery instead of one connection each', async () => {
  const port = await freePortBlock(8);
  const running = await useProxy(
    proxyYaml(
      [port],
      '  onVirtualClusterFailure: failProxy',
      (p) => `bootstrapAddress: 127.0.0.1:${p}
          nodeIdRanges: [{ name: unknown, start: 100, end: 105 }]`,
    ),
  );
  // Node ports 100..105 exist on the gateway, but the cluster has no such brokers.
  const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => admitted(`127.0.0.1:${port + 1 + (i % 6)}`)));
  assert.ok(outcomes.every((o) => !o.admitted));
  const queried = await metric(running, 'switchyard_address_discoveries_total{virtual_cluster="vc0",result="queried"}');
  const cached = await metric(running, 'switchyard_address_discoveries_total{virtual_cluster="vc0",result="cached"}');
  assert.equal(queried + cached, 30);
  assert.ok(queried <= 2, `${queried} discovery connections for 30 sessions`);
});
