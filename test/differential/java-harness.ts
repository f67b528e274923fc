// Runs a Java harness against the pinned Kafka jars as one long-lived process that answers JSON
// lines: each line written to its stdin is one request, each line it prints is the answer to the
// oldest unanswered request. Compiled classes are cached under `.cache/java/`, keyed by the source
// text and the Kafka version, so only the first run of a changed harness pays for `javac`.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { kafkaDistribution, repoRoot } from '../../tools/kafka-dist.ts';

export interface JavaHarness {
  /** Sends one JSON request; resolves with the parsed JSON line the harness answers with. */
  call<T = unknown>(request: unknown): Promise<T>;
  /** Sends one line of JSON text as it is and resolves with the answer line unparsed (for exact int64s). */
  callLine(line: string): Promise<string>;
  /** Closes stdin and waits for the process to exit. */
  close(): Promise<void>;
}

export interface JavaHarnessOptions {
  /** The `.java` source; its public class must be in the default package and named like the file. */
  readonly source: string;
  /** Extra JVM options; the defaults keep the heap and GC threads small on a shared machine. */
  readonly jvmOptions?: readonly string[];
}

/** Compiles `source` once (cached) and returns the class-path folder holding its classes. */
export function compileJavaHarness(source: string): string {
  const dist = kafkaDistribution();
  const text = readFileSync(source);
  const hash = createHash('sha256').update(dist.version).update(text).digest('hex').slice(0, 16);
  const outDir = join(repoRoot, '.cache', 'java', `${basename(source, '.java')}-${hash}`);
  if (existsSync(outDir)) return outDir;
  const staging = `${outDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const result = spawnSync('javac', ['-nowarn', '-cp', `${dist.libsDir}/*`, '-d', staging, source], {
    encoding: 'utf8',
  });
  if (result.error || result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`javac ${source} failed: ${result.error?.message ?? result.stderr}`);
  }
  // Another process may have finished the same compilation meanwhile; either copy is good.
  if (existsSync(outDir)) rmSync(staging, { recursive: true, force: true });
  else renameSync(staging, outDir);
  return outDir;
}

export function startJavaHarness(options: JavaHarnessOptions): JavaHarness {
  const dist = kafkaDistribution();
  const classes = compileJavaHarness(options.source);
  const mainClass = basename(options.source, '.java');
  const jvm = options.jvmOptions ?? ['-Xmx512m', '-XX:+UseSerialGC', '-XX:CICompilerCount=2', '-Xss4m'];
  const child = spawn('java', [...jvm, '-cp', `${classes}:${dist.libsDir}/*`, mainClass], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const pending: Array<{ resolve: (line: string) => void; reject: (e: Error) => void }> = [];
  let stderr = '';
  let failure: Error | undefined;
  const failAll = (err: Error): void => {
    failure ??= err;
    for (const p of pending.splice(0)) p.reject(failure);
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    // Keep the tail only: it is for the error message when the harness dies.
    stderr = (stderr + chunk).slice(-4000);
  });
  child.on('error', (err) => failAll(err));
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      failAll(new Error(`Java harness ${mainClass} exited (${signal ?? code}): ${stderr.trim()}`));
      resolve();
    });
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    const p = pending.shift();
    if (!p) return failAll(new Error(`Java harness ${mainClass} printed an unrequested line: ${line}`));
    p.resolve(line);
  });
  const callLine = (line: string): Promise<string> => {
    if (failure) return Promise.reject(failure);
    if (line.includes('\n')) return Promise.reject(new Error('a harness request must be one line'));
    return new Promise<string>((resolve, reject) => {
      pending.push({ resolve, reject });
      child.stdin.write(`${line}\n`);
    });
  };
  return {
    async call<T>(request: unknown): Promise<T> {
      const line = await callLine(JSON.stringify(request));
      try {
        return JSON.parse(line) as T;
      } catch (err) {
        throw new Error(`Java harness ${mainClass} printed invalid JSON: ${line.slice(0, 200)}`, { cause: err });
      }
    },
    callLine,
    async close(): Promise<void> {
      child.stdin.end();
      await exited;
    },
  };
}
