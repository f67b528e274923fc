// The switchyard command seen from outside, as an orchestrator sees it: /readyz is 503 while the
// proxy starts, 200 once every virtual cluster serves, and 503 again as soon as a drain begins.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ApiKey, type ApiVersionsRequest, codecsFor, encodeRequest } from '../../../src/protocol/index.ts';
import { freePortBlock } from '../../helpers/switchyard.ts';
import { silentBroker } from '../../unit/cli/network.ts';
import { startCommand } from '../../unit/cli/spawn.ts';

async function status(port: number, path: string): Promise<number | undefined> {
  try {
    return (await fetch(`http://127.0.0.1:${port}${path}`)).status;
  } catch {
    return undefined; // not listening (yet, or any more)
  }
}

/** Polls until `path` answers `expected`: readiness is observable only by asking. */
async function until(port: number, path: string, expected: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if ((await status(port, path)) === expected) return;
    assert.ok(Date.now() < deadline, `${path} never answered ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test('/readyz is 503 while starting, 200 when serving, and 503 from the start of the drain', async (t) => {
  // A broker that never answers keeps the client's request in flight, so the drain lasts exactly
  // drainTimeout and its window can be observed.
  const broker = await silentBroker();
  t.after(() => broker.close());
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-readyz-'));
  const releaseFile = join(dir, 'release');
  const ports = await freePortBlock(5);
  const management = ports + 4;
  const configFile = join(dir, 'proxy.yaml');
  writeFileSync(
    configFile,
    `
management:
  bindAddress: 127.0.0.1
  port: ${management}
filterDefinitions:
  - name: gate
    type: ${new URL('./fixtures/gated-start.mjs', import.meta.url).pathname}#GatedStart
    config: { releaseFile: ${releaseFile} }
clusterDefinitions:
  - name: silent
    bootstrapServers: 127.0.0.1:${broker.port}
virtualClusters:
  - name: orders
    target: { cluster: silent }
    filters: [gate]
    drainTimeout: 2s
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports}
`,
  );
  const proxy = startCommand(['--config', configFile]);
  t.after(() => proxy.child.kill('SIGKILL'));
  await until(management, '/livez', 200);
  assert.equal(await status(management, '/readyz'), 503, 'not ready while a filter factory initializes');
  writeFileSync(releaseFile, '');
  await until(management, '/readyz', 200);

  const client = connect(ports, '127.0.0.1');
  await once(client, 'connect');
  const request = codecsFor(ApiKey.API_VERSIONS)!.request.defaults() as ApiVersionsRequest;
  client.write(encodeRequest(ApiKey.API_VERSIONS, 3, 1, 'readyz-test', request));
  await broker.connected;

  proxy.child.kill('SIGTERM');
  await until(management, '/readyz', 503);
  const finished = await proxy.exit;
  assert.equal(finished.code, 0);
  assert.ok(
    finished.lines.some(
      (line) => line.msg === "virtual cluster 'orders' abandoned 1 in-flight requests at its drain deadline",
    ),
    'the request the silent broker never answered is reported as abandoned',
  );
  client.destroy();
});
