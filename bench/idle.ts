// Start time and idle memory of the `switchyard` command: the time from spawning the process to its
// bootstrap port accepting connections, and its resident memory once it has sat idle for a while.
// Used by the benchmark's `idle` workload, and runnable on its own for one virtual cluster:
//   node bench/idle.ts [--rounds n] [--upstream host:port]
// Without --upstream the virtual cluster points at a port where nothing listens: an idle proxy does
// not connect upstream before a client does, so the figures are the same.
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { repoRoot } from '../tools/kafka-dist.ts';
import { oneVirtualClusterConfig, proxyPortCount, switchyardNodeFlags } from './configs.ts';
import { freePortBlock } from './ports.ts';
import { isRunning, rssMb, spawnTracked, stopChild } from './proc.ts';

export interface IdleFigures {
  /** Seconds from spawn to the bootstrap port accepting a connection. */
  readonly startSeconds: number;
  /** Resident memory (VmRSS of the process tree) after `settleSeconds` idle, in MiB. */
  readonly rssMb: number;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * One start of `switchyard` in its own process: start seconds (polled every 5 ms, so the figure is
 * at most that late) and idle RSS after `settleSeconds`.
 */
export async function measureIdle(
  config: (bootstrapPort: number) => string,
  workDir: string,
  settleSeconds = 5,
  args: readonly string[] = [],
): Promise<IdleFigures> {
  const port = await freePortBlock(proxyPortCount);
  const configFile = join(workDir, `switchyard-idle-${port}.yaml`);
  writeFileSync(configFile, config(port));
  const started = performance.now();
  const child = spawnTracked(
    process.execPath,
    [...switchyardNodeFlags, join(repoRoot, 'bin', 'switchyard.js'), '--config', configFile, ...args],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      cwd: repoRoot,
    },
  );
  try {
    const deadline = started + 30_000;
    while (!(await accepts(port))) {
      if (!isRunning(child))
        throw new Error(`switchyard exited (${child.exitCode ?? child.signalCode}) before listening`);
      if (performance.now() > deadline) throw new Error('switchyard did not listen within 30 s');
      await sleep(5);
    }
    const startSeconds = (performance.now() - started) / 1000;
    await sleep(settleSeconds * 1000);
    if (child.pid === undefined || !isRunning(child)) throw new Error('switchyard exited while idle');
    return { startSeconds, rssMb: rssMb(child.pid) };
  } finally {
    await stopChild(child);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      upstream: { type: 'string', default: '127.0.0.1:1' },
      settle: { type: 'string', default: '5' },
    },
  });
  const rounds = Number(values.rounds);
  const figures: IdleFigures[] = [];
  for (let i = 0; i < rounds; i++) {
    const f = await measureIdle(
      (port) => oneVirtualClusterConfig(values.upstream, port),
      tmpdir(),
      Number(values.settle),
    );
    process.stderr.write(`round ${i + 1}: start ${f.startSeconds.toFixed(3)} s, idle RSS ${f.rssMb.toFixed(1)} MB\n`);
    figures.push(f);
  }
  const sorted = (key: keyof IdleFigures) => figures.map((f) => f[key]).sort((a, b) => a - b);
  const mid = Math.floor(rounds / 2);
  process.stdout.write(
    `${JSON.stringify({ startSeconds: sorted('startSeconds')[mid], rssMb: sorted('rssMb')[mid], rounds })}\n`,
  );
}

if (import.meta.main) await main();
