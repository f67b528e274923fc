// Every acceptance behaviour of the routing specification (R1–R140) has a test whose name starts
// with its number, or is listed below as not yet proven, with the reason. The list can only
// shrink: a behaviour listed here that gains a test fails this test until it is removed.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const TEST_ROOT = new URL('../../', import.meta.url).pathname;

/** Behaviours without their own test yet, and why. */
const NOT_YET_PROVEN: ReadonlyMap<number, string> = new Map([]);

function testFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Behaviour numbers named at the start of a test's name: `test('R12, R13: …'`. */
function provenBehaviours(): Set<number> {
  const proven = new Set<number>();
  for (const file of testFiles(TEST_ROOT)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/test\(\s*['`"]((?:R\d+(?: \([^)]*\))?(?:, )?)+)[:,\s]/g)) {
      for (const number of match[1]!.matchAll(/R(\d+)/g)) proven.add(Number(number[1]));
    }
  }
  return proven;
}

test('every acceptance behaviour R1–R140 has a test named after it, or a reason it has none yet', () => {
  const proven = provenBehaviours();
  const missing: number[] = [];
  const listedButProven: number[] = [];
  for (let number = 1; number <= 140; number++) {
    if (proven.has(number) && NOT_YET_PROVEN.has(number)) listedButProven.push(number);
    if (!proven.has(number) && !NOT_YET_PROVEN.has(number)) missing.push(number);
  }
  assert.deepEqual(
    missing.map((n) => `R${n}`),
    [],
    'behaviours with neither a test nor a reason',
  );
  assert.deepEqual(
    listedButProven.map((n) => `R${n}`),
    [],
    'behaviours listed as not proven that now have a test',
  );
});
