// mTLS principals: mapping rules with the syntax and results Kafka documents for
// `ssl.principal.mapping.rules`, the subject written as Kafka (Java's X500Principal) writes it,
// and identities from subject alternative names.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { MappingRuleError, parseMappingRule, TlsIdentity } from '../../../src/security/tls-principal.ts';
import { subjectAlternativeNames, subjectDistinguishedName } from '../../../src/security/x509-names.ts';
import { clientCertificate } from '../../helpers/client-certificates.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-tls-principal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function identity(mappingRules: string[], from: 'subject' | 'san:dns' | 'san:uri' | 'san:email' = 'subject') {
  return new TlsIdentity({ from, mappingRules });
}

test("Kafka's documented rules map its example names", () => {
  const mapper = identity([
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L',
    'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L',
    'RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U',
    'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U',
    'DEFAULT',
  ]);
  assert.equal(mapper.map('CN=Duke,OU=ServiceUsers,O=Org,C=US'), 'duke');
  assert.equal(mapper.map('CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US'), 'duke@sme');
  assert.equal(mapper.map('cn=duke,ou=sme,dc=mycp,dc=com'), 'DUKE@SME');
  assert.equal(mapper.map('cN=duke,OU=JavaSoft,O=Sun Microsystems'), 'DUKE');
  assert.equal(mapper.map('OU=JavaSoft,O=Sun Microsystems,C=US'), 'OU=JavaSoft,O=Sun Microsystems,C=US');
});

test('an escaped comma inside a value stays part of the name', () => {
  assert.equal(
    identity(['RULE:^CN=((\\\\, *|\\w)+)(,.*|$)/$1/', 'DEFAULT']).map('CN=Tkac\\, Adam,OU=ITZ,DC=geodis,DC=cz'),
    'Tkac\\, Adam',
  );
});

test('a rule applies only when its pattern matches the whole name; without DEFAULT nothing maps', () => {
  const mapper = identity(['RULE:CN=([a-z]+)/$1/']);
  assert.equal(mapper.map('CN=alice'), 'alice');
  assert.equal(mapper.map('CN=alice,O=Acme'), undefined);
});

test('a group the pattern does not have is literal text, and \\ escapes in the replacement', () => {
  assert.equal(identity(['RULE:^CN=(.*)$/$1-$2/']).map('CN=a'), 'a-$2');
  assert.equal(identity(['RULE:^CN=(.*)$/\\$1\\/$1/']).map('CN=a'), '$1/a');
  assert.equal(identity(['RULE:^CN=(.*)$/$0/']).map('CN=a'), 'CN=a');
});

test('slashes escaped in the pattern do not end it', () => {
  // As in Kafka, even a slash in a character class must be escaped.
  const rule = 'RULE:^spiffe:\\/\\/example.org\\/ns\\/([^\\/]+)\\/.*$/$1/';
  assert.equal(identity([rule]).map('spiffe://example.org/ns/pay/sa/x'), 'pay');
  assert.throws(() => parseMappingRule('RULE:^spiffe://example.org/(.*)$/$1/'), MappingRuleError);
});

test('rules Kafka accepts are accepted, rules Kafka refuses are refused with the reason', () => {
  for (const rule of [
    'DEFAULT',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/',
    'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/',
    'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L',
    'RULE:^cn=(.?),ou=(.?),dc=(.?),dc=(.?)$/$1@$2/U',
    'RULE:^CN=([^,ADEFLTU,]+)(,.*|$)/$1/',
    '  RULE:   /     / ',
  ]) {
    assert.doesNotThrow(() => parseMappingRule(rule), rule);
  }
  for (const rule of [
    'default',
    'DEFAUL',
    'DEFAULT/L',
    'DEFAULT/U',
    'RULE:CN=(.*?),OU=ServiceUsers.*/$1',
    'rule:^CN=(.*?),OU=ServiceUsers.*$/$1/',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/L',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/U',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/LU',
    'RULE:^CN=(.*$/$1/',
    'RULE:^CN=.*$/$1/',
    'RULE:^CN=(.*)$/$x/',
  ]) {
    assert.throws(() => parseMappingRule(rule), MappingRuleError, rule);
  }
});

test('the subject is written as Kafka writes it: most specific first, RFC 2253 escapes, OIDs in hex', () => {
  const plain = clientCertificate(dir, 'plain', { subject: '/C=GB/ST=London/O=Acme Ltd/OU=Payments/CN=alice' });
  assert.equal(subjectDistinguishedName(plain.der), 'CN=alice,OU=Payments,O=Acme Ltd,ST=London,C=GB');
  const odd = clientCertificate(dir, 'odd', {
    subject: '/DC=com/DC=example/OU=Svc+UID=u1/CN=Tkac, Adam/emailAddress=a@b.c',
  });
  // What Java's X500Principal.getName() prints for the same certificate.
  assert.equal(
    subjectDistinguishedName(odd.der),
    '1.2.840.113549.1.9.1=#16056140622e63,CN=Tkac\\, Adam,OU=Svc+UID=u1,DC=example,DC=com',
  );
  const escaped = clientCertificate(dir, 'escaped', { subject: '/O=Ünïcode/CN= lead#trail ;<x>"q"\\\\ = ' });
  assert.equal(subjectDistinguishedName(escaped.der), 'CN=\\ lead\\#trail \\;\\<x\\>\\"q\\"\\\\ \\=\\ ,O=Ünïcode');
});

test('subject alternative names are read by kind, in certificate order', () => {
  const { der } = clientCertificate(dir, 'sans', {
    subject: '/CN=svc',
    altNames: [
      'DNS:svc.example.com',
      'URI:spiffe://example.org/ns/pay/sa/orders',
      'email:svc@example.com',
      'DNS:b.example',
    ],
  });
  assert.deepEqual(subjectAlternativeNames(der, 'dns'), ['svc.example.com', 'b.example']);
  assert.deepEqual(subjectAlternativeNames(der, 'uri'), ['spiffe://example.org/ns/pay/sa/orders']);
  assert.deepEqual(subjectAlternativeNames(der, 'email'), ['svc@example.com']);
  assert.deepEqual(subjectAlternativeNames(clientCertificate(dir, 'no-sans', { subject: '/CN=x' }).der, 'dns'), []);
});

function tlsOf(der: Buffer, verified = true) {
  return { serverName: undefined, peerCertificate: { raw: der } as PeerCertificate, certificateVerified: verified };
}

test('a verified certificate gives a User principal mapped by the rules; an unverified one gives none', () => {
  const { der } = clientCertificate(dir, 'bob', { subject: '/O=Acme/OU=Payments/CN=bob' });
  const mapped = identity(['RULE:^CN=([^,]+),OU=Payments,.*$/$1/U', 'DEFAULT']);
  assert.deepEqual(mapped.subjectOf(tlsOf(der)), { principals: [{ type: 'User', name: 'BOB' }], isAnonymous: false });
  assert.equal((mapped.subjectOf(tlsOf(der, false)) as { isAnonymous: boolean }).isAnonymous, true);
  assert.equal((mapped.subjectOf(undefined) as { isAnonymous: boolean }).isAnonymous, true);
});

test('a SAN identity comes from the first name of its kind, through the rules', () => {
  const { der } = clientCertificate(dir, 'spiffe', {
    subject: '/CN=ignored',
    altNames: ['URI:spiffe://example.org/ns/pay/sa/orders', 'URI:https://other'],
  });
  const spiffe = identity(['RULE:^spiffe:\\/\\/example.org\\/ns\\/([^\\/]+)\\/sa\\/(.*)$/$2@$1/'], 'san:uri');
  assert.deepEqual(spiffe.subjectOf(tlsOf(der)), {
    principals: [{ type: 'User', name: 'orders@pay' }],
    isAnonymous: false,
  });
});

test('a certificate without the configured name, or that no rule maps, is refused with the reason', () => {
  const { der } = clientCertificate(dir, 'carol', { subject: '/CN=carol' });
  assert.deepEqual(identity(['DEFAULT'], 'san:email').subjectOf(tlsOf(der)), {
    refused: 'the client certificate has no EMAIL subject alternative name',
  });
  assert.deepEqual(identity(['RULE:^CN=(dave)$/$1/']).subjectOf(tlsOf(der)), {
    refused: "no principal mapping rule applies to 'CN=carol'",
  });
  assert.match(
    (identity(['DEFAULT']).subjectOf(tlsOf(Buffer.from([0x30, 0x05, 0x01]))) as { refused: string }).refused,
    /cannot be read/,
  );
});
