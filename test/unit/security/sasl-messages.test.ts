// Parsing the clients' first SASL messages: what inspection reads and termination checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt, parseOAuthBearerResponse } from '../../../src/security/oauthbearer.ts';
import { parsePlain } from '../../../src/security/plain.ts';
import { decodeSaslName, parseClientFirst, ScramFormatError } from '../../../src/security/scram.ts';

test('a SCRAM user name has its =2C and =3D decoded, and any other escape is refused', () => {
  assert.equal(decodeSaslName('a=2Cb=3Dc'), 'a,b=c');
  assert.throws(() => decodeSaslName('a=2Db'), ScramFormatError);
  assert.throws(() => decodeSaslName('a='), ScramFormatError);
});

test('a SCRAM client-first message gives user, authorization id, nonce and extensions', () => {
  const first = parseClientFirst(Buffer.from('n,a=bo=2Cb,n=bo=2Cb,r=abc123,tokenauth=true'));
  assert.equal(first.user, 'bo,b');
  assert.equal(first.authzid, 'bo,b');
  assert.equal(first.nonce, 'abc123');
  assert.equal(first.gs2Header, 'n,a=bo=2Cb,');
  assert.equal(first.bare, 'n=bo=2Cb,r=abc123,tokenauth=true');
  assert.equal(first.extensions.get('tokenauth'), 'true');
});

test('SCRAM channel binding, mandatory extensions and missing attributes are refused', () => {
  for (const text of ['y,,n=a,r=b', 'p=tls-unique,,n=a,r=b', 'n,,m=x,n=a,r=b', 'n,,r=b', 'n,,n=a', 'n=a,r=b']) {
    assert.throws(() => parseClientFirst(Buffer.from(text)), ScramFormatError, text);
  }
});

test('PLAIN gives authorization id, user and password, and counts its tokens as Kafka does', () => {
  assert.deepEqual(parsePlain(Buffer.from('admin\u0000alice\u0000pw')), {
    authzid: 'admin',
    user: 'alice',
    password: 'pw',
  });
  assert.equal(parsePlain(Buffer.from('alice\u0000pw')), 'Invalid SASL/PLAIN response: expected 3 tokens, got 2');
});

test('an OAUTHBEARER initial response gives the token, the authorization id and the extensions', () => {
  const response = parseOAuthBearerResponse(
    Buffer.from('n,a=carol,\u0001auth=Bearer abc.def.ghi\u0001traceId=7\u0001\u0001'),
  );
  assert.ok(typeof response !== 'string');
  assert.equal(response.token, 'abc.def.ghi');
  assert.equal(response.authzid, 'carol');
  assert.deepEqual([...response.extensions], [['traceId', '7']]);
  assert.equal(typeof parseOAuthBearerResponse(Buffer.from('n,,\u0001auth=Basic abc\u0001\u0001')), 'string');
  assert.equal(typeof parseOAuthBearerResponse(Buffer.from('n,,\u0001traceId=7\u0001\u0001')), 'string');
  assert.equal(typeof parseOAuthBearerResponse(Buffer.from('n,,auth=Bearer x')), 'string');
});

test('a JWT is decoded without verification; anything else is not a JWT', () => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const decoded = decodeJwt(`${part({ alg: 'none' })}.${part({ sub: 'x' })}.`);
  assert.deepEqual(decoded?.claims, { sub: 'x' });
  assert.equal(decodeJwt('a.b'), undefined);
  assert.equal(decodeJwt(`${part({ alg: 'none' })}.bm90IGpzb24.`), undefined);
});
