import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { repoRoot } from '../../../tools/kafka-dist.ts';

// Run in a fresh process: this test's own process may have loaded `node:tls` through other imports.
function builtinLoadedAfter(builtin: string, modules: string[]): boolean {
  const imports = modules.map((path) => `await import(${JSON.stringify(join(repoRoot, path))});`).join('\n');
  const output = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `${imports}\nprocess.stdout.write(String(process.moduleLoadList.includes('NativeModule ${builtin}')));`,
    ],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  return output === 'true';
}

it('loading the proxy, the first-party filters and routers does not load node:tls', () => {
  assert.equal(builtinLoadedAfter('tls', ['src/index.ts', 'src/proxy/virtual-cluster.ts']), false);
});

it('the first TLS use loads it', () => {
  assert.equal(builtinLoadedAfter('tls', ['src/config/lazy-tls.ts']), false);
  const script = `const { lazyTls } = await import(${JSON.stringify(join(repoRoot, 'src/config/lazy-tls.ts'))});
    lazyTls().createSecureContext({});
    process.stdout.write(String(process.moduleLoadList.includes('NativeModule tls')));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(output, 'true');
});
