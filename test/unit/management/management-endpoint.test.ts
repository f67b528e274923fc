// L55–L60: the management endpoint, through a proxy (fake core) and on its own.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManagementServer } from '../../../src/management/management-server.ts';
import { proxyInternals } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import { gate, harness, http } from '../lifecycle/fixtures.ts';

/** Sources of endpoints without the admin page are never asked for its view. */
const noAdminView = (): never => {
  throw new Error('the admin page is not enabled');
};

test('L55: without a management section no management listener is opened', async () => {
  const h = harness({ management: false });
  const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
  const before = servers();
  h.proxy.startup();
  await h.proxy.whenStarted();
  assert.equal(proxyInternals(h.proxy).managementAddress(), null);
  assert.equal(servers(), before);
  await h.proxy.shutdown();
});

test('L56: /livez answers 200 while the endpoint is up', async () => {
  const h = harness({ management: true });
  h.proxy.startup();
  await h.proxy.whenStarted();
  const port = proxyInternals(h.proxy).managementAddress()?.port ?? 0;
  const reply = await http(port, '/livez');
  assert.equal(reply.status, 200);
  assert.deepEqual(JSON.parse(reply.body), { status: 'live' });
  assert.equal(reply.headers['cache-control'], 'no-store');
  await h.proxy.shutdown();
});

test('L57: /readyz answers 503 in STARTING, 200 in STARTED with every VC serving, 503 from STOPPING on', async () => {
  const bound = gate();
  const drained = gate<{ abandonedRequests: number }>();
  const h = harness({ management: true }, (vc) => {
    vc.bindStep = () => bound.promise;
    vc.drainStep = () => drained.promise;
  });
  h.proxy.startup();
  while (!h.runtime.log.includes('demo.bind')) await new Promise((r) => setImmediate(r));
  const port = proxyInternals(h.proxy).managementAddress()?.port ?? 0;
  const starting = await http(port, '/readyz');
  assert.equal(starting.status, 503);
  assert.deepEqual(JSON.parse(starting.body), {
    status: 'not ready',
    reasons: ['proxy state is starting', "virtual cluster 'demo' is initializing"],
  });
  bound.resolve();
  await h.proxy.whenStarted();
  const started = await http(port, '/readyz');
  assert.equal(started.status, 200);
  assert.deepEqual(JSON.parse(started.body), { status: 'ready' });
  const stopped = h.proxy.shutdown();
  const stopping = await http(port, '/readyz');
  assert.equal(stopping.status, 503);
  assert.deepEqual(JSON.parse(stopping.body).reasons, [
    'proxy state is stopping',
    "virtual cluster 'demo' is draining",
  ]);
  drained.resolve({ abandonedRequests: 0 });
  await stopped;
});

test('L58: /metrics serves Prometheus text including switchyard_proxy_state{state="started"} 1 in STARTED', async () => {
  const h = harness({ management: true });
  h.proxy.startup();
  await h.proxy.whenStarted();
  const port = proxyInternals(h.proxy).managementAddress()?.port ?? 0;
  const reply = await http(port, '/metrics');
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(reply.body, /^switchyard_proxy_state\{state="started"\} 1$/m);
  assert.match(reply.body, /^# TYPE switchyard_proxy_state gauge$/m);
  await h.proxy.shutdown();
});

test('L59: /status returns the documented JSON with each VC state, failure reason, gateways and bound ports', async () => {
  const h = harness({ management: true, virtualClusters: ['orders', 'analytics'], policy: 'serveOthers' }, (vc) => {
    if (vc.name === 'analytics')
      vc.initializeStep = async () => Promise.reject(new Error("router 'by-topic' failed to initialize"));
  });
  h.proxy.startup();
  await h.proxy.whenStarted();
  const port = proxyInternals(h.proxy).managementAddress()?.port ?? 0;
  const reply = await http(port, '/status');
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-type'], 'application/json');
  const status = JSON.parse(reply.body);
  assert.deepEqual(Object.keys(status), [
    'state',
    'version',
    'startedAt',
    'uptimeSeconds',
    'generation',
    'lastReload',
    'virtualClusters',
  ]);
  assert.equal(status.state, 'started');
  assert.deepEqual([status.generation, status.lastReload], [1, null], 'no reload yet');
  assert.match(status.version, /^\d+\.\d+\.\d+/);
  assert.ok(!Number.isNaN(Date.parse(status.startedAt)));
  assert.equal(typeof status.uptimeSeconds, 'number');
  const [orders, analytics] = status.virtualClusters;
  assert.deepEqual(Object.keys(orders), ['name', 'state', 'since', 'failureReason', 'gateways']);
  assert.deepEqual(
    { ...orders, since: undefined },
    {
      name: 'orders',
      state: 'serving',
      since: undefined,
      failureReason: null,
      gateways: [{ name: 'ports', bootstrapAddress: '127.0.0.1:0', boundPorts: [19092, 19093] }],
    },
  );
  assert.deepEqual(
    { ...analytics, since: undefined },
    {
      name: 'analytics',
      state: 'failed',
      since: undefined,
      failureReason: "router 'by-topic' failed to initialize",
      gateways: [],
    },
  );
  await h.proxy.shutdown();
});

test('L60: unknown paths answer 404; methods other than GET and HEAD answer 405 with Allow', async () => {
  const server = new ManagementServer(
    {
      readiness: () => ({ ready: true, reasons: [] }),
      status: async () => ({}),
      metricsText: async () => 'm 1\n',
      adminView: noAdminView,
    },
    { host: '127.0.0.1', port: 0 },
  );
  await server.listen();
  try {
    const { port } = server.address();
    assert.equal((await http(port, '/nope')).status, 404);
    assert.equal((await http(port, '/')).status, 404);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const reply = await http(port, '/livez', method);
      assert.equal(reply.status, 405, method);
      assert.equal(reply.headers.allow, 'GET, HEAD');
    }
    const head = await http(port, '/metrics', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal((await http(port, '/metrics?x=1')).body, 'm 1\n');
  } finally {
    await server.close();
  }
});

test('the endpoint closes idle keep-alive connections when it closes', async () => {
  const server = new ManagementServer(
    {
      readiness: () => ({ ready: true, reasons: [] }),
      status: async () => ({}),
      metricsText: async () => '',
      adminView: noAdminView,
    },
    { host: '127.0.0.1', port: 0 },
  );
  await server.listen();
  const { port } = server.address();
  const agentReply = await fetch(`http://127.0.0.1:${port}/livez`, { keepalive: true });
  await agentReply.text();
  await server.close();
  await assert.rejects(http(port, '/livez'), /ECONNREFUSED/);
});

test('the admin page and /api/status answer 404 unless management.ui.enabled is true', async () => {
  const h = harness({ management: true });
  h.proxy.startup();
  await h.proxy.whenStarted();
  const port = proxyInternals(h.proxy).managementAddress()?.port ?? 0;
  for (const path of ['/ui', '/ui/', '/ui/app.js', '/ui/style.css', '/api/status']) {
    assert.equal((await http(port, path)).status, 404, path);
  }
  await h.proxy.shutdown();
});

test('with the admin page enabled, /ui serves the page, its script and style under a same-origin-only policy', async () => {
  const h = harness({ management: true, ui: true });
  h.proxy.startup();
  await h.proxy.whenStarted();
  const port = proxyInternals(h.proxy).managementAddress()?.port ?? 0;
  for (const [path, type] of [
    ['/ui', 'text/html; charset=utf-8'],
    ['/ui/', 'text/html; charset=utf-8'],
    ['/ui/app.js', 'text/javascript; charset=utf-8'],
    ['/ui/style.css', 'text/css; charset=utf-8'],
  ] as const) {
    const reply = await http(port, path);
    assert.equal(reply.status, 200, path);
    assert.equal(reply.headers['content-type'], type, path);
    assert.match(String(reply.headers['content-security-policy']), /default-src 'none'; script-src 'self'/, path);
    assert.equal(reply.headers['x-content-type-options'], 'nosniff', path);
  }
  assert.match((await http(port, '/ui')).body, /<script type="module" src="\/ui\/app\.js">/);
  assert.equal((await http(port, '/ui', 'POST')).status, 405);
  await h.proxy.shutdown();
});

test('/api/status reports each VC with its gateways, route graph, virtual nodes and traffic counters', async () => {
  const h = harness(
    { management: true, ui: true, virtualClusters: ['orders', 'analytics'], policy: 'serveOthers' },
    (vc) => {
      if (vc.name === 'analytics') vc.initializeStep = async () => Promise.reject(new Error('no'));
    },
  );
  h.proxy.startup();
  await h.proxy.whenStarted();
  const port = proxyInternals(h.proxy).managementAddress()?.port ?? 0;
  const before = Date.now();
  const reply = await http(port, '/api/status');
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-type'], 'application/json');
  const status = JSON.parse(reply.body);
  assert.deepEqual(Object.keys(status), [
    'state',
    'version',
    'startedAt',
    'uptimeSeconds',
    'generation',
    'lastReload',
    'virtualClusters',
    'reloads',
    'sampledAt',
  ]);
  assert.deepEqual(status.reloads, [], 'no reload yet');
  assert.ok(status.sampledAt >= before);
  const [orders, analytics] = status.virtualClusters;
  assert.deepEqual(
    { ...orders, since: undefined },
    {
      name: 'orders',
      state: 'serving',
      since: undefined,
      failureReason: null,
      gateways: [
        {
          name: 'ports',
          bootstrapAddress: '127.0.0.1:0',
          boundBootstrapAddress: '127.0.0.1:19092',
          boundPorts: [19092, 19093],
        },
      ],
      routeGraph: { filters: [], target: { kind: 'cluster', cluster: 'main', bootstrapServers: ['kafka:9092'] } },
      nodes: [{ id: 0, upstream: 'kafka:9092' }],
      traffic: {
        connectionsActive: 0,
        connectionsTotal: 0,
        requestsTotal: 0,
        requestBytesTotal: 0,
        responseBytesTotal: 0,
        errorsTotal: 0,
        errors: { disconnects: 0, routing: 0, upstream: 0, filters: 0 },
        gateways: [],
        routes: [],
        routers: [],
        clusters: [],
      },
    },
  );
  assert.equal(analytics.state, 'failed');
  assert.deepEqual(analytics.gateways, []);
  await h.proxy.shutdown();
});
