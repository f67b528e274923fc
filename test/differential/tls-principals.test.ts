// mTLS principals against Kafka's own classes: the subject of a certificate as Java's
// X500Principal writes it (what a broker maps), and the user Kafka's SslPrincipalMapper makes of a
// name with the same rules. A difference in either fails here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseMappingRule, TlsIdentity } from '../../src/security/tls-principal.ts';
import { subjectDistinguishedName } from '../../src/security/x509-names.ts';
import { repoRoot } from '../../tools/kafka-dist.ts';
import { clientCertificate } from '../helpers/client-certificates.ts';
import { type JavaHarness, startJavaHarness } from './java-harness.ts';

let harness: JavaHarness;
const dir = mkdtempSync(join(tmpdir(), 'switchyard-principal-differential-'));
before(() => {
  harness = startJavaHarness({ source: join(repoRoot, 'test', 'differential', 'PrincipalHarness.java') });
});
after(async () => {
  await harness.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  readonly ok: boolean;
  readonly name?: string | null;
  readonly error?: string;
}

test("a certificate's subject is the name Kafka maps, for every kind of attribute and value", async () => {
  const subjects = [
    '/CN=alice',
    '/C=GB/ST=London/L=Camden/O=Acme Ltd/OU=Payments/CN=alice',
    '/DC=com/DC=example/OU=Svc+UID=u1/CN=Tkac, Adam/emailAddress=a@b.c',
    '/O=Ünïcode Straße/CN=José',
    '/CN= lead#trail ;<x>"q"\\\\ = ',
    '/CN=#hash/OU=plus\\+sign/O=a=b',
    '/serialNumber=1234/title=Dr/CN=x/street=1 Main St',
    '/CN=mm+OU=aa+UID=zz/O=multi',
  ];
  for (const [index, subject] of subjects.entries()) {
    const { der } = clientCertificate(dir, `subject-${index}`, { subject });
    const kafka = await harness.call<Answer>({ op: 'subject', der: der.toString('base64') });
    assert.ok(kafka.ok, kafka.error);
    assert.equal(subjectDistinguishedName(der), kafka.name, subject);
  }
});

const NAMES = [
  'CN=Duke,OU=ServiceUsers,O=Org,C=US',
  'CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US',
  'cn=duke,ou=sme,dc=mycp,dc=com',
  'cN=duke,OU=JavaSoft,O=Sun Microsystems',
  'OU=JavaSoft,O=Sun Microsystems,C=US',
  'CN=Tkac\\, Adam,OU=ITZ,DC=geodis,DC=cz',
  'CN=alice',
  'spiffe://example.org/ns/payments/sa/orders',
  '',
];

const RULE_SETS = [
  [
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L',
    'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L',
    'RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U',
    'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U',
    'DEFAULT',
  ],
  ['RULE:^CN=((\\\\, *|\\w)+)(,.*|$)/$1/'],
  ['RULE:.*/x/'],
  ['RULE:(C)N/[$1]/'],
  ['RULE:^CN=(.*)$/$1-$2-$12-$0/U'],
  ['RULE:^CN=(a)(l)(i)(c)(e)(.*)$/$5$4$3$2$1$6$10$11/'],
  ['RULE:^CN=(.*)$/\\$1\\/$1\\\\/'],
  ['RULE:^spiffe:\\/\\/example.org\\/ns\\/([^\\/]+)\\/sa\\/(.*)$/$2@$1/'],
  ['RULE:^$/empty/'],
];

test("mapping rules give the names Kafka's SslPrincipalMapper gives, and none where it has none", async () => {
  for (const rules of RULE_SETS) {
    const ours = new TlsIdentity({ from: 'subject', mappingRules: rules });
    for (const name of NAMES) {
      const kafka = await harness.call<Answer>({ op: 'map', rules: rules.join(','), name });
      assert.ok(kafka.ok, kafka.error);
      assert.equal(ours.map(name) ?? null, kafka.name, `${rules.join(' , ')} on '${name}'`);
    }
  }
});

test('rules Kafka refuses are refused when the configuration loads, and the ones it accepts are accepted', async () => {
  const rules = [
    'DEFAULT',
    'default',
    'DEFAUL',
    'DEFAULT/L',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/',
    'RULE:CN=(.*?),OU=ServiceUsers.*/$1',
    'rule:^CN=(.*?),OU=ServiceUsers.*$/$1/',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/L',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/LU',
    'RULE:^CN=(.*?)$/$1/U',
    'RULE:^CN=(.*$/$1/',
  ];
  for (const rule of rules) {
    const kafka = await harness.call<Answer>({ op: 'parse', rules: rule });
    let accepted = true;
    try {
      parseMappingRule(rule);
    } catch {
      accepted = false;
    }
    assert.equal(accepted, kafka.ok, `${rule}: ${kafka.error ?? 'accepted by Kafka'}`);
  }
});
