// The before-ready phase of an upstream connection (UpstreamSetup: authentication and its
// renewal) against a byte-exact fake broker on loopback: which bytes go first, what waits, and
// what a failed setup does. Kafka semantics are proven against real brokers in test/integration/.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { RequestMessage } from '../../../src/pipeline/request-message.ts';
import type { SetupChannel, UpstreamSetup } from '../../../src/pipeline/upstream-setup.ts';
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

/** A fake broker that answers each request with (correlation id, tag) and records the tags in order. */
async function fakeBroker(seen: number[]): Promise<Server> {
  const server = createServer((socket: Socket) => {
    const splitter = new FrameSplitter((frame) => {
      const tag = frame.readUInt8(12);
      seen.push(tag);
      const answer = Buffer.alloc(9);
      answer.writeInt32BE(5, 0);
      answer.writeInt32BE(frame.readInt32BE(8), 4);
      answer.writeUInt8(tag, 8);
      socket.write(answer);
    });
    socket.on('data', (chunk: Buffer) => splitter.push(chunk));
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function connect(
  server: Server,
  setup: UpstreamSetup,
  onClosed: (error: UpstreamConnectionError | undefined) => void = () => {},
) {
  const address = server.address();
  assert.ok(address && typeof address !== 'string');
  return new UpstreamConnection({
    address: { host: '127.0.0.1', port: address.port },
    tls: undefined,
    maxFrameBytes: 1024,
    connectTimeoutMs: 5000,
    setup,
    observer: { onWriteBackpressure: () => {}, onClosed: (_c, error) => onClosed(error) },
  });
}

function send(connection: UpstreamConnection, tag: number): Promise<number> {
  return new Promise((resolve, reject) =>
    connection.send(requestFrame(tag), { onResponse: (frame) => resolve(frame.readUInt8(8)), onError: reject }),
  );
}

/** The tag the fake broker echoed in a setup request's response. */
async function setupRequest(channel: SetupChannel, tag: number): Promise<number> {
  const response = await channel.request(requestFrame(tag));
  return response.originalFrame!.readUInt8(8);
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test('the setup runs before any request: requests sent meanwhile wait and follow it in order', async (t) => {
  const seen: number[] = [];
  const server = await fakeBroker(seen);
  t.after(() => server.close());
  const answers: number[] = [];
  const connection = connect(server, {
    run: async (channel) => {
      answers.push(await setupRequest(channel, 100));
      answers.push(await setupRequest(channel, 101));
      return undefined;
    },
  });
  t.after(() => connection.close());
  const responses = await Promise.all([send(connection, 1), send(connection, 2)]);
  assert.deepEqual(responses, [1, 2]);
  assert.deepEqual(answers, [100, 101], 'the setup got its own responses');
  assert.deepEqual(seen, [100, 101, 1, 2], 'the broker saw the setup first');
});

test('a renewal runs between requests: those sent before it are answered, those sent during it follow it', async (t) => {
  const seen: number[] = [];
  const server = await fakeBroker(seen);
  t.after(() => server.close());
  const renewalStarted = deferred();
  const release = deferred();
  let runs = 0;
  const connection = connect(server, {
    run: async (channel, renewal) => {
      runs++;
      if (!renewal) {
        await setupRequest(channel, 100);
        return 0; // renew as soon as possible, once
      }
      renewalStarted.resolve();
      await release.promise;
      await setupRequest(channel, 200);
      return undefined;
    },
  });
  t.after(() => connection.close());
  assert.equal(await send(connection, 1), 1);
  await renewalStarted.promise;
  const during = send(connection, 2);
  release.resolve();
  assert.equal(await during, 2);
  assert.equal(runs, 2);
  assert.deepEqual(seen, [100, 1, 200, 2], 'the request sent during the renewal waited for it');
});

test('a setup that rejects fails the connection with its reason, marked as a setup failure, and the waiting requests', async (t) => {
  const seen: number[] = [];
  const server = await fakeBroker(seen);
  t.after(() => server.close());
  let closedWith: UpstreamConnectionError | undefined;
  const closed = deferred();
  const connection = connect(
    server,
    {
      run: async (channel) => {
        await setupRequest(channel, 100);
        throw new Error('the broker refused PLAIN authentication');
      },
    },
    (error) => {
      closedWith = error;
      closed.resolve();
    },
  );
  await assert.rejects(send(connection, 1), /upstream 127\.0\.0\.1:\d+: the broker refused PLAIN authentication/);
  await closed.promise;
  assert.equal(closedWith?.duringSetup, true);
  assert.deepEqual(seen, [100], 'no request of the client reached the broker');
});
