// The tools that check deploy/ (docs/kubernetes.md): kubernetes-validate (PyPI), whose JSON
// schemas of the Kubernetes API reject unknown fields, in a virtual environment, and Helm, built
// from its Go module. Both are installed once into .cache/, in folders named by their pinned
// versions, so changing a pin installs the new version beside the old.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './kafka-dist.ts';

const KUBERNETES_VALIDATE_VERSION = '1.37.0';
const HELM_MODULE = 'helm.sh/helm/v4/cmd/helm';
const HELM_VERSION = 'v4.3.2';

const venv = join(repoRoot, '.cache', 'python', `kubernetes-validate-${KUBERNETES_VALIDATE_VERSION}`);
/** The kubernetes-validate command; present once `npm run setup` has run. */
export const kubernetesValidatePath = join(venv, 'bin', 'kubernetes-validate');
/** The helm command; present once `npm run setup` has run on a machine with Go. */
export const helmPath = join(repoRoot, '.cache', 'helm', HELM_VERSION, 'helm');

export function ensureKubernetesValidate(): void {
  if (existsSync(kubernetesValidatePath)) return;
  process.stderr.write(`Installing kubernetes-validate ${KUBERNETES_VALIDATE_VERSION} from PyPI into ${venv} (once)\n`);
  // The entry script is written last, so an interrupted install is redone from scratch.
  rmSync(venv, { recursive: true, force: true });
  execFileSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 'inherit', 'inherit'] });
  execFileSync(
    join(venv, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', `kubernetes-validate==${KUBERNETES_VALIDATE_VERSION}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
}

/**
 * Builds Helm when Go is there. Helm is optional: without Go, or when the build fails, this says
 * so and the tests of the Helm chart are skipped, saying why, rather than failing the test run.
 */
export function ensureHelm(): void {
  if (existsSync(helmPath)) return;
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
    process.stderr.write('Go is not installed: Helm is not built and the tests of the Helm chart will be skipped\n');
    return;
  }
  process.stderr.write(`Building Helm ${HELM_VERSION} from its Go module into ${helmPath} (once, a few minutes)\n`);
  // go install writes the binary only when the build has succeeded.
  const build = spawnSync('go', ['install', `${HELM_MODULE}@${HELM_VERSION}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: join(repoRoot, '.cache', 'helm', HELM_VERSION) },
  });
  if (build.status !== 0) {
    process.stderr.write(
      `Building Helm failed (status ${build.status}): the tests of the Helm chart will be skipped\n`,
    );
  }
}
