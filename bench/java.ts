// How the benchmark runs Java: Kafka's own tools and broker from the pinned distribution, with the
// JVM's default (server) compiler and collector, because the test bed's fast-start flags (C1 only,
// serial GC) would make the clients and the broker the bottleneck being measured. Also compiles
// the benchmark's own small Java programs (bench/java/*.java) into the ignored cache, once.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafkaDistribution, repoRoot } from '../tools/kafka-dist.ts';
import { spawnTracked } from './proc.ts';

export const benchDir = dirname(fileURLToPath(import.meta.url));
export const logConfig = join(benchDir, 'log4j2.properties');
const classesDir = join(repoRoot, '.cache', 'bench', 'classes');

export function kafkaClasspath(): string {
  return `${kafkaDistribution().libsDir}/*`;
}

export function jvmArgs(heap: string, classpath: string, mainClass: string, args: readonly string[]): string[] {
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${logConfig}`,
    '-cp',
    classpath,
    mainClass,
    ...args,
  ];
}

export interface ToolResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly description: string;
}

/** Runs a Java program to completion (or until `timeoutMs`, then SIGKILL) and collects its output. */
export function runJava(
  mainClass: string,
  args: readonly string[],
  options: { readonly timeoutMs: number; readonly heap?: string; readonly classpath?: string },
): Promise<ToolResult> {
  const child = spawnTracked(
    'java',
    jvmArgs(options.heap ?? '512m', options.classpath ?? kafkaClasspath(), mainClass, args),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  return new Promise((resolve) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, stdout, stderr: `${stderr}${error.message}`, description: error.message });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const description = timedOut
        ? `timed out after ${options.timeoutMs} ms`
        : code === 0
          ? 'ok'
          : `exited with ${code ?? signal}`;
      resolve({ ok: code === 0 && !timedOut, stdout, stderr, description });
    });
  });
}

/**
 * Compiles bench/java/*.java against `classpath` into the cache when a source is newer than its
 * class, and returns the classpath that includes them.
 */
export function benchClasses(name: string, sources: readonly string[], classpath: string): string {
  const outDir = join(classesDir, name);
  const stamp = join(outDir, '.sources');
  const newest = Math.max(...sources.map((source) => statSync(source).mtimeMs));
  const fresh = existsSync(stamp) && readFileSync(stamp, 'utf8') === String(newest);
  if (!fresh) {
    mkdirSync(outDir, { recursive: true });
    const result = spawnSync('javac', ['-nowarn', '-d', outDir, '-cp', classpath, ...sources], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`javac failed:\n${result.stdout}${result.stderr}`);
    writeFileSync(stamp, String(newest));
  }
  return `${outDir}:${classpath}`;
}

export function javaSources(folder: string): string[] {
  return readdirSync(folder)
    .filter((file) => file.endsWith('.java'))
    .map((file) => join(folder, file));
}

/** Downloads the jars a pom lists (copy-dependencies) into `libsDir`, once. */
export function mavenLibs(pomFile: string, libsDir: string): void {
  if (existsSync(join(libsDir, '.complete'))) return;
  const { mavenRepo } = kafkaDistribution();
  mkdirSync(libsDir, { recursive: true });
  execFileSync(
    'mvn',
    [
      '-B',
      '-q',
      '-Dstyle.color=never',
      '-f',
      pomFile,
      `-Dmaven.repo.local=${mavenRepo}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libsDir}`,
      '-DincludeScope=runtime',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  writeFileSync(join(libsDir, '.complete'), '');
}
