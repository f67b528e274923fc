// Response order when a large response is written to the client as it arrives: a client session on
// a loopback socket, with a stage that keeps each request's reply so the test decides when and how
// each response comes back.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { StructuredLogger } from '../../../src/observability/logger.ts';
import type { Reply } from '../../../src/pipeline/reply.ts';
import type { Stage } from '../../../src/pipeline/stage.ts';
import { ANONYMOUS } from '../../../src/pipeline/types.ts';
import { FrameSplitter } from '../../../src/protocol/frames/index.ts';
import type { Gateway } from '../../../src/proxy/gateway/gateway.ts';
import { ClientSession } from '../../../src/proxy/session/client-session.ts';

/** A request frame: api key 18, version 0, the correlation id, no body. */
function request(correlationId: number): Buffer {
  const frame = Buffer.alloc(14);
  frame.writeInt32BE(10, 0);
  frame.writeInt16BE(18, 4);
  frame.writeInt32BE(correlationId, 8);
  frame.writeInt16BE(-1, 12); // null client id
  return frame;
}

/** A response frame of `length` bytes in all, with an upstream correlation id, filled with `fill`. */
function response(length: number, fill: number): Buffer {
  const frame = Buffer.alloc(length, fill);
  frame.writeInt32BE(length - 4, 0);
  frame.writeInt32BE(9999, 4);
  return frame;
}

/** A session behind a loopback socket; returns the replies it dispatched and the frames the client got. */
async function session(t: { after(fn: () => void): void }, wholeFrames = false) {
  const replies: Reply[] = [];
  const stage: Stage = { open: () => ({ dispatch: (_message, reply) => replies.push(reply), close: () => {} }) };
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const [socket] = (await once(server, 'connection')) as [Socket];
  const clientSession = new ClientSession({
    id: 'test',
    socket,
    binding: { kind: 'bootstrap' },
    gateway: {} as Gateway,
    clientTls: undefined,
    subject: ANONYMOUS,
    limits: {
      maxFrameBytes: 1 << 20,
      maxResponseFrameBytes: 1 << 20,
      maxInFlightRequests: 100,
      requestReadTimeoutMs: 30_000,
      unauthenticatedIdleTimeoutMs: 30_000,
      authenticatedIdleTimeoutMs: 30_000,
      filterTimeoutMs: 20_000,
    },
    stage,
    wholeFrames,
    observer: { onRequest: () => {}, onResponse: () => {}, onReadPaused: () => {}, onClosed: () => {} },
    logger: new StructuredLogger({ sink: { write: () => {} } }),
  });
  const received: Buffer[] = [];
  const splitter = new FrameSplitter((frame) => received.push(Buffer.from(frame)), 1 << 20);
  client.on('data', (chunk: Buffer) => splitter.push(chunk));
  t.after(() => {
    clientSession.close('client_closed');
    client.destroy();
    server.close();
  });
  const receivedCount = async (count: number) => {
    while (received.length < count) await once(client, 'data');
  };
  const dispatched = async (count: number) => {
    while (replies.length < count) await once(socket, 'data');
  };
  return { client, replies, received, receivedCount, dispatched };
}

test('a large response whose turn has not come is not streamed; it follows the earlier one whole', async (t) => {
  const { client, replies, received, receivedCount, dispatched } = await session(t);
  client.write(Buffer.concat([request(1), request(2)]));
  await dispatched(2);
  const big = response(40_000, 7);
  assert.equal(replies[1]!.streamResponse!(big.subarray(0, 1000), big.length), undefined, 'request 1 is unanswered');
  replies[1]!.respondFrame!(big);
  replies[0]!.respondFrame!(response(20, 1));
  await receivedCount(2);
  assert.deepEqual(
    received.map((frame) => [frame.readInt32BE(4), frame.length]),
    [
      [1, 20],
      [2, 40_000],
    ],
  );
});

test('a streamed response goes out once earlier ones have, and later ones wait for its last piece', async (t) => {
  const { client, replies, received, receivedCount, dispatched } = await session(t);
  client.write(Buffer.concat([request(1), request(2), request(3)]));
  await dispatched(3);
  const big = response(40_000, 7);
  // Answered but not yet flushed: it still goes first.
  replies[0]!.respondFrame!(response(20, 1));
  const sink = replies[1]!.streamResponse!(big.subarray(0, 1000), big.length);
  assert.ok(sink, 'the oldest response streams');
  sink.writeRest(big.subarray(1000, 30_000), false);
  replies[2]!.respondFrame!(response(30, 3));
  sink.writeRest(big.subarray(30_000), true);
  await receivedCount(3);
  assert.deepEqual(
    received.map((frame) => [frame.readInt32BE(4), frame.length]),
    [
      [1, 20],
      [2, 40_000],
      [3, 30],
    ],
  );
  assert.deepEqual(received[1]!.subarray(8), big.subarray(8), 'the streamed bytes arrive unchanged');
});

test('a session that keeps frames whole (probes inspect them) never streams a response', async (t) => {
  const { client, replies, received, receivedCount, dispatched } = await session(t, true);
  client.write(request(1));
  await dispatched(1);
  const big = response(40_000, 7);
  assert.equal(replies[0]!.streamResponse!(big.subarray(0, 1000), big.length), undefined);
  replies[0]!.respondFrame!(big);
  await receivedCount(1);
  assert.equal(received[0]!.length, 40_000);
});
