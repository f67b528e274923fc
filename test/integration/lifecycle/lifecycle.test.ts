// The lifecycle with real traffic: a real Kafka broker behind the real proxy core, in process and
// through the switchyard command.
//   L31 bootstrapAddress() for port 0 · L34 port in use with real gateways ·
//   L39 listeners close first · L40 in-flight answered · L41 no new requests read ·
//   L42 idle connections closed promptly · L43 drainTimeout · L44 parallel drains ·
//   L67 SIGTERM during a fetch · L78/L85 two workers behind one port.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfiguration } from '../../../src/config/index.ts';
import { StructuredLogger } from '../../../src/observability/logger.ts';
import {
  defaultFetchRequest,
  defaultFetchRequestFetchPartition,
  defaultFetchRequestFetchTopic,
} from '../../../src/protocol/generated/messages/fetch-request.ts';
import { defaultMetadataRequest } from '../../../src/protocol/generated/messages/metadata-request.ts';
import { ApiKey, decodeResponseBody, encodeRequest } from '../../../src/protocol/index.ts';
import { ProxyStartupError } from '../../../src/proxy/lifecycle/errors.ts';
import { KafkaProxy } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import { kafkajsCreateTopics } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock } from '../../helpers/switchyard.ts';
import { startCommand } from '../../unit/cli/spawn.ts';
import { http } from '../../unit/lifecycle/fixtures.ts';

const cluster = await useKafkaCluster({ brokers: 1, name: 'lifecycle-drain' });
await kafkajsCreateTopics(cluster.connection(), [{ name: 'idle' }]);

interface VcOptions {
  readonly name: string;
  readonly drainTimeout: string;
  readonly port?: number;
}

async function startProxy(vcs: readonly VcOptions[]): Promise<{ proxy: KafkaProxy; lifetime: Promise<void> }> {
  const yaml = `
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
${vcs
  .map(
    (vc) => `  - name: ${vc.name}
    drainTimeout: ${vc.drainTimeout}
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${vc.port ?? 0}
`,
  )
  .join('')}`;
  const logger = new StructuredLogger({ level: 'warn', format: 'json', sink: { write: () => {} } });
  const proxy = new KafkaProxy(await parseConfiguration(yaml, { sourceName: 'drain.yaml' }), { logger });
  const lifetime = proxy.startup();
  await proxy.whenStarted();
  return { proxy, lifetime };
}

/** A raw Kafka client connection that records response correlation ids and the close. */
class RawClient {
  readonly socket = new Socket();
  readonly responses: number[] = [];
  /** Each response frame (with its size prefix), by correlation id. */
  readonly frames = new Map<number, Buffer>();
  readonly closed: Promise<void>;
  #buffer = Buffer.alloc(0);

  constructor() {
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 8 && this.#buffer.length >= 4 + this.#buffer.readInt32BE(0)) {
        this.responses.push(this.#buffer.readInt32BE(4));
        this.frames.set(this.#buffer.readInt32BE(4), this.#buffer.subarray(0, 4 + this.#buffer.readInt32BE(0)));
        this.#buffer = this.#buffer.subarray(4 + this.#buffer.readInt32BE(0));
      }
    });
  }

  static async connect(address: string): Promise<RawClient> {
    const client = new RawClient();
    const colon = address.lastIndexOf(':');
    await new Promise<void>((resolve, reject) => {
      client.socket.once('error', reject);
      client.socket.connect(Number(address.slice(colon + 1)), address.slice(0, colon), resolve);
    });
    return client;
  }

  /** A FETCH on an empty partition: the broker holds it for `maxWaitMs`. */
  fetch(correlationId: number, maxWaitMs: number): void {
    const partition = { ...defaultFetchRequestFetchPartition(), partitionMaxBytes: 1024 };
    const topic = { ...defaultFetchRequestFetchTopic(), topic: 'idle', partitions: [partition] };
    const body = { ...defaultFetchRequest(), replicaId: -1, maxWaitMs, minBytes: 1, maxBytes: 1024, topics: [topic] };
    this.socket.write(encodeRequest(ApiKey.FETCH, 11, correlationId, 'drain-test', body));
  }

  metadata(correlationId: number): void {
    this.socket.write(
      encodeRequest(ApiKey.METADATA, 1, correlationId, 'drain-test', { ...defaultMetadataRequest(), topics: [] }),
    );
  }

  async response(correlationId: number): Promise<void> {
    while (!this.responses.includes(correlationId)) await new Promise((resolve) => this.socket.once('data', resolve));
  }
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}

const sample = (text: string, series: string) =>
  Number(
    text
      .split('\n')
      .find((l) => l.startsWith(`${series} `))
      ?.slice(series.length + 1) ?? Number.NaN,
  );

async function requestsRead(proxy: KafkaProxy, vc: string, apiKey: string, n: number): Promise<void> {
  await until(
    async () =>
      sample(
        await proxy.metricsText(),
        `switchyard_client_requests_total{virtual_cluster="${vc}",api_key="${apiKey}"}`,
      ) >= n,
  );
}

test('L31: bootstrapAddress() returns the port actually bound for port 0', { timeout: 20_000 }, async () => {
  const { proxy } = await startProxy([{ name: 'demo', drainTimeout: '1s' }]);
  const address = proxy.bootstrapAddress('demo', 'ports');
  assert.match(address, /^127\.0\.0\.1:\d+$/);
  assert.notEqual(address, '127.0.0.1:0');
  const client = await RawClient.connect(address);
  client.metadata(1);
  await client.response(1);
  client.socket.destroy();
  await proxy.shutdown();
});

test('L39–L42: listeners close first, in-flight requests are answered, new requests are not read, then connections close', {
  timeout: 20_000,
}, async () => {
  const { proxy, lifetime } = await startProxy([{ name: 'demo', drainTimeout: '10s' }]);
  const address = proxy.bootstrapAddress('demo', 'ports');
  const busy = await RawClient.connect(address);
  const idle = await RawClient.connect(address);
  idle.metadata(1);
  await idle.response(1);
  busy.fetch(7, 1500);
  await requestsRead(proxy, 'demo', 'FETCH', 1);

  const began = performance.now();
  const stopped = proxy.shutdown();
  // L42: the idle connection is closed promptly, long before the fetch is answered.
  await idle.closed;
  assert.ok(performance.now() - began < 1000, 'idle connection closed promptly');
  // L39: new connections are refused from now on.
  await assert.rejects(RawClient.connect(address), /ECONNREFUSED/);
  // L41: a request sent during the drain is not read.
  busy.metadata(8);
  // L40: the in-flight fetch is answered, then the connection closes.
  await busy.closed;
  assert.deepEqual(busy.responses, [7]);
  await stopped;
  await lifetime;
  const text = await proxy.metricsText();
  assert.equal(sample(text, 'switchyard_client_disconnects_total{virtual_cluster="demo",cause="drain_completed"}'), 2);
  assert.equal(sample(text, 'switchyard_client_requests_total{virtual_cluster="demo",api_key="METADATA"}'), 1);
});

test('L43: after drainTimeout remaining connections are closed and abandoned requests counted', {
  timeout: 20_000,
}, async () => {
  const { proxy } = await startProxy([{ name: 'demo', drainTimeout: '300ms' }]);
  const client = await RawClient.connect(proxy.bootstrapAddress('demo', 'ports'));
  client.fetch(1, 10_000);
  await requestsRead(proxy, 'demo', 'FETCH', 1);
  const began = performance.now();
  await proxy.shutdown();
  await client.closed;
  const elapsed = performance.now() - began;
  assert.ok(elapsed >= 250 && elapsed < 3000, `shutdown took ${elapsed} ms`);
  assert.deepEqual(client.responses, []);
  const text = await proxy.metricsText();
  assert.equal(sample(text, 'switchyard_client_disconnects_total{virtual_cluster="demo",cause="drain_timeout"}'), 1);
  assert.equal(sample(text, 'switchyard_drain_abandoned_requests_total{virtual_cluster="demo"}'), 1);
});

test('L44: virtual clusters drain in parallel: the total is close to the largest drainTimeout', {
  timeout: 20_000,
}, async () => {
  const { proxy } = await startProxy([
    { name: 'one', drainTimeout: '1s' },
    { name: 'two', drainTimeout: '1s' },
  ]);
  const clients = await Promise.all(['one', 'two'].map((vc) => RawClient.connect(proxy.bootstrapAddress(vc, 'ports'))));
  for (const client of clients) client.fetch(1, 20_000);
  await requestsRead(proxy, 'one', 'FETCH', 1);
  await requestsRead(proxy, 'two', 'FETCH', 1);
  const began = performance.now();
  await proxy.shutdown();
  const elapsed = performance.now() - began;
  assert.ok(elapsed >= 900 && elapsed < 1900, `two 1s drains took ${elapsed} ms in total`);
});

test('L34: a gateway address in use fails startup under failProxy, naming address, gateway and VC, leaving no port bound', {
  timeout: 20_000,
}, async () => {
  const occupier = createServer();
  await new Promise<void>((resolve) => occupier.listen(0, '127.0.0.1', resolve));
  const busy = (occupier.address() as { port: number }).port;
  const free = createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const freePort = (free.address() as { port: number }).port;
  await new Promise((resolve) => free.close(resolve));
  try {
    const yaml = `
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: good
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${freePort}
  - name: orders
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${busy}
`;
    const logger = new StructuredLogger({ level: 'error', format: 'json', sink: { write: () => {} } });
    const proxy = new KafkaProxy(await parseConfiguration(yaml), { logger });
    await assert.rejects(proxy.startup(), (error: unknown) => {
      assert.ok(error instanceof ProxyStartupError);
      assert.equal(error.step, "bind virtual cluster 'orders' gateway 'ports'");
      assert.match(
        error.message,
        new RegExp(`cannot bind gateway 'ports' of virtual cluster 'orders' to 127\\.0\\.0\\.1:${busy}: `),
      );
      return true;
    });
    // The other VC's listener was released: its port can be bound again.
    const again = createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(freePort, '127.0.0.1', resolve));
    await new Promise((resolve) => again.close(resolve));
  } finally {
    occupier.close();
  }
});

test('L67: SIGTERM during traffic: the in-flight request is answered and the process exits 0 within the drain timeout', {
  timeout: 30_000,
}, async () => {
  const file = join(tmpdir(), `switchyard-l67-${process.pid}.yaml`);
  writeFileSync(
    file,
    `management:
  bindAddress: 127.0.0.1
  port: 0
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: demo
    drainTimeout: 10s
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:0
`,
  );
  const proxy = startCommand(['--config', file]);
  const management = await proxy.waitForLine((l) => l.msg?.startsWith('management endpoint listening on') ?? false);
  const managementPort = Number(/:(\d+)$/.exec(management.msg ?? '')?.[1]);
  const started = await proxy.waitForLine((l) => l.msg?.startsWith('Switchyard started') ?? false);
  const address = (started.bootstrapAddresses as Record<string, string[]>).demo?.[0];
  assert.ok(address);
  const client = await RawClient.connect(address);
  client.metadata(1);
  await client.response(1);
  client.fetch(2, 1500);
  // The fetch is in flight once the proxy has read it.
  await until(async () => {
    const metrics = (await http(managementPort, '/metrics')).body;
    return sample(metrics, 'switchyard_client_requests_total{virtual_cluster="demo",api_key="FETCH"}') >= 1;
  });
  const began = performance.now();
  proxy.child.kill('SIGTERM');
  await client.closed;
  const result = await proxy.exit;
  assert.equal(result.code, 0);
  assert.deepEqual(client.responses, [1, 2], 'the in-flight fetch was answered before the connection closed');
  assert.ok(performance.now() - began < 10_000, 'within the drain timeout');
});

test('L78/L85: two workers share the gateway ports and present identical broker ids and addresses', {
  timeout: 60_000,
}, async () => {
  const base = await freePortBlock(8);
  const file = join(tmpdir(), `switchyard-l85-${process.pid}.yaml`);
  writeFileSync(
    file,
    `management:
  bindAddress: 127.0.0.1
  port: 0
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: demo
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${base}
`,
  );
  const supervisor = startCommand(['--config', file, '--workers', '2']);
  try {
    const management = await supervisor.waitForLine(
      (l) => l.msg?.startsWith('management endpoint listening on') ?? false,
    );
    const managementPort = Number(/:(\d+)$/.exec(management.msg ?? '')?.[1]);
    await supervisor.waitForLine((l) => l.msg === 'Switchyard started with 2 workers');
    // Connections are handed to the workers in turn, so consecutive ones reach both.
    const views: string[] = [];
    for (let i = 0; i < 4; i++) {
      const client = await RawClient.connect(`127.0.0.1:${base}`);
      client.metadata(1);
      await client.response(1);
      const frame = client.frames.get(1) as Buffer;
      const body = decodeResponseBody(ApiKey.METADATA, 1, frame, 8);
      views.push(JSON.stringify(body.brokers.map((b) => [b.nodeId, b.host, b.port])));
      client.socket.destroy();
      await client.closed;
    }
    assert.equal(new Set(views).size, 1, views.join('\n'));
    const brokers = JSON.parse(views[0] as string) as [number, string, number][];
    assert.ok(brokers.length > 0);
    for (const [, host, port] of brokers) {
      assert.equal(host, '127.0.0.1');
      assert.ok(port > base && port < base + 8, `advertised port ${port} belongs to the gateway`);
    }
    const metrics = (await http(managementPort, '/metrics')).body;
    assert.equal(sample(metrics, 'switchyard_client_requests_total{virtual_cluster="demo",api_key="METADATA"}'), 4);
    supervisor.child.kill('SIGTERM');
    assert.equal((await supervisor.exit).code, 0);
  } finally {
    supervisor.child.kill('SIGKILL');
  }
});

test('L29: after a real proxy with a served connection stops, it leaves no handle behind', {
  timeout: 20_000,
}, async () => {
  const handles = () =>
    process
      .getActiveResourcesInfo()
      .filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap' && r !== 'ProcessWrap')
      .sort();
  await new Promise((resolve) => setImmediate(resolve));
  const before = handles();
  const { proxy, lifetime } = await startProxy([{ name: 'demo', drainTimeout: '5s' }]);
  const client = await RawClient.connect(proxy.bootstrapAddress('demo', 'ports'));
  client.metadata(1);
  await client.response(1);
  client.socket.destroy();
  await client.closed;
  await proxy.shutdown();
  await lifetime;
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(handles(), before);
});
