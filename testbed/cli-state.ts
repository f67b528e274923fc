// The state file of clusters started by `npm run testbed -- up`, shared by the CLI (which reads
// it) and the supervisor process (which writes it).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../tools/kafka-dist.ts';
import type { KafkaClusterDescription } from './types.ts';

/** `.testbed/` of the repository; tests of the CLI point it elsewhere to leave a developer's clusters alone. */
export const stateDir = process.env.SWITCHYARD_TESTBED_STATE_DIR ?? join(repoRoot, '.testbed');
const stateFile = join(stateDir, 'state.json');

export interface TestbedState {
  readonly supervisorPid: number;
  readonly startedAt: string;
  readonly clusters: readonly (KafkaClusterDescription & {
    /** Process id of each node (brokers and controllers), by node id. */
    readonly pids: Readonly<Record<string, number>>;
  })[];
}

export function readState(): TestbedState | undefined {
  if (!existsSync(stateFile)) return undefined;
  return JSON.parse(readFileSync(stateFile, 'utf8')) as TestbedState;
}

export function writeState(state: TestbedState): void {
  mkdirSync(stateDir, { recursive: true });
  const partial = `${stateFile}.partial`;
  writeFileSync(partial, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(partial, stateFile);
}

export function removeState(): void {
  rmSync(stateFile, { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
