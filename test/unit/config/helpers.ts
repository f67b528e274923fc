// Shared helpers of the configuration tests: parse YAML, collect issues, reach the model.
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError, type ConfigurationIssue, parseConfiguration } from '../../../src/config/index.ts';
import { configurationModel, type ProxyConfigurationModel } from '../../../src/config/model.ts';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/index.ts';

/** Directory of the fixture plugin modules; relative `type`s in tests resolve against it. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export async function load(
  yaml: string,
  baseDir = FIXTURES,
): Promise<{ model: ProxyConfigurationModel; warnings: string[] }> {
  const config = await parseConfiguration(yaml, { sourceName: 'test.yaml', baseDir });
  return { model: configurationModel(config), warnings: config.warnings.map(String) };
}

/** Every issue of an invalid configuration, formatted as reported. Fails if it loads. */
export async function rejected(yaml: string, baseDir = FIXTURES): Promise<string[]> {
  return (await rejectedIssues(yaml, baseDir)).map(String);
}

export async function rejectedIssues(yaml: string, baseDir = FIXTURES): Promise<readonly ConfigurationIssue[]> {
  try {
    await parseConfiguration(yaml, { sourceName: 'test.yaml', baseDir });
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, `expected ConfigurationError, got ${String(error)}`);
    return error.issues;
  }
  assert.fail('the configuration was expected to be rejected');
}

/** Asserts that `lines` contains `expected` (exact), showing all lines otherwise. */
export function assertHas(lines: readonly string[], expected: string): void {
  assert.ok(lines.includes(expected), `missing:\n  ${expected}\nin:\n  ${lines.join('\n  ')}`);
}

/** A minimal valid virtual cluster list for tests that are about other sections. */
export function vc(target: string, name = 'demo', port = 9192): string {
  return `
  - name: ${name}
    target: ${target}
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: localhost:${port}`;
}

let tlsDir: string | undefined;

/**
 * A folder of real TLS files, for configurations that name some (the loader reads and checks
 * them), made once per test file by the test bed's generator and removed on exit:
 * - `ca.pem`: the CA that issued the certificates below;
 * - `certs/proxy.pem` with its key `certs/proxy-key.pem`, and the same key encrypted with the
 *   password `secret` in `certs/proxy-key-encrypted.pem`;
 * - `client.pem` with its key `client-key.pem` (a key that does not match `certs/proxy.pem`);
 * - `not-pem.txt`: text that is neither a certificate nor a key.
 */
export function tlsFiles(): string {
  if (tlsDir !== undefined) return tlsDir;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-tls-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const ca = createCertificateAuthority(dir, 'switchyard-config-test-ca');
  const certs = join(dir, 'certs');
  mkdirSync(certs);
  const proxy = issueCertificate(ca, certs, 'proxy');
  issueCertificate(ca, dir, 'client');
  const encrypted = createPrivateKey(readFileSync(proxy.keyFile)).export({
    format: 'pem',
    type: 'pkcs8',
    cipher: 'aes-256-cbc',
    passphrase: 'secret',
  });
  writeFileSync(join(certs, 'proxy-key-encrypted.pem'), encrypted);
  writeFileSync(join(dir, 'not-pem.txt'), 'neither a certificate nor a key\n');
  tlsDir = dir;
  return dir;
}
