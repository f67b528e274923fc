// SaslTermination's configuration problems that its schema cannot express are reported at the
// key that causes them, and an unusable credential store fails the virtual cluster clearly.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { FilterFactoryContext } from '../../../src/filter/index.ts';
import { SaslTermination } from '../../../src/filters/sasl-termination/index.ts';
import { PluginConfigurationError } from '../../../src/plugins/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-termination-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const silent = { isLevelEnabled: () => false, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const context = {
  virtualClusterName: 'vc',
  filterName: 'sasl',
  logger: silent,
  metrics: { counter: () => ({ inc() {} }), histogram: () => ({ observe() {} }) },
  configurationDirectory: dir,
} as unknown as FilterFactoryContext;

async function refusal(config: object): Promise<PluginConfigurationError> {
  try {
    await SaslTermination.initialize(context, config as never);
  } catch (error) {
    assert.ok(error instanceof PluginConfigurationError, String(error));
    return error;
  }
  assert.fail('the configuration was accepted');
}

test('PLAIN or SCRAM without a credential store, and OAUTHBEARER without a JWKS, are refused at their key', async () => {
  assert.equal((await refusal({ mechanisms: ['SCRAM-SHA-512'] })).path, '/credentials');
  assert.equal((await refusal({ mechanisms: ['OAUTHBEARER'] })).path, '/oauthbearer');
});

test('a missing or invalid credential store, and an unusable JWKS, name the file', async () => {
  const missing = await refusal({ mechanisms: ['PLAIN'], credentials: 'nope.json' });
  assert.match(missing.message, /nope\.json: cannot read the credential store \(ENOENT\)/);
  writeFileSync(join(dir, 'bad.json'), '{"users": []}');
  const bad = await refusal({ mechanisms: ['PLAIN'], credentials: 'bad.json' });
  assert.match(bad.message, /bad\.json: \(top level\): expected an object with a "users" object/);
  writeFileSync(join(dir, 'jwks.json'), '{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}');
  const jwks = await refusal({ mechanisms: ['OAUTHBEARER'], oauthbearer: { jwks: 'jwks.json' } });
  assert.equal(jwks.path, '/oauthbearer/jwks');
  assert.match(jwks.message, /holds no usable RSA or EC signing key/);
  assert.ok(!jwks.message.includes('c2VjcmV0'));
});
