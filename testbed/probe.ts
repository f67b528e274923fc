// Readiness probe: a raw Metadata request (v4, no topics) over a plain socket. A broker that
// answers it is serving requests, and the brokers it lists are the ones registered with the
// controller and not fenced. Written by hand so that the test bed depends on no Kafka client.
import { connect } from 'node:net';

export interface ProbedMetadata {
  readonly clusterId: string | null;
  readonly controllerId: number;
  readonly brokers: readonly { readonly id: number; readonly host: string; readonly port: number }[];
}

const metadataApiKey = 3;
const metadataVersion = 4;
const clientId = 'switchyard-testbed-probe';

function metadataRequest(correlationId: number): Buffer {
  const client = Buffer.from(clientId, 'utf8');
  // header v1: api key, api version, correlation id, client id; body v4: topics = [] (none),
  // allow_auto_topic_creation = false
  const size = 2 + 2 + 4 + 2 + client.length + 4 + 1;
  const frame = Buffer.alloc(4 + size);
  let at = frame.writeInt32BE(size, 0);
  at = frame.writeInt16BE(metadataApiKey, at);
  at = frame.writeInt16BE(metadataVersion, at);
  at = frame.writeInt32BE(correlationId, at);
  at = frame.writeInt16BE(client.length, at);
  at += client.copy(frame, at);
  at = frame.writeInt32BE(0, at);
  frame.writeInt8(0, at);
  return frame;
}

function parseMetadataResponse(body: Buffer, correlationId: number): ProbedMetadata {
  let at = 0;
  const int16 = () => {
    const value = body.readInt16BE(at);
    at += 2;
    return value;
  };
  const int32 = () => {
    const value = body.readInt32BE(at);
    at += 4;
    return value;
  };
  const nullableString = () => {
    const length = int16();
    if (length < 0) return null;
    const value = body.toString('utf8', at, at + length);
    at += length;
    return value;
  };
  if (int32() !== correlationId) throw new Error('metadata probe: correlation id mismatch');
  int32(); // throttle_time_ms
  const brokers: { id: number; host: string; port: number }[] = [];
  for (let count = int32(); count > 0; count--) {
    const id = int32();
    const host = nullableString() ?? '';
    const port = int32();
    nullableString(); // rack
    brokers.push({ id, host, port });
  }
  const clusterId = nullableString();
  const controllerId = int32();
  return { clusterId, controllerId, brokers };
}

/** Sends one Metadata request to a PLAINTEXT listener; rejects on any failure or after timeoutMs. */
export function probeMetadata(host: string, port: number, timeoutMs = 2000): Promise<ProbedMetadata> {
  return new Promise((resolve, reject) => {
    const correlationId = 1;
    const socket = connect({ host, port });
    let received = Buffer.alloc(0);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`metadata probe of ${host}:${port} timed out`)));
    socket.once('error', fail);
    socket.once('close', () => reject(new Error(`metadata probe of ${host}:${port}: connection closed`)));
    socket.once('connect', () => socket.write(metadataRequest(correlationId)));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      const size = received.readInt32BE(0);
      if (received.length < 4 + size) return;
      try {
        const metadata = parseMetadataResponse(received.subarray(4, 4 + size), correlationId);
        socket.destroy();
        resolve(metadata);
      } catch (error) {
        fail(error as Error);
      }
    });
  });
}
