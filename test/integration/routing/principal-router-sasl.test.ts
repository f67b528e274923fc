// PrincipalRouter with SASL identities: SaslTermination on the virtual cluster's chain authenticates
// clients against a credential store before any route is chosen, and the router sends each client
// to the cluster of its group (checked on each cluster directly). Before authentication, the
// router answers API_VERSIONS with what every route serves. No password reaches the logs.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { addCredentials } from '../../../src/cli/credentials.ts';
import type { KafkaConnection } from '../../helpers/clients/common.ts';
import { kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { kcatMetadata } from '../../helpers/clients/kcat.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

const PASSWORDS = { alice: 'alice-Principal-4d1e', bob: 'bob-Principal-8c2a', carol: 'carol-Principal-0b7f' };

async function setUp() {
  const [clusterA, clusterB] = await Promise.all([
    useKafkaCluster({ name: 'principal-sasl-a' }),
    useKafkaCluster({ name: 'principal-sasl-b' }),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-principal-sasl-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const credentials = join(dir, 'users.json');
  const mechanisms = ['PLAIN', 'SCRAM-SHA-512'] as const;
  await addCredentials(
    { file: credentials, user: 'alice', iterations: 4096, mechanisms, groups: ['payments'] },
    PASSWORDS.alice,
  );
  await addCredentials(
    { file: credentials, user: 'bob', iterations: 4096, mechanisms, groups: ['analytics'] },
    PASSWORDS.bob,
  );
  await addCredentials({ file: credentials, user: 'carol', iterations: 4096, mechanisms, groups: [] }, PASSWORDS.carol);
  const port = await freePortBlock(8);
  const running = await useProxy(`
clusterDefinitions:
  - name: a
    bootstrapServers: ${clusterA.bootstrapServers}
  - name: b
    bootstrapServers: ${clusterB.bootstrapServers}
filterDefinitions:
  - name: sasl
    type: SaslTermination
    config: { mechanisms: [PLAIN, SCRAM-SHA-512], credentials: ${credentials} }
routerDefinitions:
  - name: by-group
    type: PrincipalRouter
    config:
      rules:
        - { group: payments, route: a }
        - { group: analytics, route: b }
    routes:
      - { name: a, id: 0, target: { cluster: a } }
      - { name: b, id: 1, target: { cluster: b } }
virtualClusters:
  - name: sasl
    target: { router: by-group }
    filters: [sasl]
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: 127.0.0.1:${port} }
`);
  return {
    running,
    as: (user: keyof typeof PASSWORDS, mechanism: 'PLAIN' | 'SCRAM-SHA-512'): KafkaConnection => ({
      bootstrapServers: running.bootstrap('sasl', 'ports'),
      sasl: { mechanism, username: user, password: PASSWORDS[user] },
    }),
    direct: {
      a: { bootstrapServers: clusterA.bootstrapServers },
      b: { bootstrapServers: clusterB.bootstrapServers },
    },
  };
}

const { as, direct, running } = await setUp();

test('two SASL users of one bootstrap address land on the clusters of their groups', async () => {
  await kafkajsCreateTopics(as('alice', 'SCRAM-SHA-512'), [{ name: 'payments-ledger' }]);
  await kafkajsProduce(as('alice', 'SCRAM-SHA-512'), 'payments-ledger', [{ value: 'from alice' }]);
  await kafkajsCreateTopics(as('bob', 'PLAIN'), [{ name: 'analytics-events' }]);
  await kafkajsProduce(as('bob', 'PLAIN'), 'analytics-events', [{ value: 'from bob' }]);
  const onA = (await kcatMetadata(direct.a)).topics.map((t) => t.name);
  const onB = (await kcatMetadata(direct.b)).topics.map((t) => t.name);
  assert.ok(onA.includes('payments-ledger') && !onA.includes('analytics-events'), onA.join());
  assert.ok(onB.includes('analytics-events') && !onB.includes('payments-ledger'), onB.join());
  const read = await kafkajsConsume(as('alice', 'SCRAM-SHA-512'), {
    topic: 'payments-ledger',
    groupId: 'ledger-readers',
    count: 1,
  });
  assert.deepEqual(
    read.map((r) => r.value),
    ['from alice'],
  );
});

test('a SASL user in no routed group is refused after authenticating', async () => {
  await assert.rejects(
    kafkajsProduce(as('carol', 'PLAIN'), 'never', [{ value: 'x' }], { idempotent: false }),
    /Cluster authorization failed|CLUSTER_AUTHORIZATION_FAILED|not authorized/i,
  );
});

test('no password used by these tests appears in any log line of the proxy', () => {
  const lines = running.logs.map((line) => JSON.stringify(line));
  assert.ok(lines.length > 0);
  for (const password of Object.values(PASSWORDS)) {
    assert.deepEqual(
      lines.filter((line) => line.includes(password)),
      [],
    );
  }
});
