// Installs what the test suite and the demo need beyond npm packages, once, and reuses it after:
// the pinned Kafka jars (Maven Central, into .cache/), kcat (Debian package), and the checkers of
// the Kubernetes manifests and Helm chart (into .cache/).
import { spawnSync } from 'node:child_process';
import { ensureHelm, ensureKubernetesValidate } from './deploy-tools.ts';
import { kafkaDistribution } from './kafka-dist.ts';

function ensureKcat(): void {
  if (spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error('kcat is not installed and this user cannot install it: run `sudo apt-get install -y kcat`');
  }
  process.stderr.write('Installing kcat from Debian packages (once)\n');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', 'kcat'],
  ]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed with status ${result.status}`);
  }
}

kafkaDistribution();
ensureKcat();
ensureKubernetesValidate();
ensureHelm();
