// The relay target: a plain TCP byte relay with no Kafka awareness, run as its own process so its
// CPU and memory are measured like a proxy's. It is the practical ceiling for any proxy on this
// machine: whatever a proxy costs beyond this is the cost of understanding Kafka.
// Usage: node bench/relay.ts <listen port> <upstream port>   (both on 127.0.0.1)
import { connect, createServer } from 'node:net';

const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
if (!listenPort || !upstreamPort) {
  process.stderr.write('usage: relay.ts <listen port> <upstream port>\n');
  process.exit(2);
}

const server = createServer((client) => {
  const upstream = connect({ host: '127.0.0.1', port: upstreamPort });
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  // pipe() applies backpressure in both directions, as a proxy must.
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
});
server.listen({ host: '127.0.0.1', port: listenPort, backlog: 2048 }, () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => process.exit(0));
