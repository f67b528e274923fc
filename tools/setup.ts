// Installs what the test suite and the demo need beyond npm packages, once, and reuses it after:
// the pinned Kafka jars (Maven Central, into .cache/), kcat and Chromium (Debian packages; Chromium
// drives the admin page test through playwright-core, which never downloads a browser of its own),
// and the checkers of the Kubernetes manifests and Helm chart (into .cache/).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ensureHelm, ensureKubernetesValidate } from './deploy-tools.ts';
import { kafkaDistribution } from './kafka-dist.ts';

/** Where the admin page test finds the browser; Debian's chromium package installs it here. */
const CHROMIUM = '/usr/bin/chromium';

/** The Debian packages the tests need that are missing here. */
function missingPackages(): string[] {
  const missing: string[] = [];
  if (spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status !== 0) missing.push('kcat');
  // Recommended packages are skipped for speed, but without a font every label renders as boxes.
  if (!existsSync(CHROMIUM)) missing.push('chromium', 'fonts-liberation');
  return missing;
}

/** One `apt-get update` and one install for everything missing: no work at all when nothing is. */
function ensureDebianPackages(): void {
  const missing = missingPackages();
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${missing.join(' and ')} not installed and this user cannot install them: run \`sudo apt-get install -y ${missing.join(' ')}\``,
    );
  }
  process.stderr.write(`Installing ${missing.join(' and ')} from Debian packages (once)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...missing],
  ]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with status ${result.status}`);
  }
  const still = missingPackages();
  if (still.length > 0) throw new Error(`apt-get reported success but ${still.join(' and ')} still missing`);
}

kafkaDistribution();
ensureDebianPackages();
ensureKubernetesValidate();
ensureHelm();
