// `switchyard credentials add`: the password comes from standard input, the file gets the user,
// and mistakes get the usage and exit code 1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseCredentialFile } from '../../../src/security/credential-store.ts';
import { verifyPlainPassword } from '../../../src/security/plain.ts';

const BIN = new URL('../../../bin/switchyard.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-credentials-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: readonly string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

test('credentials add reads the password from standard input and writes the user', async () => {
  const file = join(dir, 'users.json');
  const result = await run(
    ['credentials', 'add', '--file', file, '--user', 'ivy', '--mechanisms', 'PLAIN,SCRAM-SHA-512'],
    'ivy-Secret-1\n',
  );
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /user 'ivy' written \(1 users\)/);
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes('ivy-Secret-1'));
  const ivy = parseCredentialFile(text, file).get('ivy')!;
  assert.deepEqual([...ivy.scram.keys()], ['SCRAM-SHA-512']);
  assert.equal(await verifyPlainPassword('ivy-Secret-1', ivy.plain!), true);
});

test('credentials add without a password or with an unknown option exits 1 with the reason', async () => {
  const empty = await run(['credentials', 'add', '--file', join(dir, 'x.json'), '--user', 'u'], '');
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /no password on standard input/);
  const unknown = await run(['credentials', 'add', '--file', 'x', '--user', 'u', '--password', 'p'], 'p\n');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Unknown option '--password'[\s\S]*Usage:/);
});
