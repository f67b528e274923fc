// Runs bin/switchyard.js (or another `switchyard` command, such as an installed package's) as a
// child process and collects its output; log lines are JSON because standard output is a pipe.

import { type ChildProcess, spawn } from 'node:child_process';

const BIN = new URL('../../../bin/switchyard.js', import.meta.url).pathname;

export interface LogLine {
  readonly level?: string;
  readonly msg?: string;
  readonly [field: string]: unknown;
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Standard output lines that are JSON log records. */
  readonly lines: readonly LogLine[];
}

export interface Running {
  readonly child: ChildProcess;
  /**
   * Resolves with the first log record matching `predicate` (already written or future); rejects
   * when the process exits first or after `timeoutMs`, quoting the predicate and the last output,
   * so that a line that never comes fails its test instead of hanging the run.
   */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  readonly exit: Promise<Finished>;
}

function parseLines(stdout: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of stdout.split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(text) as LogLine);
    } catch {
      // Not a log record.
    }
  }
  return lines;
}

export interface CommandOptions {
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** A `switchyard` executable to start instead, through its own shebang (nodeArgs do not apply). */
  readonly executable?: string;
  readonly cwd?: string;
}

/** Long enough for any start-up or drain on a loaded machine, short of hanging a CI run. */
const DEFAULT_LINE_TIMEOUT_MS = 120_000;

/** Processes still running when the test file ends are killed, so a failed test cannot hang the run. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function startCommand(args: readonly string[], options: CommandOptions = {}): Running {
  const [file, argv] =
    options.executable === undefined
      ? [process.execPath, [...(options.nodeArgs ?? []), BIN, ...args]]
      : [options.executable, args];
  const child = spawn(file, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  const waiters: { predicate: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const lastOutput = () => `${stdout.split('\n').slice(-30).join('\n')}\n${stderr.slice(-2000)}`;
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
    const lines = parseLines(stdout);
    for (const waiter of [...waiters]) {
      const line = lines.find(waiter.predicate);
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exit = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, lines: parseLines(stdout) }));
  });
  return {
    child,
    exit,
    waitForLine: (predicate, timeoutMs = DEFAULT_LINE_TIMEOUT_MS) => {
      const existing = parseLines(stdout).find(predicate);
      if (existing !== undefined) return Promise.resolve(existing);
      return new Promise<LogLine>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(`no log line matched ${predicate} within ${timeoutMs} ms; the last output:\n${lastOutput()}`),
          );
        }, timeoutMs);
        const waiter = {
          predicate,
          resolve: (line: LogLine) => {
            clearTimeout(timer);
            resolve(line);
          },
        };
        waiters.push(waiter);
        void exit.then((finished) => {
          clearTimeout(timer);
          reject(new Error(`the process exited (${finished.code}) first:\n${finished.stdout}\n${finished.stderr}`));
        });
      });
    },
  };
}

export function runCommand(args: readonly string[], options: CommandOptions = {}): Promise<Finished> {
  return startCommand(args, options).exit;
}
