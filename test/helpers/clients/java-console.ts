// Kafka's console producer and consumer (the kafka-console-*.sh tools) run from the pinned jars.
// Output is parsed into records: the consumer prints each field with separators that never occur
// in test data, so keys and values may contain tabs, commas and colons.
import { runJavaTool } from '../../../testbed/java.ts';
import {
  byOffset,
  ClientError,
  type ConsumedRecord,
  type ConsumeOptions,
  type KafkaConnection,
  type RecordToProduce,
} from './common.ts';
import { writeJavaClientConfig } from './java-config.ts';

const fieldSeparator = '\u001f';
const recordSeparator = '\u001e';
const headerSeparator = '\u001d';
const headerKeySeparator = '\u001c';
const nullMarker = '\u001bNULL';

/** Produces through ConsoleProducer (acks=all); the partitioner places records (no `partition`). */
export async function javaConsoleProduce(
  connection: KafkaConnection,
  topic: string,
  records: readonly RecordToProduce[],
  options: { timeoutMs?: number } = {},
): Promise<void> {
  if (records.some((r) => r.partition !== undefined)) {
    throw new Error('the console producer cannot choose partitions: drop `partition`');
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const config = writeJavaClientConfig(connection, {
    'delivery.timeout.ms': String(Math.max(2000, timeoutMs - 10_000)),
    'request.timeout.ms': String(Math.max(1000, timeoutMs - 12_000)),
  });
  const readerProperties = {
    'parse.key': 'true',
    'key.separator': fieldSeparator,
    'parse.headers': 'true',
    'headers.delimiter': fieldSeparator,
    'headers.separator': headerSeparator,
    'headers.key.separator': headerKeySeparator,
    'null.marker': nullMarker,
  };
  // One line per record: headers, key, value. No headers is spelled with the null marker, which
  // the reader understands there (an empty field is an error).
  const input = records
    .map((r) => {
      const headers = Object.entries(r.headers ?? {})
        .map(([k, v]) => `${k}${headerKeySeparator}${v}`)
        .join(headerSeparator);
      return [headers || nullMarker, r.key ?? nullMarker, r.value ?? nullMarker].join(fieldSeparator);
    })
    .join('\n');
  try {
    const result = await runJavaTool(
      'org.apache.kafka.tools.ConsoleProducer',
      [
        '--bootstrap-server',
        connection.bootstrapServers,
        '--topic',
        topic,
        '--command-config',
        config.file,
        '--request-required-acks',
        'all',
        '--max-block-ms',
        String(Math.max(1000, timeoutMs - 10_000)),
        ...Object.entries(readerProperties).flatMap(([k, v]) => ['--reader-property', `${k}=${v}`]),
      ],
      { input: `${input}\n`, timeoutMs, hosts: connection.hosts },
    );
    // The producer logs failed sends and exits 0 anyway: its log lines are the verdict.
    if (result.exitCode !== 0 || /\bERROR\b/.test(result.stderr)) {
      throw new ClientError('console-producer', 'produce', firstErrorLine(result.stderr, result.exitCode), {
        output: result.stderr,
      });
    }
  } finally {
    config.dispose();
  }
}

/**
 * Consumes through ConsoleConsumer from the beginning, in a group if `groupId` is given, with
 * `consumerProperties` added to its client properties (group.protocol=consumer, for instance).
 */
export async function javaConsoleConsume(
  connection: KafkaConnection,
  options: ConsumeOptions,
  consumerProperties: Readonly<Record<string, string>> = {},
): Promise<ConsumedRecord[]> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const config = writeJavaClientConfig(connection, consumerProperties);
  const formatter = {
    'print.timestamp': 'true',
    'print.partition': 'true',
    'print.offset': 'true',
    'print.headers': 'true',
    'print.key': 'true',
    'print.value': 'true',
    'key.separator': fieldSeparator,
    'line.separator': `${recordSeparator}\n`,
    'headers.separator': headerSeparator,
    'null.literal': nullMarker,
  };
  try {
    const result = await runJavaTool(
      'org.apache.kafka.tools.consumer.ConsoleConsumer',
      [
        '--bootstrap-server',
        connection.bootstrapServers,
        // A list or a pattern subscribes through --include; the printed records do not name their topic.
        ...(options.pattern || options.topics
          ? ['--include', options.pattern ?? `^(${options.topics!.map(escapeRegex).join('|')})$`]
          : ['--topic', options.topic]),
        '--command-config',
        config.file,
        '--from-beginning',
        '--max-messages',
        String(options.count),
        // Exit when no record arrives for this long, rather than being killed at our deadline.
        '--timeout-ms',
        String(Math.max(1000, timeoutMs - 5000)),
        ...(options.groupId ? ['--group', options.groupId] : []),
        ...Object.entries(formatter).flatMap(([k, v]) => ['--formatter-property', `${k}=${v}`]),
      ],
      { timeoutMs, hosts: connection.hosts },
    );
    const records = result.stdout
      .split(`${recordSeparator}\n`)
      .filter((chunk) => chunk.length > 0)
      .map((chunk) => parseRecord(options.topic, chunk))
      .sort(byOffset);
    if (records.length < options.count) {
      throw new ClientError(
        'console-consumer',
        'consume',
        `got ${records.length} of ${options.count} records: ${firstErrorLine(result.stderr, result.exitCode)}`,
        { received: records, output: result.stderr },
      );
    }
    return records;
  } finally {
    config.dispose();
  }
}

const escapeRegex = (name: string): string => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// "CreateTime:<ts>␟Partition:<p>␟Offset:<o>␟<headers>␟<key>␟<value>"
function parseRecord(topic: string, chunk: string): ConsumedRecord {
  const [timestamp = '', partition = '', offset = '', headerField = '', key = '', ...value] =
    chunk.split(fieldSeparator);
  const headers: Record<string, string> = {};
  if (headerField !== 'NO_HEADERS') {
    for (const header of headerField.split(headerSeparator)) {
      const at = header.indexOf(':');
      headers[header.slice(0, at)] = header.slice(at + 1);
    }
  }
  const nullable = (text: string) => (text === nullMarker ? null : text);
  return {
    topic,
    partition: Number(partition.replace('Partition:', '')),
    offset: Number(offset.replace('Offset:', '')),
    key: nullable(key),
    value: nullable(value.join(fieldSeparator)),
    headers,
    timestamp: Number(timestamp.replace(/^\w+Time:/, '')),
  };
}

export function firstErrorLine(stderr: string, exitCode: number | null): string {
  const line = stderr.split('\n').find((l) => /ERROR|Exception/.test(l));
  return (line ?? stderr.trim().split('\n')[0] ?? '') || `exit status ${exitCode}`;
}
