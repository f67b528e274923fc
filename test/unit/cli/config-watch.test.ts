// The --watch of `switchyard run`: a change of the configuration file is never lost, even when it is
// made between the load and the moment the watch begins (while the proxy starts or reloads).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigurationWatch } from '../../../src/cli/config-watch.ts';
import { loadConfiguration } from '../../../src/config/index.ts';
import { configurationModel } from '../../../src/config/model.ts';
import { StructuredLogger } from '../../../src/observability/logger.ts';

const logger = new StructuredLogger({ level: 'error', sink: { write: () => {} } });

function configuration(drainTimeout: string): string {
  return `clusterDefinitions:
  - name: main
    bootstrapServers: 127.0.0.1:9092
virtualClusters:
  - name: one
    drainTimeout: ${drainTimeout}
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:19092
`;
}

async function loaded(file: string) {
  return configurationModel(await loadConfiguration(file));
}

test('an edit made after the load but before the watch began causes a reload', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-watch-')), 'proxy.yaml');
  writeFileSync(file, configuration('2s'));
  const watch = new ConfigurationWatch(file, logger);
  await watch.baseline();
  const model = await loaded(file);
  writeFileSync(file, configuration('3s'));
  let changes = 0;
  await watch.watch(model, () => changes++);
  watch.close();
  assert.equal(changes, 1);
});

test('a watch begun on an unchanged file asks for no reload', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-watch-')), 'proxy.yaml');
  writeFileSync(file, configuration('2s'));
  const watch = new ConfigurationWatch(file, logger);
  await watch.baseline();
  let changes = 0;
  await watch.watch(await loaded(file), () => changes++);
  watch.close();
  assert.equal(changes, 0);
});

test('an edit after the watch began is reported once its writes settle', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'switchyard-watch-')), 'proxy.yaml');
  writeFileSync(file, configuration('2s'));
  const watch = new ConfigurationWatch(file, logger);
  await watch.baseline();
  const model = await loaded(file);
  const { promise: changed, resolve } = Promise.withResolvers<void>();
  await watch.watch(model, resolve);
  writeFileSync(file, configuration('3s'));
  await changed;
  watch.close();
});
