// Port allocation for Kafka nodes. A port is chosen at random below Linux's ephemeral range
// (32768+), so that it cannot collide with the port-0 listeners and outgoing connections of the
// proxy under test, and reserved with a lock file shared by every test-bed process on the machine,
// so that two clusters started at the same time never pick the same port and a stopped broker's
// port stays its own until the cluster is gone. A reservation whose owner process has died is
// reclaimed. Finally the port is bound once on 127.0.0.1 to prove nothing else holds it.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const lowestPort = 20_000;
const highestPort = 32_000;
const reservationsDir = join(tmpdir(), 'switchyard-testbed-ports');

export interface PortReservation {
  readonly port: number;
  release(): void;
}

export async function reservePorts(count: number, owner = process.pid): Promise<PortReservation[]> {
  const reserved: PortReservation[] = [];
  try {
    for (let attempts = 0; reserved.length < count; attempts++) {
      if (attempts > 1000) throw new Error(`could not find ${count} free ports in ${lowestPort}-${highestPort}`);
      const port = lowestPort + Math.floor(Math.random() * (highestPort - lowestPort));
      const reservation = tryReserve(port, owner);
      if (!reservation) continue;
      if (await isBindable(port)) reserved.push(reservation);
      else reservation.release();
    }
    return reserved;
  } catch (error) {
    for (const reservation of reserved) reservation.release();
    throw error;
  }
}

function tryReserve(port: number, owner: number): PortReservation | undefined {
  mkdirSync(reservationsDir, { recursive: true });
  const file = join(reservationsDir, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(owner));
      closeSync(fd);
      return { port, release: () => rmSync(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (ownerIsAlive(file)) return undefined;
      rmSync(file, { force: true }); // stale: its owner is gone
    }
  }
  return undefined;
}

function ownerIsAlive(file: string): boolean {
  let owner: number;
  try {
    owner = Number(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
  // A file being written right now has no pid yet: treat it as taken.
  if (!Number.isInteger(owner) || owner <= 0) return true;
  try {
    process.kill(owner, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
