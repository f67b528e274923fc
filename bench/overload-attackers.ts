// The attackers of the overload workload (bench/overload.ts), in a process of their own so that
// their CPU is not the proxy's: opens connections to a Kafka endpoint, sends each a few FETCH
// requests of about 1 MB from offset 0 of a topic's partition 0, and never reads a byte of the
// answers. Connections are opened `step` at a time, one step every `stepMs`; they stay open until
// the process is told to stop (SIGTERM). A connection the far end closes is not reopened.
//
//   node bench/overload-attackers.ts --address host:port --topic bulk [--connections 2000]
//        [--fetches 3] [--step 100] [--step-ms 250]
//
// Prints one JSON line on stdout when every connection has been attempted ("ramped") and one when
// stopped ("stopped"): connections opened, refused or failed, and closed by the far end.
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { ApiKey, codecsFor, encodeRequest, type FetchRequest } from '../src/protocol/index.ts';

const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    topic: { type: 'string', default: 'bulk' },
    connections: { type: 'string', default: '2000' },
    fetches: { type: 'string', default: '3' },
    step: { type: 'string', default: '100' },
    'step-ms': { type: 'string', default: '250' },
  },
});
if (!values.address) throw new Error('--address host:port is required');
const [host, portText] = values.address.split(':');
const port = Number(portText);
const connections = Number(values.connections);
const fetches = Number(values.fetches);
const step = Number(values.step);
const stepMs = Number(values['step-ms']);

/** Version 12 still names topics, so no topic id has to be looked up first. */
const FETCH_VERSION = 12;
const FETCH_BYTES = 1024 * 1024;

function fetchFrame(correlationId: number): Buffer {
  const request = codecsFor(ApiKey.FETCH)!.request.defaults() as FetchRequest;
  request.replicaId = -1;
  request.maxWaitMs = 100;
  request.minBytes = 1;
  request.maxBytes = FETCH_BYTES;
  request.sessionEpoch = -1;
  request.topics = [
    {
      topic: values.topic,
      topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      partitions: [
        {
          partition: 0,
          currentLeaderEpoch: -1,
          fetchOffset: 0n,
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: FETCH_BYTES,
        },
      ],
    },
  ];
  return encodeRequest(ApiKey.FETCH, FETCH_VERSION, correlationId, 'overload-attacker', request);
}

const frames = Array.from({ length: fetches }, (_, i) => fetchFrame(i + 1));
const counts = { opened: 0, failed: 0, closedByPeer: 0 };
const sockets = new Set<Socket>();
let stopping = false;

function attack(): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.on('error', () => {});
    socket.once('connect', () => {
      counts.opened++;
      sockets.add(socket);
      // Never read: what the far end sends stays in the kernel's buffers, then in the sender's.
      socket.pause();
      for (const frame of frames) socket.write(frame);
      resolve();
    });
    socket.once('close', () => {
      if (sockets.delete(socket)) {
        if (!stopping) counts.closedByPeer++;
      } else counts.failed++;
      resolve();
    });
  });
}

process.once('SIGTERM', () => {
  stopping = true;
  for (const socket of sockets) socket.destroy();
  process.stdout.write(`${JSON.stringify({ event: 'stopped', ...counts })}\n`);
  process.exit(0);
});

const started = performance.now();
for (let i = 0; i < connections; i += step) {
  const stepStarted = performance.now();
  await Promise.all(Array.from({ length: Math.min(step, connections - i) }, attack));
  const left = stepMs - (performance.now() - stepStarted);
  if (left > 0 && i + step < connections) await sleep(left);
}
process.stdout.write(
  `${JSON.stringify({ event: 'ramped', seconds: (performance.now() - started) / 1000, open: sockets.size, ...counts })}\n`,
);
// Hold the connections until SIGTERM.
setInterval(() => {}, 60_000);
