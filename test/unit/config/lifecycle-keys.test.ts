// `management`, `network` and `drainTimeout` (lifecycle.md §4, L63, L64) and `network.session`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../../src/config/values.ts';
import { load, rejected, vc } from './helpers.ts';

const BASE = `
clusterDefinitions:
  - { name: main, bootstrapServers: "kafka:9092" }`;

function withDrainTimeout(value: string): string {
  return `${BASE}
virtualClusters:
  - name: demo
    target: { cluster: main }
    drainTimeout: ${value}
    gateways: [{ name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
`;
}

test('L63: drainTimeout accepts durations such as 500ms, 10s and 1m30s', async () => {
  for (const [text, ms] of [
    ['500ms', 500],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['0s', 0],
    ['1h', 3_600_000],
  ] as const) {
    const { model } = await load(withDrainTimeout(text));
    assert.equal(model.virtualClusters[0]?.drainTimeoutMs, ms, text);
  }
});

test('L63: drainTimeout defaults to 10 s', async () => {
  const { model } = await load(`${BASE}\nvirtualClusters:${vc('{ cluster: main }')}\n`);
  assert.equal(model.virtualClusters[0]?.drainTimeoutMs, 10_000);
});

test('L63: drainTimeout rejects bare numbers, negative values and unknown units (VL1)', async () => {
  for (const text of ['10', '-5s', '10d', '"s"', '""']) {
    const lines = await rejected(withDrainTimeout(text));
    const raw = text.startsWith('"') ? JSON.parse(text) : text;
    assert.deepEqual(lines, [
      `test.yaml:7:19: error: Virtual cluster 'demo' has an invalid drainTimeout '${raw}': expected a duration such as 500ms, 10s or 1m30s (at virtualClusters[0].drainTimeout)`,
    ]);
  }
});

test('durations are sums of <number><unit> parts', () => {
  assert.equal(parseDuration('1h2m3s4ms'), 3_723_004);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('10 s'), undefined);
  assert.equal(parseDuration('s10'), undefined);
});

test('L64: invalid management and network values are rejected with the messages of VL2–VL5', async () => {
  const lines = await rejected(`
management:
  bindAddress: "bad host!"
  port: 65536
network:
  onVirtualClusterFailure: stopAll
  proxy:
    workerThreadCount: 0
${BASE.trim()}
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.deepEqual(lines, [
    "test.yaml:3:16: error: management.bindAddress 'bad host!' is not a valid IP address or host name (at management.bindAddress)",
    'test.yaml:4:9: error: management.port must be an integer from 0 to 65535, but is 65536 (at management.port)',
    "test.yaml:6:28: error: network.onVirtualClusterFailure must be one of 'failProxy', 'serveOthers', but is 'stopAll' (at network.onVirtualClusterFailure)",
    'test.yaml:8:24: error: network.proxy.workerThreadCount must be an integer of at least 1, but is 0 (at network.proxy.workerThreadCount)',
  ]);
});

test('L64: VL2 and VL5 also reject values of the wrong type', async () => {
  const lines = await rejected(`
management: { port: "9190" }
network: { proxy: { workerThreadCount: 1.5 } }
${BASE.trim()}
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.deepEqual(lines, [
    'test.yaml:2:21: error: management.port must be an integer from 0 to 65535, but is 9190 (at management.port)',
    'test.yaml:3:40: error: network.proxy.workerThreadCount must be an integer of at least 1, but is 1.5 (at network.proxy.workerThreadCount)',
  ]);
});

test('L64: the compatibility keys produce the warnings VL6 and VL7', async () => {
  const { warnings } = await load(`
management:
  endpoints:
    prometheus: {}
network:
  proxy:
    shutdownTimeout: 15s
${BASE.trim()}
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.deepEqual(warnings, [
    'test.yaml:4:5: warning: management.endpoints.prometheus is accepted for compatibility; /metrics is always served (at management.endpoints.prometheus)',
    "test.yaml:7:5: warning: network.proxy.shutdownTimeout is accepted for compatibility and ignored: shutdown is bounded by each virtual cluster's drainTimeout (at network.proxy.shutdownTimeout)",
  ]);
});

test('management defaults to 0.0.0.0:9190 when the section is present, and is absent otherwise', async () => {
  const present = await load(`management: {}\n${BASE.trim()}\nvirtualClusters:${vc('{ cluster: main }')}\n`);
  assert.deepEqual(present.model.management, {
    bindAddress: '0.0.0.0',
    port: 9190,
    reload: false,
    ui: { enabled: false },
  });
  const ipv6 = await load(
    `management: { bindAddress: "::", port: 0 }\n${BASE.trim()}\nvirtualClusters:${vc('{ cluster: main }')}\n`,
  );
  assert.deepEqual(ipv6.model.management, { bindAddress: '::', port: 0, reload: false, ui: { enabled: false } });
});

test('management.ui.enabled turns the admin page on, and only true or false is accepted', async () => {
  const on = await load(
    `management: { ui: { enabled: true } }\n${BASE.trim()}\nvirtualClusters:${vc('{ cluster: main }')}\n`,
  );
  assert.deepEqual(on.model.management?.ui, { enabled: true });
  const lines = await rejected(
    `management: { ui: { enabled: "yes" } }\n${BASE.trim()}\nvirtualClusters:${vc('{ cluster: main }')}\n`,
  );
  assert.deepEqual(lines, [
    'test.yaml:1:30: error: management.ui.enabled must be true or false, but is yes (at management.ui.enabled)',
  ]);
});

test('management.reload turns POST /reload on, and only true or false is accepted', async () => {
  const on = await load(`management: { reload: true }\n${BASE.trim()}\nvirtualClusters:${vc('{ cluster: main }')}\n`);
  assert.equal(on.model.management?.reload, true);
  const lines = await rejected(
    `management: { reload: "yes" }\n${BASE.trim()}\nvirtualClusters:${vc('{ cluster: main }')}\n`,
  );
  assert.deepEqual(lines, [
    'test.yaml:1:23: error: management.reload must be true or false, but is yes (at management.reload)',
  ]);
});

test('network.session sets the per-session limits', async () => {
  const { model } = await load(`
network:
  session:
    maxFrameBytes: 1048576
    maxInFlightRequests: 50
    unauthenticatedIdleTimeout: 5s
    authenticatedIdleTimeout: 1h
    filterTimeout: 2s
    maxResponseFrameBytes: 67108864
    requestReadTimeout: 3s
${BASE.trim()}
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.deepEqual(model.network.session, {
    maxFrameBytes: 1_048_576,
    maxInFlightRequests: 50,
    unauthenticatedIdleTimeoutMs: 5_000,
    authenticatedIdleTimeoutMs: 3_600_000,
    filterTimeoutMs: 2_000,
    maxResponseFrameBytes: 67_108_864,
    requestReadTimeoutMs: 3_000,
  });
});

test('network.overload sets the connection caps and the buffer budget', async () => {
  const { model } = await load(`
network:
  overload:
    maxConnectionsPerGateway: 2000
    maxConnectionsPerClientAddress: 100
    maxBufferedBytes: 268435456
    bufferedBytesGracePeriod: 2s
${BASE.trim()}
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.deepEqual(model.network.overload, {
    maxConnectionsPerGateway: 2_000,
    maxConnectionsPerClientAddress: 100,
    maxBufferedBytes: 268_435_456,
    bufferedBytesGracePeriodMs: 2_000,
  });
});

test('network.overload rejects non-positive limits and non-durations', async () => {
  const lines = await rejected(`
network:
  overload: { maxConnectionsPerGateway: 0, maxBufferedBytes: -5, bufferedBytesGracePeriod: 10 }
${BASE.trim()}
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.deepEqual(lines, [
    "test.yaml:3:41: error: Property 'maxConnectionsPerGateway' of network.overload must be an integer from 1 to 2147483647, but is 0 (at network.overload.maxConnectionsPerGateway)",
    "test.yaml:3:62: error: Property 'maxBufferedBytes' of network.overload must be an integer from 1 to 9007199254740991, but is -5 (at network.overload.maxBufferedBytes)",
    "test.yaml:3:92: error: Property 'bufferedBytesGracePeriod' of network.overload must be a duration such as 500ms, 10s or 1m30s, but is 10 (at network.overload.bufferedBytesGracePeriod)",
  ]);
});

test('a buffer budget smaller than the largest request frame is a warning', async () => {
  const { warnings } = await load(`
network:
  session: { maxFrameBytes: 2000000 }
  overload: { maxBufferedBytes: 1000000 }
${BASE.trim()}
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.deepEqual(warnings, [
    'test.yaml:4:33: warning: network.overload.maxBufferedBytes (1000000) is smaller than network.session.maxFrameBytes (2000000): one large request would exceed the budget and close its connection (at network.overload.maxBufferedBytes)',
  ]);
});

test('network.session rejects non-positive limits and non-durations', async () => {
  const lines = await rejected(`
network:
  session: { maxFrameBytes: 0, maxInFlightRequests: -1, authenticatedIdleTimeout: 600, colour: red }
${BASE.trim()}
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.deepEqual(lines, [
    "test.yaml:3:29: error: Property 'maxFrameBytes' of network.session must be an integer from 1 to 2147483647, but is 0 (at network.session.maxFrameBytes)",
    "test.yaml:3:53: error: Property 'maxInFlightRequests' of network.session must be an integer from 1 to 2147483647, but is -1 (at network.session.maxInFlightRequests)",
    "test.yaml:3:83: error: Property 'authenticatedIdleTimeout' of network.session must be a duration such as 500ms, 10s or 1m30s, but is 600 (at network.session.authenticatedIdleTimeout)",
    "test.yaml:3:88: error: Unknown property 'colour' in network.session (at network.session.colour)",
  ]);
});
