// kcat (librdkafka) driven as a subprocess: metadata (-L -J), produce (-P) and consume (-C / -G
// with the -J JSON envelope), against any bootstrap address, with TLS and SASL settings.
// Known limit: Debian's kcat links librdkafka 2.0.2, whose SCRAM exchange Kafka 4 brokers reject
// (fixed in librdkafka 2.6.1); PLAIN works.
import { spawn } from 'node:child_process';
import { trackChild } from '../../../testbed/child-reaper.ts';
import { withOwnHosts } from '../../../testbed/own-hosts.ts';
import {
  byOffset,
  ClientError,
  type ConsumedRecord,
  type ConsumeOptions,
  type KafkaConnection,
  type RecordToProduce,
} from './common.ts';

const client = 'kcat';
// Delimiters that never occur in test data, so keys and values may contain tabs and newlines.
const keyDelimiter = '\u001f';
const messageDelimiter = '\u001e';

export interface KcatMetadata {
  readonly originatingBroker: { readonly id: number; readonly host: string; readonly port: number };
  readonly brokers: readonly { readonly id: number; readonly host: string; readonly port: number }[];
  readonly topics: readonly {
    readonly name: string;
    readonly error?: string;
    readonly partitions: readonly {
      readonly partition: number;
      readonly leader: number;
      readonly replicas: readonly number[];
      readonly isrs: readonly number[];
    }[];
  }[];
}

/** librdkafka properties (-X) for a connection. */
export function kcatConfig(connection: KafkaConnection): string[] {
  const { tls, sasl } = connection;
  const protocol = sasl ? (tls ? 'sasl_ssl' : 'sasl_plaintext') : tls ? 'ssl' : 'plaintext';
  const properties: Record<string, string> = { 'security.protocol': protocol };
  if (tls) {
    properties['ssl.ca.location'] = tls.caFile;
    if (tls.certFile) properties['ssl.certificate.location'] = tls.certFile;
    if (tls.keyFile) properties['ssl.key.location'] = tls.keyFile;
  }
  if (sasl) {
    properties['sasl.mechanisms'] = sasl.mechanism;
    properties['sasl.username'] = sasl.username;
    properties['sasl.password'] = sasl.password;
  }
  return Object.entries(properties).flatMap(([key, value]) => ['-X', `${key}=${value}`]);
}

interface KcatRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

function runKcat(
  args: readonly string[],
  options: { input?: string; timeoutMs: number; hosts?: KafkaConnection['hosts'] },
): Promise<KcatRun> {
  return new Promise((resolve, reject) => {
    const run = withOwnHosts('kcat', args, options.hosts);
    const child = spawn(run.command, run.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    trackChild(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.on('error', () => {
      // kcat exited before reading its input; its status says why
    });
    child.stdin.end(options.input ?? '');
    child.once('error', reject);
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr, timedOut });
    });
  });
}

/** `kcat -L -J`: the brokers and topics the bootstrap server reports. */
export async function kcatMetadata(
  connection: KafkaConnection,
  options: { topic?: string; timeoutMs?: number } = {},
): Promise<KcatMetadata> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const args = [
    '-b',
    connection.bootstrapServers,
    ...kcatConfig(connection),
    '-L',
    '-J',
    '-m',
    String(Math.ceil(timeoutMs / 1000)),
  ];
  if (options.topic) args.push('-t', options.topic);
  const run = await runKcat(args, { timeoutMs: timeoutMs + 5000, hosts: connection.hosts });
  if (run.exitCode !== 0) throw new ClientError(client, 'metadata', firstError(run), { output: run.stderr });
  const raw = JSON.parse(run.stdout) as {
    originating_broker: { id: number; name: string };
    brokers: { id: number; name: string }[];
    topics: {
      topic: string;
      error?: string;
      partitions: { partition: number; leader: number; replicas: { id: number }[]; isrs: { id: number }[] }[];
    }[];
  };
  const address = (broker: { id: number; name: string }) => {
    const at = broker.name.lastIndexOf(':');
    return {
      id: broker.id,
      host: broker.name.slice(0, at).replace(/^.*:\/\//, ''),
      port: Number(broker.name.slice(at + 1).split('/')[0]),
    };
  };
  return {
    originatingBroker: address(raw.originating_broker),
    brokers: raw.brokers.map(address),
    topics: raw.topics.map((topic) => ({
      name: topic.topic,
      ...(topic.error ? { error: topic.error } : {}),
      partitions: topic.partitions.map((p) => ({
        partition: p.partition,
        leader: p.leader,
        replicas: p.replicas.map((r) => r.id),
        isrs: p.isrs.map((r) => r.id),
      })),
    })),
  };
}

/**
 * `kcat -P`: produces the records, waiting for every delivery report. Records are sent in runs of
 * equal partition and headers, since kcat sets those per invocation.
 */
export async function kcatProduce(
  connection: KafkaConnection,
  topic: string,
  records: readonly RecordToProduce[],
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const runs: RecordToProduce[][] = [];
  for (const record of records) {
    const last = runs.at(-1)?.[0];
    const same =
      last && last.partition === record.partition && JSON.stringify(last.headers) === JSON.stringify(record.headers);
    if (same) runs.at(-1)?.push(record);
    else runs.push([record]);
  }
  for (const run of runs) {
    const first = run[0];
    if (!first) continue;
    const timeoutMs = options.timeoutMs ?? 30_000;
    const args = ['-b', connection.bootstrapServers, ...kcatConfig(connection), '-P', '-t', topic];
    args.push('-K', keyDelimiter, '-D', messageDelimiter, '-Z');
    // Undeliverable records (an unreachable or refusing broker) fail before our own deadline.
    args.push('-X', `message.timeout.ms=${Math.max(1000, timeoutMs - 5000)}`);
    if (first.partition !== undefined) args.push('-p', String(first.partition));
    for (const [name, value] of Object.entries(first.headers ?? {})) args.push('-H', `${name}=${value}`);
    // -Z turns an empty key or value into null; a record without a key has no delimiter at all.
    const input = run
      .map(
        (r) =>
          `${r.key === undefined || r.key === null ? '' : `${r.key}${keyDelimiter}`}${r.value ?? ''}${messageDelimiter}`,
      )
      .join('');
    const result = await runKcat(args, { input, timeoutMs, hosts: connection.hosts });
    if (result.exitCode !== 0 || result.timedOut || /Delivery failed|ERROR:/.test(result.stderr)) {
      throw new ClientError(client, 'produce', firstError(result), { output: result.stderr });
    }
  }
}

/** `kcat -C` (no group) or `kcat -G` (consumer group): the first `count` records, as JSON envelopes. */
export async function kcatConsume(connection: KafkaConnection, options: ConsumeOptions): Promise<ConsumedRecord[]> {
  const args = ['-b', connection.bootstrapServers, ...kcatConfig(connection), '-J', '-q', '-c', String(options.count)];
  // librdkafka takes a subscription starting with '^' as a regular expression.
  const topics = options.pattern ? [`^${options.pattern.replace(/^\^/, '')}`] : (options.topics ?? [options.topic]);
  if (options.groupId) args.push('-X', 'auto.offset.reset=earliest', '-G', options.groupId, ...topics);
  else args.push('-C', '-t', options.topic, '-o', 'beginning');
  const result = await runKcat(args, { timeoutMs: options.timeoutMs ?? 30_000, hosts: connection.hosts });
  const records = result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map(parseEnvelope)
    .sort(byOffset);
  if (result.timedOut || result.exitCode !== 0 || records.length < options.count) {
    const reason = result.timedOut
      ? `timed out with ${records.length} of ${options.count} records`
      : firstError(result);
    throw new ClientError(client, 'consume', reason, { received: records, output: result.stderr });
  }
  return records;
}

function parseEnvelope(line: string): ConsumedRecord {
  const raw = JSON.parse(line) as {
    topic: string;
    partition: number;
    offset: number;
    ts: number;
    headers?: string[];
    key: string | null;
    payload: string | null;
  };
  const headers: Record<string, string> = {};
  const list = raw.headers ?? [];
  for (let i = 0; i + 1 < list.length; i += 2) headers[list[i] as string] = list[i + 1] as string;
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    key: raw.key,
    value: raw.payload,
    headers,
    timestamp: raw.ts,
  };
}

function firstError(run: KcatRun): string {
  if (run.timedOut) return 'timed out';
  const line = run.stderr.split('\n').find((l) => /ERROR|FAIL|failed/.test(l));
  return (line ?? run.stderr.trim()) || `exit status ${run.exitCode}`;
}
