// Guarantees that no process the test bed starts (Kafka nodes, Kafka's Java tools) outlives the
// Node process that started it, however that process ends:
//  - a normal exit or an uncaught exception: the 'exit' hook SIGKILLs every tracked child;
//  - SIGINT, SIGTERM, SIGHUP: the same, then the signal's default action (unless the program
//    installed its own handler, which then decides when to exit);
//  - SIGKILL or a crash of Node itself: no hook runs, so a tiny watchdog process holds a pipe to
//    us; the kernel closes it when we die, and the watchdog SIGKILLs the pids we registered and
//    deletes the folders registered with deleteOnExit.
// Children are SIGKILLed rather than stopped gracefully because every cluster here is disposable.
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { testbedDir } from './paths.ts';

const live = new Set<ChildProcess>();
const exitTasks = new Set<() => void>();
let watchdog: ChildProcess | undefined;

/** Kills `child` when this process ends, if it is still running then. */
export function trackChild(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return; // spawn failed; the 'error' event reports it
  installHooks();
  live.add(child);
  tellWatchdog(`+${pid}`);
  child.once('exit', () => {
    live.delete(child);
    tellWatchdog(`-${pid}`);
  });
}

/**
 * Runs `task` (synchronous: it may run in the 'exit' hook) after the children are killed, unless
 * the returned function is called first. Clusters use it to release their ports.
 */
export function atExit(task: () => void): () => void {
  installHooks();
  exitTasks.add(task);
  return () => exitTasks.delete(task);
}

/** Deletes `path` when this process ends, even by SIGKILL, unless the returned function is called first. */
export function deleteOnExit(path: string): () => void {
  const cancel = atExit(() => rmSync(path, { recursive: true, force: true }));
  tellWatchdog(`d${path}`);
  return () => {
    cancel();
    tellWatchdog(`u${path}`);
  };
}

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const task of exitTasks) {
    try {
      task();
    } catch {
      // best effort: the process is ending
    }
  }
  exitTasks.clear();
}

function tellWatchdog(line: string): void {
  const stdin = watchdog?.stdin;
  if (stdin && !stdin.destroyed) stdin.write(`${line}\n`);
}

let installed = false;
function installHooks(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      // With no other handler, Node would have died of this signal: die of it now.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
  const child = spawn(process.execPath, [join(testbedDir, 'watchdog.ts')], {
    stdio: ['pipe', 'ignore', 'ignore'],
    // Its own process group: a Ctrl-C aimed at us must not take the watchdog down first.
    detached: true,
  });
  // Neither the watchdog nor the pipe to it may keep this process alive.
  child.unref();
  (child.stdin as unknown as Socket).unref();
  child.stdin?.on('error', () => {
    // The watchdog died; the exit and signal hooks still cover us.
  });
  watchdog = child;
}
