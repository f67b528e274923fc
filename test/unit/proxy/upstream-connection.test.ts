// The upstream connection against a byte-exact fake broker on loopback: framing and correlation
// only, no Kafka semantics (those are proven against real brokers in test/integration/).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { RequestMessage } from '../../../src/pipeline/request-message.ts';
import { FrameSplitter } from '../../../src/protocol/frames/index.ts';
import { UpstreamConnection, type UpstreamConnectionError } from '../../../src/proxy/upstream/upstream-connection.ts';

/** A request: size, api key 18, version 0, correlation id, and a one-byte tag. */
function requestFrame(tag: number): RequestMessage {
  const frame = Buffer.alloc(13);
  frame.writeInt32BE(9, 0);
  frame.writeInt16BE(18, 4);
  frame.writeInt16BE(0, 6);
  frame.writeInt32BE(-1, 8);
  frame.writeUInt8(tag, 12);
  return RequestMessage.fromFrame(frame, 18, 0, -1, true, undefined);
}

/** A fake broker answering each request with (correlation id, tag), optionally tampering with it. */
async function fakeBroker(answer: (correlationId: number, tag: number, socket: Socket) => void): Promise<Server> {
  const server = createServer((socket) => {
    const splitter = new FrameSplitter((frame) => answer(frame.readInt32BE(8), frame.readUInt8(12), socket));
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function reply(socket: Socket, correlationId: number, tag: number): void {
  const frame = Buffer.alloc(9);
  frame.writeInt32BE(5, 0);
  frame.writeInt32BE(correlationId, 4);
  frame.writeUInt8(tag, 8);
  socket.write(frame);
}

function connectTo(server: Server, onClosed: (error: UpstreamConnectionError | undefined) => void = () => {}) {
  const address = server.address();
  assert.ok(address && typeof address !== 'string');
  return new UpstreamConnection({
    address: { host: '127.0.0.1', port: address.port },
    tls: undefined,
    maxFrameBytes: 1024,
    connectTimeoutMs: 5000,
    observer: { onWriteBackpressure: () => {}, onClosed: (_c, error) => onClosed(error) },
  });
}

test('requests queued before the connection is ready are sent in order with fresh correlation ids', async (t) => {
  const seen: number[] = [];
  const server = await fakeBroker((correlationId, tag, socket) => {
    seen.push(correlationId);
    reply(socket, correlationId, tag);
  });
  t.after(() => server.close());
  const connection = connectTo(server);
  t.after(() => connection.close());
  const tags = await Promise.all(
    [1, 2, 3].map(
      (tag) =>
        new Promise<number>((resolve, reject) =>
          connection.send(requestFrame(tag), { onResponse: (f) => resolve(f.readUInt8(8)), onError: reject }),
        ),
    ),
  );
  assert.deepEqual(tags, [1, 2, 3]);
  assert.equal(new Set(seen).size, 3, 'every request got its own correlation id');
});

test('a response whose correlation id matches no pending request fails the connection', async (t) => {
  const server = await fakeBroker((correlationId, tag, socket) => reply(socket, correlationId + 1000, tag));
  t.after(() => server.close());
  let closedWith: UpstreamConnectionError | undefined;
  const connection = connectTo(server, (error) => {
    closedWith = error;
  });
  const error = await new Promise<Error>((resolve) =>
    connection.send(requestFrame(7), { onResponse: () => resolve(new Error('unexpected response')), onError: resolve }),
  );
  assert.match(error.message, /does not match the oldest pending request/);
  assert.ok(closedWith, 'the owner is told the connection failed');
});

test('a broker that closes the connection fails every pending request', async (t) => {
  const server = await fakeBroker((_id, _tag, socket) => socket.destroy());
  t.after(() => server.close());
  const connection = connectTo(server);
  const errors = await Promise.all(
    [1, 2].map(
      (tag) =>
        new Promise<Error>((resolve) =>
          connection.send(requestFrame(tag), { onResponse: () => resolve(new Error('unexpected')), onError: resolve }),
        ),
    ),
  );
  for (const error of errors) assert.equal(error.name, 'UpstreamConnectionError');
});

test('an unreachable broker fails queued requests with an UpstreamConnectionError', async () => {
  const server = await fakeBroker(() => {});
  const address = server.address();
  assert.ok(address && typeof address !== 'string');
  await new Promise((resolve) => server.close(resolve));
  const connection = new UpstreamConnection({
    address: { host: '127.0.0.1', port: address.port },
    tls: undefined,
    maxFrameBytes: 1024,
    connectTimeoutMs: 5000,
    observer: { onWriteBackpressure: () => {}, onClosed: () => {} },
  });
  const error = await new Promise<Error>((resolve) =>
    connection.send(requestFrame(1), { onResponse: () => resolve(new Error('unexpected')), onError: resolve }),
  );
  assert.match(error.message, /ECONNREFUSED/);
});

test('issue 12 fault 1: a connection whose set-up throws fails like any other instead of throwing', async () => {
  // A port out of range makes the socket library throw at once; an address learned from a broker
  // could be as bad. The caller must get a failed connection, not an exception.
  let closedWith: UpstreamConnectionError | undefined;
  const closed = new Promise<void>((resolve) => {
    const connection = new UpstreamConnection({
      address: { host: '127.0.0.1', port: 70_000 },
      tls: undefined,
      maxFrameBytes: 1024,
      connectTimeoutMs: 5000,
      observer: {
        onWriteBackpressure: () => {},
        onClosed: (_c, error) => {
          closedWith = error;
          resolve();
        },
      },
    });
    connection.send(requestFrame(1), { onResponse: () => {}, onError: () => {} });
  });
  await closed;
  assert.match(closedWith?.message ?? '', /^upstream 127\.0\.0\.1:70000: cannot open the connection: .*70000/);
});
