// The proxy's SASL client messages, byte for byte against the RFCs' own examples.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { renewalDelay } from '../../../src/security/sasl-client/exchange.ts';
import { ClientCredentialsTokens, oauthBearerMessage } from '../../../src/security/sasl-client/oauthbearer.ts';
import { plainMessage } from '../../../src/security/sasl-client/plain.ts';
import { ScramClient } from '../../../src/security/sasl-client/scram.ts';

test('SCRAM-SHA-256 produces the proof of RFC 7677 §3 and accepts its server signature', async () => {
  const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
  assert.equal(client.first().toString(), 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
  const final = await client.final(
    Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
  );
  assert.equal(
    final.toString(),
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  );
  client.verify(Buffer.from('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='));
});

test('SCRAM refuses a server signature that does not match, and a server that does not extend the nonce', async () => {
  const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
  client.first();
  await client.final(
    Buffer.from('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096'),
  );
  assert.throws(
    () => client.verify(Buffer.from('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')),
    /server signature does not match/,
  );
  const other = new ScramClient('SCRAM-SHA-512', 'user', 'pencil', 'abc');
  other.first();
  await assert.rejects(
    other.final(Buffer.from('r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096')),
    /does not extend the client nonce/,
  );
  await assert.rejects(other.final(Buffer.from('r=abcdef,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=100000000')), /iterations/);
});

test('SCRAM escapes , and = in the user name (RFC 5802 §5.1)', () => {
  const client = new ScramClient('SCRAM-SHA-512', 'a,b=c', 'pw', 'n0nce');
  assert.equal(client.first().toString(), 'n,,n=a=2Cb=3Dc,r=n0nce');
});

test('PLAIN and OAUTHBEARER messages have the shapes of RFC 4616 and RFC 7628', () => {
  assert.deepEqual(plainMessage('alice', 'secret'), Buffer.from('\0alice\0secret'));
  assert.deepEqual(plainMessage('alice', 'secret', 'bob'), Buffer.from('bob\0alice\0secret'));
  assert.equal(oauthBearerMessage('t0k3n').toString(), 'n,,\x01auth=Bearer t0k3n\x01\x01');
});

test('re-authentication is planned between 85% and 95% of the session lifetime, and not at all without one', () => {
  assert.equal(renewalDelay(0), undefined);
  assert.equal(
    renewalDelay(10_000, () => 0),
    8_500,
  );
  assert.equal(
    renewalDelay(10_000, () => 0.999_999),
    9_499,
  );
});

test('client-credentials tokens are shared, reused until 80% of their lifetime, then fetched again; a refusal names no secret', async (t) => {
  const requests: string[] = [];
  let status = 200;
  const server = createServer((request, response) => {
    requests.push(request.headers.authorization ?? '');
    response.statusCode = status;
    response.setHeader('content-type', 'application/json');
    response.end(
      status === 200
        ? JSON.stringify({ access_token: `token-${requests.length}`, expires_in: 100 })
        : JSON.stringify({ error: 'invalid_client' }),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  process.env.SWITCHYARD_TEST_CLIENT_SECRET = 's3cret';
  let now = 1_000_000;
  const tokens = new ClientCredentialsTokens({
    endpoint: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/token`),
    clientId: 'proxy',
    clientSecret: { kind: 'env', name: 'SWITCHYARD_TEST_CLIENT_SECRET' },
    now: () => now,
  });
  assert.deepEqual(await Promise.all([tokens.token(), tokens.token()]), ['token-1', 'token-1']);
  now += 79_000;
  assert.equal(await tokens.token(), 'token-1');
  now += 2_000;
  assert.equal(await tokens.token(), 'token-2');
  assert.equal(requests.length, 2);
  assert.equal(requests[0], `Basic ${Buffer.from('proxy:s3cret').toString('base64')}`);
  status = 401;
  now += 100_000;
  await assert.rejects(tokens.token(), (error: Error) => {
    assert.match(error.message, /answered 401 without a token: invalid_client/);
    assert.equal(error.message.includes('s3cret'), false);
    return true;
  });
});
