// docs/routers.md shows the worked example exactly as the tests run it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test('the worked example in docs/routers.md is docs/examples/api-key-split.ts, imported from the package', () => {
  const root = new URL('../../../', import.meta.url);
  const example = readFileSync(new URL('docs/examples/api-key-split.ts', root), 'utf8');
  const doc = readFileSync(new URL('docs/routers.md', root), 'utf8');
  assert.ok(doc.includes(example.replace("from '../../src/index.ts';", "from 'switchyard';")));
});
