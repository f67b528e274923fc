// The command line with plugin factories whose initialize() or close() fails (L35, L70, L73).

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCommand, startCommand } from './spawn.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-plugins-'));
copyFileSync(new URL('./fixtures/lifecycle-filters.mjs', import.meta.url), join(dir, 'lifecycle-filters.mjs'));

function configWithFilter(name: string, factory: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    `filterDefinitions:
  - name: audit
    type: ./lifecycle-filters.mjs#${factory}
clusterDefinitions:
  - name: upstream
    bootstrapServers: 127.0.0.1:9
virtualClusters:
  - name: demo
    filters: [audit]
    target:
      cluster: upstream
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:0
`,
  );
  return file;
}

const FINAL = /^Switchyard stopped: outcome=(\w+), uptime=[\d.]+s, exit code (\d+)$/;

test('L73: validate loads plugin modules but calls no initialize()', async () => {
  const result = await runCommand(['validate', '--config', configWithFilter('validate.yaml', 'FailingInitialize')]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'configuration is valid (0 warnings)\n');
});

test('L35: a factory whose initialize() fails fails its VC with the reason and, under failProxy, the startup (exit 1)', async () => {
  const result = await runCommand(['--config', configWithFilter('init.yaml', 'FailingInitialize')]);
  assert.equal(result.code, 1);
  const failed = result.lines.filter((l) => l.level === 'error' && l.msg?.startsWith("virtual cluster 'demo' failed:"));
  assert.equal(failed.length, 1, 'the reason is logged once');
  assert.match(failed[0]?.msg ?? '', /vault unreachable: connect ECONNREFUSED 127\.0\.0\.1:8200/);
  assert.ok(
    result.lines.some((l) =>
      /^Switchyard failed to start: initialize virtual cluster 'demo': .*vault unreachable/.test(l.msg ?? ''),
    ),
  );
  assert.equal(
    FINAL.exec(result.lines.at(-1)?.msg ?? '')
      ?.slice(1)
      .join(' '),
    'startup_failed 1',
  );
});

test('L70: a shutdown failure (a factory close() that throws) exits 2', async () => {
  const proxy = startCommand(['--config', configWithFilter('close.yaml', 'FailingClose')]);
  await proxy.waitForLine((l) => l.msg?.startsWith('Switchyard started') ?? false);
  proxy.child.kill('SIGTERM');
  const result = await proxy.exit;
  assert.equal(result.code, 2);
  const failure = result.lines.find(
    (l) => l.msg === "shutdown step failed: close the plugins of virtual cluster 'demo'",
  );
  assert.ok(failure, result.stdout);
  assert.match(JSON.stringify(failure.error), /audit log flush failed/);
  assert.equal(
    FINAL.exec(result.lines.at(-1)?.msg ?? '')
      ?.slice(1)
      .join(' '),
    'shutdown_failed 2',
  );
});
