// What a reload touches: the comparison of the running configuration with the new one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import '../../../src/filters/index.ts';
import { configurationModel, parseConfiguration } from '../../../src/config/index.ts';
import { planReload } from '../../../src/proxy/lifecycle/reload-plan.ts';

const CLUSTERS = `
clusterDefinitions:
  - name: main
    bootstrapServers: kafka-1:9092
  - name: other
    bootstrapServers: kafka-2:9092
filterDefinitions:
  - name: policy
    type: TopicPolicy
    config: { denyCreate: ['orders-*'] }
`;

function vc(name: string, port: number, extra = ''): string {
  return `
  - name: ${name}
    target: { cluster: main }${extra}
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}`;
}

async function model(text: string) {
  return configurationModel(await parseConfiguration(text, { sourceName: 'test.yaml' }));
}

test('only a virtual cluster whose definition changed is restarted; new ones start, removed ones stop', async () => {
  const running = await model(`${CLUSTERS}\nvirtualClusters:${vc('a', 9100)}${vc('b', 9200)}${vc('c', 9300)}`);
  const next = await model(
    `${CLUSTERS}\nvirtualClusters:${vc('a', 9100)}${vc('b', 9200, '\n    drainTimeout: 3s')}${vc('d', 9400)}`,
  );
  assert.deepEqual(planReload(running, next, new Set()), {
    kind: 'plan',
    plan: { restart: ['b'], start: ['d'], stop: ['c'], unchanged: ['a'] },
  });
});

test('a change of a cluster or filter definition restarts the virtual clusters that use it', async () => {
  const filtered = '\n    filters: [policy]';
  const running = await model(`${CLUSTERS}\nvirtualClusters:${vc('a', 9100, filtered)}${vc('b', 9200)}`);
  const otherFilter = await model(
    `${CLUSTERS.replace("'orders-*'", "'payments-*'")}\nvirtualClusters:${vc('a', 9100, filtered)}${vc('b', 9200)}`,
  );
  assert.deepEqual(planReload(running, otherFilter, new Set()), {
    kind: 'plan',
    plan: { restart: ['a'], start: [], stop: [], unchanged: ['b'] },
  });
  const otherCluster = await model(
    `${CLUSTERS.replace('kafka-1:9092', 'kafka-3:9092')}\nvirtualClusters:${vc('a', 9100, filtered)}${vc('b', 9200)}`,
  );
  const decision = planReload(running, otherCluster, new Set());
  assert.deepEqual(decision.kind === 'plan' && decision.plan.restart, ['a', 'b']);
  // The cluster nobody uses changed: nothing is touched.
  const unused = await model(
    `${CLUSTERS.replace('kafka-2:9092', 'kafka-4:9092')}\nvirtualClusters:${vc('a', 9100, filtered)}${vc('b', 9200)}`,
  );
  assert.deepEqual(planReload(running, unused, new Set()), {
    kind: 'plan',
    plan: { restart: [], start: [], stop: [], unchanged: ['a', 'b'] },
  });
});

test('a failed virtual cluster is retried by any reload', async () => {
  const running = await model(`${CLUSTERS}\nvirtualClusters:${vc('a', 9100)}`);
  const decision = planReload(running, running, new Set(['a']));
  assert.deepEqual(decision.kind === 'plan' && decision.plan.restart, ['a']);
});

test('a change of the management or network section is refused, naming the key', async () => {
  const running = await model(`${CLUSTERS}\nvirtualClusters:${vc('a', 9100)}`);
  const network = await model(
    `network: { session: { maxInFlightRequests: 10 } }\n${CLUSTERS}\nvirtualClusters:${vc('a', 9100)}`,
  );
  assert.deepEqual(planReload(running, network, new Set()), {
    kind: 'refused',
    reason:
      'network.session.maxInFlightRequests changed: network settings apply to the whole process and are not reloaded; restart the proxy to apply them',
  });
  const management = await model(`management: { port: 9190 }\n${CLUSTERS}\nvirtualClusters:${vc('a', 9100)}`);
  const refused = planReload(running, management, new Set());
  assert.equal(refused.kind === 'refused' && refused.reason.startsWith('management changed'), true);
});
