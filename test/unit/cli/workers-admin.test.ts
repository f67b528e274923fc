// The admin page with `--workers 2`: the supervisor serves it for the group, with the route graph
// from the configuration, the workers listed, and no virtual nodes (each worker learns its own).

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { http } from '../lifecycle/fixtures.ts';
import { startCommand } from './spawn.ts';

test('with --workers 2 the supervisor serves /ui and /api/status for the whole group', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-workers-admin-')), 'group.yaml');
  writeFileSync(
    file,
    `management:
  bindAddress: 127.0.0.1
  port: 0
  ui: { enabled: true }
clusterDefinitions:
  - name: upstream
    bootstrapServers: 127.0.0.1:9
virtualClusters:
  - name: demo
    drainTimeout: 1s
    target: { cluster: upstream }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:0
`,
  );
  const supervisor = startCommand(['--config', file, '--workers', '2']);
  try {
    const listening = await supervisor.waitForLine((l) => /^management endpoint listening on/.test(l.msg ?? ''));
    const port = Number(/:(\d+)$/.exec(listening.msg ?? '')?.[1]);
    await supervisor.waitForLine((l) => l.msg === 'Switchyard started with 2 workers');
    assert.equal((await http(port, '/ui')).status, 200);
    const status = JSON.parse((await http(port, '/api/status')).body);
    assert.equal(status.state, 'started');
    assert.deepEqual(
      status.workers.map((w: { index: number; state: string }) => [w.index, w.state]),
      [
        [0, 'started'],
        [1, 'started'],
      ],
    );
    const [demo] = status.virtualClusters;
    assert.equal(demo.state, 'serving');
    assert.deepEqual(demo.routeGraph, {
      filters: [],
      target: { kind: 'cluster', cluster: 'upstream', bootstrapServers: ['127.0.0.1:9'] },
    });
    assert.equal(demo.nodes, null);
    assert.equal(demo.traffic.connectionsActive, 0);
    supervisor.child.kill('SIGTERM');
    assert.equal((await supervisor.exit).code, 0);
  } finally {
    supervisor.child.kill('SIGKILL');
  }
});
