// Application class data sharing (AppCDS) for the JVMs the test bed starts: the classes a Kafka
// JVM loads are dumped once into an archive next to the jars, and later JVMs map it instead of
// parsing and verifying those classes again, which cuts a tool's start by roughly a third to a
// half. The first tool run that finds no archive writes it as it exits (brokers never exit
// cleanly, so they only use it). The archive's name is a hash of the JVM and of every jar's name,
// size and date, so a new JDK or a new download gets a new archive instead of a rejected one.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { kafkaDistribution } from '../tools/kafka-dist.ts';

export interface SharingPlan {
  readonly args: readonly string[];
  /** Call with the JVM's exit code: publishes the archive it dumped, if any. */
  readonly done: (exitCode: number | null) => void;
}

// The JVM prints CDS warnings (classes it cannot archive) on stdout, where tools print results.
const quiet = ['-Xlog:disable', '-Xlog:all=error:stderr'];
let archivePath: string | undefined;
let dumpingInThisProcess = false;

function archive(): string {
  if (archivePath) return archivePath;
  const { libsDir } = kafkaDistribution();
  const hash = createHash('sha256');
  hash.update(spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr);
  for (const jar of readdirSync(libsDir).sort()) {
    const stat = statSync(join(libsDir, jar));
    hash.update(`${jar}:${stat.size}:${stat.mtimeMs}\n`);
  }
  archivePath = join(dirname(libsDir), `classes-${hash.digest('hex').slice(0, 16)}.jsa`);
  return archivePath;
}

/** JVM arguments that use the archive, or (for a tool that exits by itself) create it. */
export function classDataSharing(canDump: boolean): SharingPlan {
  const target = archive();
  if (existsSync(target)) return { args: [...quiet, `-XX:SharedArchiveFile=${target}`], done: () => {} };
  if (!canDump || dumpingInThisProcess) return { args: [], done: () => {} };
  dumpingInThisProcess = true;
  // Each dumper writes its own file and renames it into place, so racing processes never leave
  // a half-written archive under the final name.
  const partial = `${target}.${process.pid}.partial`;
  return {
    args: [...quiet, `-XX:ArchiveClassesAtExit=${partial}`],
    done: (exitCode) => {
      dumpingInThisProcess = false;
      if (exitCode === 0 && existsSync(partial)) renameSync(partial, target);
      else rmSync(partial, { force: true });
    },
  };
}
