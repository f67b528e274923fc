// JWT verification for SaslTermination's OAUTHBEARER: signatures against the JWKS, the time and
// audience claims with the clock skew, and a JWKS refreshed when a new key id shows up.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { JwtVerifier } from '../../../src/security/jwt-verifier.ts';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/tls.ts';
import { jwksOf, jwt, signingKey } from '../../integration/security/sasl-frames.ts';

const silent = { isLevelEnabled: () => false, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const dir = mkdtempSync(join(tmpdir(), 'switchyard-jwks-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const rsa = signingKey('k1', 'RS256');
const ec = signingKey('k2', 'ES256');
const file = join(dir, 'jwks.json');
writeFileSync(file, jwksOf([rsa, ec]));
const verifier = new JwtVerifier(
  {
    jwks: file,
    refreshMs: 3_600_000,
    issuer: 'iss',
    audience: 'aud',
    clockSkewSeconds: 30,
    principalClaim: 'sub',
    groupsClaim: 'roles',
  },
  silent,
);
await verifier.start();
after(() => verifier.close());
const NOW = 1_800_000_000_000;
const at = (seconds: number) => NOW / 1000 + seconds;
const good = { sub: 'carol', iss: 'iss', aud: 'aud', exp: at(60), roles: ['a', 'b'] };

test('RS256 and ES256 tokens of the JWKS verify, with principal, groups and expiry', async () => {
  for (const key of [rsa, ec]) {
    assert.deepEqual(await verifier.verify(jwt(key, good), NOW), {
      ok: true,
      principal: 'carol',
      groups: ['a', 'b'],
      expiresAtMs: at(60) * 1000,
    });
  }
});

test('expiry, not-before, issuer, audience and the principal claim are checked, with the clock skew', async () => {
  const reason = async (claims: Record<string, unknown>) => {
    const verdict = await verifier.verify(jwt(rsa, { ...good, ...claims }), NOW);
    return verdict.ok ? 'ok' : verdict.reason;
  };
  assert.equal(await reason({ exp: at(-10) }), 'ok', 'within the skew');
  assert.equal(await reason({ exp: at(-31) }), 'expired');
  assert.equal(await reason({ exp: undefined }), 'no exp claim');
  assert.equal(await reason({ nbf: at(20) }), 'ok', 'within the skew');
  assert.equal(await reason({ nbf: at(40) }), 'not valid yet');
  assert.equal(await reason({ iss: 'other' }), 'wrong issuer');
  assert.equal(await reason({ aud: ['x', 'aud'] }), 'ok');
  assert.equal(await reason({ aud: 'x' }), 'wrong audience');
  assert.equal(await reason({ sub: '' }), 'no sub claim');
});

test('unsigned, HMAC-signed and tampered tokens are refused', async () => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const none = `${part({ alg: 'none', kid: 'k1' })}.${part(good)}.`;
  const hmac = `${part({ alg: 'HS256', kid: 'k1' })}.${part(good)}.c2ln`;
  const token = jwt(rsa, good);
  const [header, , signature] = token.split('.');
  const tampered = `${header}.${part({ ...good, sub: 'mallory' })}.${signature}`;
  for (const bad of [none, hmac, tampered, 'not-a-jwt']) {
    assert.equal((await verifier.verify(bad, NOW)).ok, false, bad.slice(0, 30));
  }
});

test('a token signed by a key added to the JWKS later verifies after the refresh its unknown key id causes', async () => {
  const added = signingKey('k3', 'ES256');
  writeFileSync(file, jwksOf([rsa, ec, added]));
  assert.equal((await verifier.verify(jwt(added, good), NOW)).ok, true);
});

test('a JWKS served over HTTPS by a server of a configured CA is loaded, and a failing refresh keeps the keys', async () => {
  const ca = createCertificateAuthority(dir, 'switchyard-test-jwks-ca');
  const server = issueCertificate(ca, dir, 'jwks-server');
  let answer = { status: 200, body: jwksOf([rsa]) };
  const https = createServer(
    { cert: readFileSync(server.certFile), key: readFileSync(server.keyFile) },
    (_req, res) => {
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(answer.body);
    },
  );
  https.listen(0, '127.0.0.1');
  await once(https, 'listening');
  const { port } = https.address() as AddressInfo;
  const remote = new JwtVerifier(
    {
      jwks: `https://localhost:${port}/jwks.json`,
      jwksCaFile: ca.certFile,
      refreshMs: 3_600_000,
      clockSkewSeconds: 0,
      principalClaim: 'sub',
    },
    silent,
  );
  try {
    await remote.start();
    assert.equal((await remote.verify(jwt(rsa, good), NOW)).ok, true);
    answer = { status: 500, body: 'down' };
    const unknown = signingKey('k9', 'RS256');
    assert.deepEqual(await remote.verify(jwt(unknown, good), NOW), { ok: false, reason: 'no JWKS key for the token' });
    assert.equal((await remote.verify(jwt(rsa, good), NOW)).ok, true, 'the keys loaded before stay');
  } finally {
    remote.close();
    https.close();
  }
});
