// How the test bed runs Java: the classpath of the pinned Kafka distribution, JVM flags tuned for
// fast start on a small machine, and a runner for Kafka's short-lived command-line tools.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { kafkaDistribution } from '../tools/kafka-dist.ts';
import { trackChild } from './child-reaper.ts';
import { classDataSharing } from './class-data-sharing.ts';
import { type HostOverrides, withOwnHosts } from './own-hosts.ts';
import { testbedDir } from './paths.ts';

export const brokerLogConfig = join(testbedDir, 'kafka', 'log4j2-broker.properties');
export const toolsLogConfig = join(testbedDir, 'kafka', 'log4j2-tools.properties');

export interface JvmOptions {
  /** -Xmx value, e.g. '512m'. */
  readonly heap: string;
  readonly logConfig: string;
  readonly systemProperties?: Readonly<Record<string, string>>;
  /** Extra JVM flags (class data sharing). */
  readonly jvmFlags?: readonly string[];
}

/** The `java` argument list that runs `mainClass` from the Kafka jars. */
export function javaArgs(mainClass: string, args: readonly string[], options: JvmOptions): string[] {
  const { libsDir } = kafkaDistribution();
  const properties = Object.entries(options.systemProperties ?? {}).map(([key, value]) => `-D${key}=${value}`);
  return [
    `-Xmx${options.heap}`,
    // C1 only and the serial collector: the JVM starts in about half the time, and nothing the
    // tests do runs long enough to profit from C2 or a concurrent collector.
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-Xshare:auto',
    '-XX:-UsePerfData',
    '-Djava.awt.headless=true',
    ...(options.jvmFlags ?? []),
    `-Dlog4j2.configurationFile=${options.logConfig}`,
    ...properties,
    '-cp',
    `${libsDir}/*`,
    mainClass,
    ...args,
  ];
}

export interface JavaToolResult {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface JavaToolOptions {
  /** Written to the tool's stdin, which is then closed. */
  readonly input?: string;
  /** The tool is killed after this long; the result then has signal SIGKILL. */
  readonly timeoutMs?: number;
  readonly heap?: string;
  /** Host names the tool resolves to these addresses (see own-hosts.ts). */
  readonly hosts?: HostOverrides;
  /** Java system properties (-Dname=value), e.g. Kafka's allowed OAuth token endpoint URLs. */
  readonly systemProperties?: Readonly<Record<string, string>>;
}

/** Runs one of Kafka's command-line tools to completion and collects its output. */
export function runJavaTool(
  mainClass: string,
  args: readonly string[],
  options: JavaToolOptions = {},
): Promise<JavaToolResult> {
  const sharing = classDataSharing(true);
  const properties = Object.entries(options.systemProperties ?? {}).map(([name, value]) => `-D${name}=${value}`);
  const jvm = { heap: options.heap ?? '256m', logConfig: toolsLogConfig, jvmFlags: [...sharing.args, ...properties] };
  const run = withOwnHosts('java', javaArgs(mainClass, args, jvm), options.hosts);
  const child = spawn(run.command, run.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  trackChild(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.on('error', () => {
    // The tool exited before reading all its input; its exit status tells why.
  });
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      sharing.done(exitCode);
      resolve({ exitCode, signal, stdout, stderr });
    });
  });
}
