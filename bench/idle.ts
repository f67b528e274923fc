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
import { freePortBlock } from './ports.ts';
import { isRunning, rssMb, spawnTracked, stopChild } from './proc.ts';

export interface IdleFigures {
  /** Seconds from spawn to the bootstrap port accepting a connection. */
  readonly startSeconds: number;
  /** Resident memory (VmRSS of the process tree) after `settleSeconds` idle, in MiB. */
  readonly rssMb: number;
}

/** The configuration the benchmark runs Switchyard with: one pass-through virtual cluster. */
export function oneVirtualClusterConfig(upstream: string, bootstrapPort: number): string {
  return [
    'clusterDefinitions:',
    '  - name: upstream',
    `    bootstrapServers: ${upstream}`,
    'virtualClusters:',
    '  - name: bench',
    '    target:',
    '      cluster: upstream',
    '    gateways:',
    '      - name: ports',
    '        portIdentifiesNode:',
    `          bootstrapAddress: 127.0.0.1:${bootstrapPort}`,
    '',
  ].join('\n');
}

/**
 * The same virtual cluster behind a router (the `routed` comparison): `static` is the one-route,
 * all-static router of docs/examples/pass-through.ts; `dynamic` is the first-party TopicRouter over
 * two routes whose cluster definitions name the same broker, so that every request of the
 * producer and consumer is decoded, handed to the router, and sent again.
 */
export function routedConfig(kind: 'static' | 'dynamic', upstream: string, bootstrapPort: number): string {
  const gateway = [
    '    gateways:',
    '      - name: ports',
    '        portIdentifiesNode:',
    `          bootstrapAddress: 127.0.0.1:${bootstrapPort}`,
  ];
  if (kind === 'static') {
    return [
      'clusterDefinitions:',
      '  - name: upstream',
      `    bootstrapServers: ${upstream}`,
      'routerDefinitions:',
      '  - name: bench',
      `    type: ${join(repoRoot, 'docs', 'examples', 'pass-through.ts')}#PassThrough`,
      '    routes:',
      '      - { name: only, id: 0, target: { cluster: upstream } }',
      'virtualClusters:',
      '  - name: bench',
      '    target: { router: bench }',
      ...gateway,
      '',
    ].join('\n');
  }
  return [
    'clusterDefinitions:',
    '  - name: one',
    `    bootstrapServers: ${upstream}`,
    '  - name: two',
    `    bootstrapServers: ${upstream}`,
    'routerDefinitions:',
    '  - name: bench',
    '    type: TopicRouter',
    '    config: { defaultRoute: one, topics: [{ prefix: "two.", route: two }] }',
    '    routes:',
    '      - { name: one, id: 0, target: { cluster: one } }',
    '      - { name: two, id: 1, target: { cluster: two } }',
    'virtualClusters:',
    '  - name: bench',
    '    target: { router: bench }',
    ...gateway,
    '',
  ].join('\n');
}

/** Ports a proxy needs: bootstrap, then virtual node ids 0..4 at bootstrap + 1 + id. */
export const proxyPortCount = 6;

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
): Promise<IdleFigures> {
  const port = await freePortBlock(proxyPortCount);
  const configFile = join(workDir, `switchyard-idle-${port}.yaml`);
  writeFileSync(configFile, config(port));
  const started = performance.now();
  const child = spawnTracked(process.execPath, [join(repoRoot, 'bin', 'switchyard.js'), '--config', configFile], {
    stdio: ['ignore', 'ignore', 'inherit'],
    cwd: repoRoot,
  });
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
