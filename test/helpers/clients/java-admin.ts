// Kafka's admin tools run from the pinned jars: kafka-topics (TopicCommand),
// kafka-consumer-groups (ConsumerGroupCommand), kafka-acls (AclCommand) and
// kafka-leader-election (LeaderElectionCommand), with their tables parsed into data.
import { runJavaTool } from '../../../testbed/java.ts';
import { ClientError, type KafkaConnection, type TopicToCreate } from './common.ts';
import { writeJavaClientConfig } from './java-config.ts';
import { firstErrorLine } from './java-console.ts';

export interface TopicDescription {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: readonly {
    readonly partition: number;
    readonly leader: number;
    readonly replicas: readonly number[];
    readonly isr: readonly number[];
  }[];
}

export interface GroupPartitionOffsets {
  readonly topic: string;
  readonly partition: number;
  /** null when the group has committed nothing for the partition. */
  readonly currentOffset: number | null;
  readonly logEndOffset: number | null;
  readonly lag: number | null;
}

async function runAdminTool(
  tool: string,
  mainClass: string,
  operation: string,
  connection: KafkaConnection,
  args: readonly string[],
  configFlag = '--command-config',
): Promise<string> {
  const config = writeJavaClientConfig(connection);
  try {
    const result = await runJavaTool(
      mainClass,
      ['--bootstrap-server', connection.bootstrapServers, configFlag, config.file, ...args],
      { hosts: connection.hosts },
    );
    if (result.exitCode !== 0) {
      throw new ClientError(tool, operation, firstErrorLine(result.stderr || result.stdout, result.exitCode), {
        output: result.stderr,
      });
    }
    return result.stdout;
  } finally {
    config.dispose();
  }
}

const topicCommand = (operation: string, connection: KafkaConnection, args: readonly string[]) =>
  runAdminTool('kafka-topics', 'org.apache.kafka.tools.TopicCommand', operation, connection, args);

const groupCommand = (operation: string, connection: KafkaConnection, args: readonly string[]) =>
  runAdminTool(
    'kafka-consumer-groups',
    'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
    operation,
    connection,
    args,
  );

export async function javaCreateTopic(connection: KafkaConnection, topic: TopicToCreate): Promise<void> {
  await topicCommand('create', connection, [
    '--create',
    '--topic',
    topic.name,
    '--partitions',
    String(topic.partitions ?? 1),
    '--replication-factor',
    String(topic.replicationFactor ?? 1),
  ]);
}

export async function javaListTopics(connection: KafkaConnection): Promise<string[]> {
  const stdout = await topicCommand('list', connection, ['--list']);
  return stdout
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .sort();
}

// "Topic: t1\tTopicId: …\tPartitionCount: 3\t…" then "\tTopic: t1\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1…"
export async function javaDescribeTopic(connection: KafkaConnection, topic: string): Promise<TopicDescription> {
  const stdout = await topicCommand('describe', connection, ['--describe', '--topic', topic]);
  const fields = (line: string) =>
    new Map(
      line
        .trim()
        .split('\t')
        .map((field) => {
          const at = field.indexOf(':');
          return [field.slice(0, at).trim(), field.slice(at + 1).trim()] as const;
        }),
    );
  const ids = (list: string | undefined) => (list ? list.split(',').map(Number) : []);
  const lines = stdout.split('\n').filter((line) => line.trim().length > 0);
  const header = fields(lines.find((line) => !line.startsWith('\t')) ?? '');
  return {
    name: header.get('Topic') ?? topic,
    topicId: header.get('TopicId') ?? '',
    partitions: lines
      .filter((line) => line.startsWith('\t'))
      .map(fields)
      .map((f) => ({
        partition: Number(f.get('Partition')),
        leader: Number(f.get('Leader')),
        replicas: ids(f.get('Replicas')),
        isr: ids(f.get('Isr')),
      })),
  };
}

export async function javaListGroups(connection: KafkaConnection): Promise<string[]> {
  const stdout = await groupCommand('list', connection, ['--list']);
  return stdout
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .sort();
}

/** The group's committed offsets and lag per partition (from `--describe --offsets`). */
export async function javaDescribeGroupOffsets(
  connection: KafkaConnection,
  groupId: string,
): Promise<GroupPartitionOffsets[]> {
  const stdout = await groupCommand('describe', connection, ['--describe', '--offsets', '--group', groupId]);
  const rows = stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cells) => cells.length >= 6 && cells[0] === groupId);
  const number = (cell: string | undefined) => (cell === undefined || cell === '-' ? null : Number(cell));
  return rows
    .map(([, topic = '', partition, current, end, lag]) => ({
      topic,
      partition: Number(partition),
      currentOffset: number(current),
      logEndOffset: number(end),
      lag: number(lag),
    }))
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/** The partitions `kafka-topics --describe` lists (every topic, or those `args` select), one "topic/partition" per row. */
export async function javaDescribedPartitions(connection: KafkaConnection, args: readonly string[]): Promise<string[]> {
  const stdout = await topicCommand('describe', connection, ['--describe', ...args]);
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('\t'))
    .map((line) => {
      const fields = new Map(
        line
          .trim()
          .split('\t')
          .map((field) => field.split(': ') as [string, string]),
      );
      return `${fields.get('Topic')}/${fields.get('Partition')}`;
    });
}

/** `kafka-consumer-groups` with these arguments (after --bootstrap-server): its output. */
export const javaGroupCommand = (connection: KafkaConnection, args: readonly string[]): Promise<string> =>
  groupCommand(args[0] ?? '', connection, args);

/** `kafka-acls` with these arguments (after --bootstrap-server): its output. */
export const javaAcls = (connection: KafkaConnection, args: readonly string[]): Promise<string> =>
  runAdminTool('kafka-acls', 'org.apache.kafka.tools.AclCommand', args[0] ?? '', connection, args);

/** `kafka-leader-election` with these arguments (after --bootstrap-server): its output. */
export const javaLeaderElection = (connection: KafkaConnection, args: readonly string[]): Promise<string> =>
  runAdminTool(
    'kafka-leader-election',
    'org.apache.kafka.tools.LeaderElectionCommand',
    'elect',
    connection,
    args,
    '--admin.config',
  );
