// Just enough of the Kafka wire protocol for the connection workload and for readiness checks:
// ApiVersions v0 and Metadata v4 requests, hand-encoded, on a socket that matches responses to
// requests by correlation id. Responses are not decoded beyond their header; the ApiVersions
// error code is checked because a proxy that refuses a client says so there.
import { connect, type Socket } from 'node:net';

const apiVersionsKey = 18;
const metadataKey = 3;
const clientId = Buffer.from('switchyard-bench');

function requestFrame(apiKey: number, version: number, correlationId: number, body: Buffer): Buffer {
  // Request header v1: api_key, api_version, correlation_id, client_id (nullable string).
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + clientId.length + body.length);
  return Buffer.concat([size, header, clientId, body]);
}

// Metadata v4: topics = null (all topics), allow_auto_topic_creation = false.
const metadataBody = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]);

export class KafkaWireConnection {
  readonly #socket: Socket;
  readonly #pending = new Map<number, { resolve: (body: Buffer) => void; reject: (error: Error) => void }>();
  #buffered: Buffer = Buffer.alloc(0);
  #nextCorrelationId = 1;
  #failure: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  static open(host: string, port: number, timeoutMs: number): Promise<KafkaWireConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect timeout after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new KafkaWireConnection(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  async apiVersions(): Promise<void> {
    const body = await this.#request(apiVersionsKey, 0, Buffer.alloc(0));
    const errorCode = body.readInt16BE(0);
    if (errorCode !== 0) throw new Error(`ApiVersions error code ${errorCode}`);
  }

  async metadata(): Promise<void> {
    await this.#request(metadataKey, 4, metadataBody);
  }

  close(): void {
    this.#socket.destroy();
  }

  #request(apiKey: number, version: number, body: Buffer): Promise<Buffer> {
    if (this.#failure) return Promise.reject(this.#failure);
    const correlationId = this.#nextCorrelationId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(correlationId, { resolve, reject });
      this.#socket.write(requestFrame(apiKey, version, correlationId, body));
    });
  }

  #onData(chunk: Buffer): void {
    this.#buffered = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    while (this.#buffered.length >= 4) {
      const size = this.#buffered.readInt32BE(0);
      if (this.#buffered.length < 4 + size) return;
      const frame = this.#buffered.subarray(4, 4 + size);
      this.#buffered = this.#buffered.subarray(4 + size);
      // Response header v0 (both requests here are non-flexible): correlation_id only.
      const correlationId = frame.readInt32BE(0);
      const waiter = this.#pending.get(correlationId);
      if (!waiter) {
        this.#fail(new Error(`unexpected correlation id ${correlationId}`));
        return;
      }
      this.#pending.delete(correlationId);
      waiter.resolve(frame.subarray(4));
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#pending.values()) waiter.reject(error);
    this.#pending.clear();
    this.#socket.destroy();
  }
}

/** Resolves once the endpoint answers ApiVersions and Metadata. */
export async function waitForKafka(port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error('process exited while waiting for it to answer Kafka requests');
    try {
      const connection = await KafkaWireConnection.open('127.0.0.1', port, 2000);
      try {
        await connection.apiVersions();
        await connection.metadata();
        return;
      } finally {
        connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  throw new Error(
    `no Kafka answer on port ${port} within ${timeoutMs} ms: ${(lastError as Error | undefined)?.message}`,
  );
}
