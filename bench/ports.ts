// Free loopback ports for the benchmark's listeners. Proxies need runs of consecutive ports
// (bootstrap port, then one per broker node), so ports are found as blocks. The range sits below
// the test bed's (20000-32000) and Linux's ephemeral range, so neither can take them meanwhile.
import { createServer } from 'node:net';

const lowestPort = 10_000;
const highestPort = 19_900;

function isBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first port of `count` consecutive ports that are free on 127.0.0.1 right now. */
export async function freePortBlock(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = lowestPort + Math.floor(Math.random() * (highestPort - lowestPort - count));
    let free = true;
    for (let port = base; port < base + count && free; port++) free = await isBindable(port);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports in ${lowestPort}-${highestPort}`);
}
