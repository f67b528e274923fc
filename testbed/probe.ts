// Readiness probes: raw Kafka requests over a plain socket to a PLAINTEXT listener, written by
// hand so that the test bed depends on no Kafka client.
//  - Metadata v4 (no topics): a broker that answers is serving requests, and the brokers it lists
//    are the ones registered with the controller and not fenced.
//  - FindCoordinator v1: the first call creates __consumer_offsets; once it answers without
//    error, consumer groups work, so the first test using a group does not race its creation.
import { connect } from 'node:net';

export interface ProbedMetadata {
  readonly clusterId: string | null;
  readonly controllerId: number;
  readonly brokers: readonly { readonly id: number; readonly host: string; readonly port: number }[];
}

const clientId = Buffer.from('switchyard-testbed-probe', 'utf8');

/** Reads big-endian fields from a response body in order. */
class Reader {
  #at = 0;
  readonly #body: Buffer;
  constructor(body: Buffer) {
    this.#body = body;
  }
  int16(): number {
    const value = this.#body.readInt16BE(this.#at);
    this.#at += 2;
    return value;
  }
  int32(): number {
    const value = this.#body.readInt32BE(this.#at);
    this.#at += 4;
    return value;
  }
  nullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    const value = this.#body.toString('utf8', this.#at, this.#at + length);
    this.#at += length;
    return value;
  }
}

/** Sends one request (header v1) and resolves with the response body after its correlation id. */
function exchange(
  host: string,
  port: number,
  apiKey: number,
  apiVersion: number,
  body: Buffer,
  timeoutMs: number,
): Promise<Buffer> {
  const correlationId = 1;
  const header = Buffer.alloc(2 + 2 + 4 + 2);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const size = Buffer.alloc(4);
  size.writeInt32BE(header.length + clientId.length + body.length);
  const frame = Buffer.concat([size, header, clientId, body]);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`probe of ${host}:${port} timed out`)));
    socket.once('error', fail);
    socket.once('close', () => reject(new Error(`probe of ${host}:${port}: connection closed`)));
    socket.once('connect', () => socket.write(frame));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      socket.destroy();
      if (received.readInt32BE(4) !== correlationId) reject(new Error('probe: correlation id mismatch'));
      else resolve(received.subarray(8, 4 + received.readInt32BE(0)));
    });
  });
}

export async function probeMetadata(host: string, port: number, timeoutMs = 2000): Promise<ProbedMetadata> {
  // topics: [] (none, as opposed to null: all), allow_auto_topic_creation: false
  const body = Buffer.from([0, 0, 0, 0, 0]);
  const reader = new Reader(await exchange(host, port, 3, 4, body, timeoutMs));
  reader.int32(); // throttle_time_ms
  const brokers: { id: number; host: string; port: number }[] = [];
  for (let count = reader.int32(); count > 0; count--) {
    const id = reader.int32();
    const brokerHost = reader.nullableString() ?? '';
    const brokerPort = reader.int32();
    reader.nullableString(); // rack
    brokers.push({ id, host: brokerHost, port: brokerPort });
  }
  const clusterId = reader.nullableString();
  const controllerId = reader.int32();
  return { clusterId, controllerId, brokers };
}

/** The error code of a FindCoordinator request for a group (0: the group coordinator is ready). */
export async function probeGroupCoordinator(host: string, port: number, timeoutMs = 2000): Promise<number> {
  const key = Buffer.from('switchyard-testbed-probe', 'utf8');
  const keyLength = Buffer.alloc(2);
  keyLength.writeInt16BE(key.length);
  const body = Buffer.concat([keyLength, key, Buffer.from([0])]); // key_type 0: group
  const reader = new Reader(await exchange(host, port, 10, 1, body, timeoutMs));
  reader.int32(); // throttle_time_ms
  return reader.int16();
}
