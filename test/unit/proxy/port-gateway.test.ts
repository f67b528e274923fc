// The port-per-broker gateway's listeners, on loopback with a trivial connection handler.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { PortIdentifiesNodeGateway } from '../../../src/config/model.ts';
import { StructuredLogger } from '../../../src/observability/logger.ts';
import { PortIdentifiesNodeGatewayRuntime } from '../../../src/proxy/gateway/port-identifies-node.ts';

function gateway(definition: Partial<PortIdentifiesNodeGateway> = {}, onSocket: (socket: Socket) => void = () => {}) {
  return new PortIdentifiesNodeGatewayRuntime({
    virtualCluster: 'vc',
    definition: {
      kind: 'portIdentifiesNode',
      name: 'ports',
      bootstrapAddress: { host: '127.0.0.1', port: 0 },
      advertisedHostPattern: 'proxy-$(nodeId).example.com',
      nodeStartPort: 0,
      ...definition,
    },
    tls: undefined,
    onConnection: (connection) => onSocket(connection.socket),
    logger: new StructuredLogger({ sink: { write: () => {} } }),
  });
}

test('stopAccepting refuses new connections at once and leaves accepted ones open', async () => {
  let acceptedSocket: (socket: Socket) => void = () => {};
  const accepted = new Promise<Socket>((resolve) => {
    acceptedSocket = resolve;
  });
  const ports = gateway({}, (socket) => acceptedSocket(socket));
  await ports.bind();
  const port = ports.boundPorts()[0]!;
  const client = connect(port, '127.0.0.1');
  const server = await accepted;
  await ports.stopAccepting();
  assert.equal(server.destroyed, false, 'the accepted connection is still open');
  const refused = connect(port, '127.0.0.1');
  const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
  assert.equal(error.code, 'ECONNREFUSED');
  client.destroy();
  server.destroy();
});

test('a node listener is bound on demand and advertised with the pattern and its port', async () => {
  const ports = gateway();
  await ports.bind();
  await ports.ensureNode(7);
  const advertised = ports.advertisedAddress(7);
  assert.equal(advertised.host, 'proxy-7.example.com');
  assert.ok(ports.boundPorts().includes(advertised.port));
  await ports.stopAccepting();
});

test('node ports follow nodeStartPort and the position of the node within the declared ranges', async () => {
  const ports = gateway({ nodeStartPort: 40100, nodeIdRanges: [{ name: 'brokers', start: 5, end: 6 }] });
  assert.deepEqual(ports.advertisedAddress(6), { host: 'proxy-6.example.com', port: 40101 });
  assert.throws(() => ports.advertisedAddress(9), /outside the nodeIdRanges/);
});

test('a node whose port would exceed 65535 is refused with a reason', () => {
  const ports = gateway({ nodeStartPort: 65000 });
  assert.throws(() => ports.advertisedAddress(1000), /would need port 66000/);
});
