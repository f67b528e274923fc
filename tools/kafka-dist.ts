// Locates (and on first use downloads) the pinned Apache Kafka distribution: every runtime jar of
// the broker, its tools and the Java client, copied from Maven Central by testbed/kafka/pom.xml into
// the ignored `.cache/` folder of this repository. Later calls reuse the cache and touch no network.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pomFile = join(repoRoot, 'testbed', 'kafka', 'pom.xml');

export interface KafkaDistribution {
  readonly version: string;
  /** Folder holding every jar; put `${libsDir}/*` on the classpath. */
  readonly libsDir: string;
  /** The kafka-clients jar: it carries Kafka's message specs (`common/message/*.json`). */
  readonly clientsJar: string;
  /** The Maven local repository used for the download (reused by other Java helpers). */
  readonly mavenRepo: string;
}

export function pinnedKafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pomFile, 'utf8'));
  if (!match?.[1]) throw new Error(`${pomFile} has no <kafka.version> property`);
  return match[1];
}

/** Fails with one clear line when the JDK is missing or too old. */
export function requireJava(): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new Error(
      'Java 17 or newer is required (the `java` command was not found): install a JDK, e.g. `apt-get install openjdk-17-jdk-headless`',
    );
  }
  const major = /version "(\d+)/.exec(result.stderr)?.[1];
  if (major !== undefined && Number(major) < 17) {
    throw new Error(`Java 17 or newer is required, but \`java -version\` reports ${major}`);
  }
}

export function kafkaDistribution(): KafkaDistribution {
  const version = pinnedKafkaVersion();
  const cacheDir = join(repoRoot, '.cache');
  const libsDir = join(cacheDir, 'kafka', version, 'libs');
  const mavenRepo = join(cacheDir, 'm2');
  const clientsJar = join(libsDir, `kafka-clients-${version}.jar`);
  const marker = join(libsDir, '.complete');
  // The marker records the pom it was downloaded for, so editing the pom (a pinned transitive
  // jar, say) refreshes the cache instead of silently keeping the old jars.
  const pomHash = createHash('sha256').update(readFileSync(pomFile)).digest('hex');
  if (!existsSync(marker) || readFileSync(marker, 'utf8').trim() !== pomHash) {
    requireJava();
    // Download into a fresh folder and rename, so an interrupted download is never mistaken for a
    // complete one.
    const staging = `${libsDir}.partial`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    process.stderr.write(`Downloading Apache Kafka ${version} jars from Maven Central into ${libsDir} (once)\n`);
    execFileSync(
      'mvn',
      [
        '-B',
        '-q',
        '-f',
        pomFile,
        `-Dmaven.repo.local=${mavenRepo}`,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${staging}`,
        '-DincludeScope=runtime',
      ],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    writeFileSync(join(staging, '.complete'), `${pomHash}\n`);
    rmSync(libsDir, { recursive: true, force: true });
    mkdirSync(dirname(libsDir), { recursive: true });
    renameSync(staging, libsDir);
  }
  if (!existsSync(clientsJar)) {
    throw new Error(`kafka-clients jar missing from ${libsDir}: found ${readdirSync(libsDir).length} files`);
  }
  return { version, libsDir, clientsJar, mavenRepo };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dist = kafkaDistribution();
  process.stdout.write(`${JSON.stringify(dist)}\n`);
}
