import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SniHostIdentifiesNodeGateway } from '../../../src/config/model.ts';
import { StructuredLogger } from '../../../src/observability/logger.ts';
import { SniGatewayRuntime, SniListeners } from '../../../src/proxy/gateway/sni-host-identifies-node.ts';

const definition: SniHostIdentifiesNodeGateway = {
  kind: 'sniHostIdentifiesNode',
  name: 'sni',
  bootstrapAddress: { host: 'Orders.Example.com', port: 9092 },
  bindAddress: '127.0.0.1',
  advertisedHostPattern: 'Broker-$(nodeId).Orders.Example.com',
  advertisedPort: 9092,
  tls: { key: { certificateFile: 'unused', privateKeyFile: 'unused' } },
};
const gateway = new SniGatewayRuntime(new SniListeners(new StructuredLogger({ sink: { write: () => {} } })), {
  virtualCluster: 'orders',
  definition,
  tls: undefined as never,
  onConnection: () => {},
});

test('the bootstrap server name selects the bootstrap endpoint, ignoring case', () => {
  assert.deepEqual(gateway.bindingFor('orders.example.COM'), { kind: 'bootstrap' });
});

test('a broker server name selects its node, ignoring case', () => {
  assert.deepEqual(gateway.bindingFor('broker-1001.orders.example.com'), { kind: 'node', nodeId: 1001 });
});

test('names outside the gateway, or with a node id beyond int32, select nothing', () => {
  assert.equal(gateway.bindingFor('broker-1.other.example.com'), undefined);
  assert.equal(gateway.bindingFor('broker-x.orders.example.com'), undefined);
  assert.equal(gateway.bindingFor('broker-9999999999.orders.example.com'), undefined);
});

test('the advertised address of a node substitutes its id into the pattern', () => {
  assert.deepEqual(gateway.advertisedAddress(7), { host: 'Broker-7.Orders.Example.com', port: 9092 });
});
