import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { repoRoot } from '../../../tools/kafka-dist.ts';

// Run in a fresh process: this test's own process has loaded modules through other tests' imports.
function messageModulesLoadedBy(script: string): string[] {
  const hook = `
    import { registerHooks } from 'node:module';
    globalThis.loadedMessages = [];
    registerHooks({ load(url, context, next) {
      const match = /generated\\/messages\\/([^/]+)\\.ts$/.exec(url);
      if (match) globalThis.loadedMessages.push(match[1]);
      return next(url, context);
    } });`;
  const output = execFileSync(
    process.execPath,
    [
      '--import',
      `data:text/javascript,${encodeURIComponent(hook)}`,
      '--input-type=module',
      '-e',
      `${script}\nprocess.stdout.write(JSON.stringify(globalThis.loadedMessages.sort()));`,
    ],
    { cwd: repoRoot, encoding: 'utf8' },
  );
  return JSON.parse(output) as string[];
}

const protocolIndex = JSON.stringify(join(repoRoot, 'src', 'protocol', 'index.ts'));

it('importing the protocol layer loads no message module', () => {
  assert.deepEqual(messageModulesLoadedBy(`await import(${protocolIndex});`), []);
});

it('the first use of an API loads its request and response modules and no other', () => {
  const script = `const p = await import(${protocolIndex});
    const codecs = p.codecsFor(p.ApiKey.METADATA);
    if (codecs.response.name !== 'MetadataResponse') throw new Error(codecs.response.name);`;
  assert.deepEqual(messageModulesLoadedBy(script), ['metadata-request', 'metadata-response']);
});

it('codecsFor hands out the same codecs on every call', async () => {
  const { codecsFor, messageCodecs } = await import('../../../src/protocol/index.ts');
  assert.equal(codecsFor(3), codecsFor(3));
  assert.equal(messageCodecs[3], codecsFor(3));
  assert.equal(codecsFor(10_000), undefined);
});
