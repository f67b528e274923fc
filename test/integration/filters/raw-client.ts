// A bare Kafka connection for tests that need exact control over frames: pipelining, acks=0, and
// watching the proxy close the connection.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import { FrameSplitter } from '../../../src/protocol/frames/index.ts';
import { readResponseCorrelationId } from '../../../src/protocol/index.ts';

export interface RawConnection {
  /** Sends a request frame; resolves with its response frame (never, for requests without response). */
  request(frame: Buffer): Promise<Buffer>;
  /** Sends frames without waiting: the proxy receives them pipelined. */
  pipeline(frames: readonly Buffer[]): Promise<Buffer>[];
  /** Resolves when the proxy closed the connection. */
  readonly closed: Promise<void>;
  /** Correlation ids of the responses received, in arrival order. */
  readonly arrivals: readonly number[];
  /** Stops reading: responses pile up in the socket buffers, as with a client that does not keep up. */
  pause(): void;
  resume(): void;
  close(): void;
}

/** Connects in plain text, or over TLS with `tls` (a client certificate, the CA to trust). */
export async function rawConnection(address: string, tls?: ConnectionOptions): Promise<RawConnection> {
  const [host, port] = address.split(':');
  const socket: Socket =
    tls === undefined ? connect(Number(port), host) : connectTls({ ...tls, port: Number(port), host });
  await once(socket, tls === undefined ? 'connect' : 'secureConnect');
  const waiting = new Map<number, (frame: Buffer) => void>();
  const arrivals: number[] = [];
  const splitter = new FrameSplitter(
    (frame) => {
      const correlationId = readResponseCorrelationId(frame);
      arrivals.push(correlationId);
      waiting.get(correlationId)?.(Buffer.from(frame));
      waiting.delete(correlationId);
    },
    100 * 1024 * 1024,
  );
  socket.on('data', (chunk: Buffer) => splitter.push(chunk));
  socket.on('error', () => {});
  const closed = once(socket, 'close').then(() => undefined);
  const expect = (frame: Buffer): Promise<Buffer> =>
    new Promise((resolve) => waiting.set(frame.readInt32BE(8), resolve));
  return {
    request(frame) {
      const response = expect(frame);
      socket.write(frame);
      return response;
    },
    pipeline(frames) {
      const responses = frames.map(expect);
      socket.write(Buffer.concat(frames));
      return responses;
    },
    closed,
    arrivals,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    close: () => socket.destroy(),
  };
}
