// The credential file: what `switchyard credentials add` writes is what the store reads, and a
// bad file is refused with the file and the key named, never a value of it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { addCredentials, parseCredentialsArguments } from '../../../src/cli/credentials.ts';
import { CredentialFileError, parseCredentialFile } from '../../../src/security/credential-store.ts';
import { verifyPlainPassword } from '../../../src/security/plain.ts';
import { scramCredential } from '../../../src/security/scram.ts';

test('credentials add writes SCRAM credentials and a PLAIN hash that verify the password, and never the password', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-credentials-'));
  try {
    const file = join(dir, 'users.json');
    const options = parseCredentialsArguments(['add', '--file', file, '--user', 'al,ice', '--group', 'ops']);
    assert.ok(typeof options !== 'string');
    await addCredentials(options, 'pa$$word-1');
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes('pa$$word-1'));
    const alice = parseCredentialFile(text, file).get('al,ice')!;
    assert.deepEqual(alice.groups, ['ops']);
    assert.equal(await verifyPlainPassword('pa$$word-1', alice.plain!), true);
    assert.equal(await verifyPlainPassword('pa$$word-2', alice.plain!), false);
    for (const [mechanism, stored] of alice.scram) {
      const again = scramCredential(mechanism, 'pa$$word-1', stored.iterations, stored.salt);
      assert.deepEqual(again.storedKey, stored.storedKey, mechanism);
      assert.deepEqual(again.serverKey, stored.serverKey, mechanism);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('credentials add refuses too few iterations and unknown mechanisms', () => {
  assert.match(
    String(parseCredentialsArguments(['add', '--file', 'f', '--user', 'u', '--iterations', '100'])),
    /at least 4096/,
  );
  assert.match(
    String(parseCredentialsArguments(['add', '--file', 'f', '--user', 'u', '--mechanisms', 'GSSAPI'])),
    /GSSAPI/,
  );
  assert.match(String(parseCredentialsArguments(['add', '--user', 'u'])), /--file is required/);
});

test('a bad credential file names the file and the key, and quotes none of its values', () => {
  const secretLooking = 'c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw==';
  const cases: [string, RegExp][] = [
    ['{"users": {"a": {"PLAIN": {"algorithm": "md5"}}}}', /users\."a"\.PLAIN\.algorithm/],
    [
      `{"users": {"a": {"SCRAM-SHA-256": {"salt": "${secretLooking}", "iterations": 10}}}}`,
      /iterations: expected an integer of at least 4096/,
    ],
    [
      `{"users": {"a": {"SCRAM-SHA-512": {"salt": "${secretLooking}", "iterations": 4096, "storedKey": "${secretLooking}", "serverKey": "x"}}}}`,
      /storedKey: expected 64 bytes/,
    ],
    ['{"users": {"a": {"password": "hunter2"}}}', /users\."a"\.password: unknown key/],
    [`{"users": {"a": "${secretLooking}"`, /not valid JSON/],
  ];
  for (const [text, expected] of cases) {
    assert.throws(
      () => parseCredentialFile(text, '/etc/switchyard/users.json'),
      (error: Error) => {
        assert.ok(error instanceof CredentialFileError);
        assert.match(error.message, /^\/etc\/switchyard\/users\.json: /);
        assert.match(error.message, expected);
        assert.ok(!error.message.includes(secretLooking) && !error.message.includes('hunter2'), error.message);
        return true;
      },
    );
  }
});

test('the store file written by hand with only one mechanism loads', () => {
  const credential = scramCredential('SCRAM-SHA-256', 'pw', 4096, Buffer.alloc(16, 7));
  const text = JSON.stringify({
    users: {
      bob: {
        'SCRAM-SHA-256': {
          salt: credential.salt.toString('base64'),
          iterations: 4096,
          storedKey: credential.storedKey.toString('base64'),
          serverKey: credential.serverKey.toString('base64'),
        },
      },
    },
  });
  const bob = parseCredentialFile(text, 'f').get('bob')!;
  assert.equal(bob.plain, undefined);
  assert.deepEqual([...bob.scram.keys()], ['SCRAM-SHA-256']);
});
