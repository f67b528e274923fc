// /api/status: the traffic of each virtual cluster is read from the Prometheus text /metrics serves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AdminView, adminStatus } from '../../../src/management/admin-status.ts';
import { parseSamples } from '../../../src/observability/exposition.ts';

test('samples are read back with their labels unescaped, comments skipped', () => {
  const text = [
    '# HELP m_total A metric.',
    '# TYPE m_total counter',
    'm_total{a="x",b="q\\"uote\\\\d\\nline"} 3',
    'plain 1.5',
    '',
  ].join('\n');
  assert.deepEqual(
    [...parseSamples(text)],
    [
      { name: 'm_total', labels: { a: 'x', b: 'q"uote\\d\nline' }, value: 3 },
      { name: 'plain', labels: {}, value: 1.5 },
    ],
  );
});

const VIEW: AdminView = {
  state: 'started',
  version: '0.1.0',
  startedAt: '2026-12-03T08:00:00.000Z',
  uptimeSeconds: 5,
  generation: 1,
  reloads: [],
  virtualClusters: [
    {
      name: 'orders',
      state: 'serving',
      since: '2026-12-03T08:00:00.000Z',
      failureReason: null,
      gateways: [],
      routeGraph: null,
      nodes: [],
    },
    {
      name: 'quiet',
      state: 'serving',
      since: '2026-12-03T08:00:00.000Z',
      failureReason: null,
      gateways: [],
      routeGraph: null,
      nodes: [],
    },
  ],
};

test('per virtual cluster: connections, requests, bytes, errors by kind, per-route requests and per-router errors', () => {
  const metrics = `
switchyard_client_connections_active{virtual_cluster="orders",gateway="g1"} 2
switchyard_client_connections_active{virtual_cluster="orders",gateway="g2"} 1
switchyard_client_connections_total{virtual_cluster="orders",gateway="g1"} 7
switchyard_client_requests_total{virtual_cluster="orders",api_key="PRODUCE"} 10
switchyard_client_requests_total{virtual_cluster="orders",api_key="METADATA"} 4
switchyard_client_request_bytes_total{virtual_cluster="orders",api_key="PRODUCE"} 1000
switchyard_client_response_bytes_total{virtual_cluster="orders",api_key="PRODUCE"} 200
switchyard_client_disconnects_total{virtual_cluster="orders",cause="drain_completed"} 5
switchyard_client_disconnects_total{virtual_cluster="orders",cause="upstream_failed"} 1
switchyard_route_errors_total{virtual_cluster="orders",router="split",error="unknown_route"} 2
switchyard_upstream_errors_total{virtual_cluster="orders",cluster="main",error="connect_failed"} 3
switchyard_upstream_connections_active{virtual_cluster="orders",cluster="main"} 4
switchyard_filter_errors_total{virtual_cluster="orders",filter="audit",error="filter_failed"} 1
switchyard_route_requests_total{virtual_cluster="orders",router="split",route="data",api_key="PRODUCE",mode="static"} 6
switchyard_route_requests_total{virtual_cluster="orders",router="split",route="data",api_key="FETCH",mode="static"} 3
switchyard_route_requests_total{virtual_cluster="orders",router="split",route="control",api_key="METADATA",mode="dynamic"} 4
switchyard_client_requests_total{virtual_cluster="elsewhere",api_key="PRODUCE"} 99
`;
  const status = adminStatus(VIEW, metrics, 1234);
  assert.equal(status.sampledAt, 1234);
  assert.equal(status.state, 'started');
  const [orders, quiet] = status.virtualClusters;
  assert.deepEqual(orders?.traffic, {
    connectionsActive: 3,
    connectionsTotal: 7,
    requestsTotal: 14,
    requestBytesTotal: 1000,
    responseBytesTotal: 200,
    errorsTotal: 7,
    errors: { disconnects: 1, routing: 2, upstream: 3, filters: 1 },
    gateways: [
      { gateway: 'g1', connectionsActive: 2 },
      { gateway: 'g2', connectionsActive: 1 },
    ],
    routes: [
      { router: 'split', route: 'data', requestsTotal: 9 },
      { router: 'split', route: 'control', requestsTotal: 4 },
    ],
    routers: [{ router: 'split', errorsTotal: 2 }],
    clusters: [{ cluster: 'main', connectionsActive: 4, errorsTotal: 3 }],
  });
  assert.equal(quiet?.traffic.requestsTotal, 0);
  assert.deepEqual(quiet?.traffic.routes, []);
});
