import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { generateAll, generatedDir } from '../../../tools/codegen/generate.ts';
import { repoRoot } from '../../../tools/kafka-dist.ts';

it('the committed src/protocol/generated/ is what the generator produces from the pinned specs (else run `npm run generate`)', () => {
  const { files } = generateAll();
  const stale = [...files].filter(([path, content]) => {
    const abs = join(repoRoot, path);
    return !existsSync(abs) || readFileSync(abs, 'utf8') !== content;
  });
  assert.deepEqual(
    stale.map(([path]) => path),
    [],
  );
  const onDisk = [
    ...readdirSync(generatedDir).filter((n) => n.endsWith('.ts')),
    ...readdirSync(join(generatedDir, 'messages')).map((n) => `messages/${n}`),
  ].map((n) => relative(repoRoot, join(generatedDir, n)));
  assert.deepEqual(
    onDisk.filter((p) => !files.has(p)),
    [],
    'generated files without a spec',
  );
});
