// Compiles src/ into dist/ (JavaScript and type declarations) for the package: `npm pack` and
// `npm publish` run it through `prepack`. The repository itself runs the sources; Node does not
// strip types under node_modules, so an installed package needs this build
// (docs/design/2026-12-03-package.md). dist/ is emptied first so that a source file deleted or
// renamed since the last build does not linger in the package.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
// typescript's `exports` do not list its bin, so it is found next to its package.json.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status === 0) {
  // The admin page is plain files the management endpoint reads beside its module: tsc skips them.
  cpSync(join(root, 'src', 'management', 'ui'), join(root, 'dist', 'management', 'ui'), { recursive: true });
}
process.exit(result.status ?? 1);
