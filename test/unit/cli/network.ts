// Small network helpers for the process tests: a broker that never answers, and a raw request.

import assert from 'node:assert/strict';
import { createServer, type Server, Socket } from 'node:net';

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

/** A "broker" that accepts connections and never answers, so requests stay in flight. */
export async function silentBroker(): Promise<{ port: number; connected: Promise<void>; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const connected = Promise.withResolvers<void>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    connected.resolve();
  });
  const port = await listen(server);
  return {
    port,
    connected: connected.promise,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** METADATA v0 for all topics: the smallest request that the proxy forwards upstream. */
export function metadataRequest(correlationId: number): Buffer {
  const frame = Buffer.alloc(18);
  frame.writeInt32BE(14, 0);
  frame.writeInt16BE(3, 4);
  frame.writeInt16BE(0, 6);
  frame.writeInt32BE(correlationId, 8);
  frame.writeInt16BE(-1, 12);
  frame.writeInt32BE(0, 14);
  return frame;
}

export async function connect(address: string): Promise<Socket> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  const socket = new Socket();
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => socket.connect(port, host, resolve).once('error', reject));
  return socket;
}
