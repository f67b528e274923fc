// The background process behind `npm run testbed -- up`: it owns the clusters (so the child reaper
// and watchdog apply to them as in tests), records them in .testbed/state.json, reports to the CLI
// over IPC, and stops everything on SIGTERM or SIGINT (what `down` sends).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { readState, removeState, stateDir, writeState } from './cli-state.ts';
import { type KafkaCluster, startKafkaCluster } from './cluster.ts';
import type { KafkaClusterOptions } from './types.ts';

interface SupervisorRequest {
  readonly clusters: number;
  readonly options: KafkaClusterOptions;
}

const request = JSON.parse(process.argv[2] ?? '{}') as SupervisorRequest;
const clusters: KafkaCluster[] = [];
let stopping = false;

async function stopAll(exitCode: number): Promise<never> {
  stopping = true;
  await Promise.all(clusters.map((cluster) => cluster.stop()));
  if (readState()?.supervisorPid === process.pid) removeState();
  for (const cluster of clusters) rmSync(cluster.dir, { recursive: true, force: true });
  process.exit(exitCode);
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (!stopping) void stopAll(0);
  });
}

try {
  const started = await Promise.all(
    Array.from({ length: request.clusters }, (_, i) => {
      const name = `cluster-${i + 1}`;
      const dir = join(stateDir, name);
      rmSync(dir, { recursive: true, force: true });
      return startKafkaCluster({ ...request.options, name, dir });
    }),
  );
  clusters.push(...started);
  writeState({
    supervisorPid: process.pid,
    startedAt: new Date().toISOString(),
    clusters: clusters.map((cluster) => ({
      ...cluster.describe(),
      pids: Object.fromEntries(
        [...cluster.brokers.map((b) => b.id), ...cluster.controllerIds]
          .filter((id, index, ids) => ids.indexOf(id) === index)
          .map((id) => [String(id), cluster.pidOf(id) ?? 0]),
      ),
    })),
  });
  process.send?.({ type: 'ready' });
  process.disconnect?.();
  // Stay alive until a signal arrives: the clusters are this process's children.
  setInterval(() => {}, 1 << 30);
} catch (error) {
  process.send?.({ type: 'error', message: (error as Error).message });
  await stopAll(1);
}
