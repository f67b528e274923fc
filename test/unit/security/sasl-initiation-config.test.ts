// SaslInitiation's configuration: secrets only from files or the environment, checked when the
// virtual cluster starts, each problem reported at its key without the secret's value.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FilterFactoryContext } from '../../../src/filter/api.ts';
import { SaslInitiation, type SaslInitiationConfig } from '../../../src/filters/sasl-initiation.ts';
import { PluginConfigurationError } from '../../../src/plugins/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-sasl-initiation-config-'));
writeFileSync(join(dir, 'password'), 'hunter2\n');
writeFileSync(join(dir, 'empty'), '\n');
const context = { configurationDirectory: dir } as FilterFactoryContext;

function refusal(config: SaslInitiationConfig): { message: string; path: string | undefined } {
  try {
    SaslInitiation.initialize(context, config);
  } catch (error) {
    assert.ok(error instanceof PluginConfigurationError, String(error));
    assert.equal(error.message.includes('hunter2'), false);
    return { message: error.message, path: error.path };
  }
  assert.fail('the configuration was accepted');
}

test('a password file relative to the configuration file is accepted, and read later', () => {
  const init = SaslInitiation.initialize(context, {
    mechanism: 'SCRAM-SHA-512',
    username: 'u',
    passwordFile: 'password',
  });
  assert.deepEqual((init as { credentials: unknown }).credentials, {
    mechanism: 'SCRAM-SHA-512',
    username: 'u',
    password: { kind: 'file', path: join(dir, 'password') },
  });
});

test('a password comes from exactly one place, and that place must hold one', () => {
  assert.deepEqual(refusal({ mechanism: 'PLAIN', username: 'u' }), {
    message: "exactly one of 'passwordFile' or 'passwordEnv' is required",
    path: undefined,
  });
  assert.deepEqual(
    refusal({ mechanism: 'PLAIN', username: 'u', passwordFile: 'password', passwordEnv: 'X' }).message,
    "exactly one of 'passwordFile' or 'passwordEnv' is required",
  );
  assert.deepEqual(refusal({ mechanism: 'PLAIN', username: 'u', passwordFile: 'missing' }), {
    message: `cannot read the secret file '${join(dir, 'missing')}': ENOENT`,
    path: '/passwordFile',
  });
  assert.deepEqual(refusal({ mechanism: 'PLAIN', username: 'u', passwordFile: 'empty' }).path, '/passwordFile');
  assert.deepEqual(
    refusal({ mechanism: 'SCRAM-SHA-256', username: 'u', passwordEnv: 'SWITCHYARD_TEST_UNSET_VARIABLE' }),
    {
      message: "the environment variable 'SWITCHYARD_TEST_UNSET_VARIABLE' is not set",
      path: '/passwordEnv',
    },
  );
  assert.equal(
    refusal({ mechanism: 'SCRAM-SHA-256', passwordFile: 'password' }).message,
    "'username' is required for SCRAM-SHA-256",
  );
});

test('keys of another mechanism are refused at their key', () => {
  assert.deepEqual(
    refusal({ mechanism: 'SCRAM-SHA-512', username: 'u', passwordFile: 'password', tokenFile: 'password' }),
    {
      message: "'tokenFile' does not apply to SCRAM-SHA-512",
      path: '/tokenFile',
    },
  );
  assert.deepEqual(refusal({ mechanism: 'OAUTHBEARER', tokenFile: 'password', clientId: 'c' }).path, '/clientId');
});

test('a token endpoint must be https, or http on loopback, and needs a client id and secret', () => {
  const endpoint = (tokenEndpoint: string) =>
    refusal({ mechanism: 'OAUTHBEARER', tokenEndpoint, clientId: 'c', clientSecretFile: 'missing' });
  assert.deepEqual(endpoint('http://login.example.com/token'), {
    message: 'the token endpoint must be an https URL (http only on loopback)',
    path: '/tokenEndpoint',
  });
  assert.equal(endpoint('http://127.0.0.1:8080/token').path, '/clientSecretFile');
  assert.equal(endpoint('not a url').path, '/tokenEndpoint');
  assert.equal(
    refusal({ mechanism: 'OAUTHBEARER' }).message,
    "OAUTHBEARER needs 'tokenFile', or 'tokenEndpoint' with 'clientId'",
  );
});
