// The admin page (/ui) in a real headless Chromium (Debian's, installed by tools/setup.ts) driven
// by playwright-core, against a proxy in front of two real Kafka clusters: the page shows the
// virtual clusters, draws the route graph of a routed one, and its request rate moves while a
// kafkajs producer runs through the proxy.
//
// SWITCHYARD_UPDATE_SCREENSHOT=1 also writes the screenshot to docs/admin-page.png.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
// Registers the first-party filters the configuration names, as the command line does.
import '../../../src/filters/index.ts';
import { proxyInternals } from '../../../src/proxy/lifecycle/kafka-proxy.ts';
import { kafkajsClient } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock, useProxy } from '../../helpers/switchyard.ts';

const ROUTERS = './test/integration/routing/fixtures/routers.ts';

const [clusterA, clusterB] = await Promise.all([
  useKafkaCluster({ name: 'admin-a' }),
  useKafkaCluster({ name: 'admin-b' }),
]);
const ports = { plain: await freePortBlock(8), merged: await freePortBlock(8) };
const gateway = (port: number) => `
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}`;

const running = await useProxy(`
management:
  bindAddress: 127.0.0.1
  port: 0
  ui: { enabled: true }
clusterDefinitions:
  - name: a
    bootstrapServers: ${clusterA.bootstrapServers}
  - name: b
    bootstrapServers: ${clusterB.bootstrapServers}
filterDefinitions:
  - name: audit
    type: ProtocolLogger
    config: { apis: [CREATE_TOPICS] }
  - name: guard
    type: TopicPolicy
    config: { denyProduce: ['b\\.secret\\..*'] }
routerDefinitions:
  - name: merged
    type: ${ROUTERS}#MergingRouter
    config: { defaultRoute: a, topicPrefixes: { "b.": b } }
    routes:
      - { name: a, id: 0, target: { cluster: a } }
      - { name: b, id: 1, filters: [guard], target: { cluster: b } }
virtualClusters:
  - name: plain
    target: { cluster: a }${gateway(ports.plain)}
  - name: merged
    target: { router: merged }
    filters: [audit]${gateway(ports.merged)}
`);
const management = proxyInternals(running.proxy).managementAddress();
assert.ok(management !== null, 'the management endpoint listens');
const pageUrl = `http://127.0.0.1:${management.port}/ui`;

// A fresh profile per run, and nothing that phones home or updates itself.
const profile = await mkdtemp(join(tmpdir(), 'switchyard-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
  viewport: { width: 1400, height: 1000 },
});
after(async () => {
  await context.close();
  await rm(profile, { recursive: true, force: true });
});

/** The text of a VC card's statistic, e.g. its requests/s. */
function statValue(page: Page, vc: string, metric: string) {
  return page.locator(`[data-vc="${vc}"] [data-metric="${metric}"] .value`);
}

/** Resolves once the page (it polls every second) shows a rate above zero at `selector`. */
async function rateAboveZero(page: Page, selector: string): Promise<void> {
  await page
    .locator(selector)
    .filter({ hasText: /^(?!0\.00$)[0-9]/ })
    .first()
    .waitFor({ timeout: 60_000 });
}

test('the admin page loads and shows every virtual cluster with its state and bound gateway', async () => {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pageUrl);
  await page.locator('[data-vc="plain"]').waitFor();
  assert.equal(await page.locator('#proxy-state').textContent(), 'started');
  assert.equal(await page.locator('#generation').textContent(), 'generation 1 · no reload since the start');
  for (const vc of ['plain', 'merged']) {
    const card = page.locator(`[data-vc="${vc}"]`);
    assert.equal(await card.locator('h2').textContent(), vc);
    assert.equal(await card.locator('.badge').textContent(), 'serving');
    const bound = running.bootstrap(vc, 'ports');
    assert.ok((await card.locator('table').first().textContent())?.includes(bound), `${vc} shows ${bound}`);
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('the admin page draws the route graph of a routed virtual cluster: router, routes and clusters', async () => {
  const page = await context.newPage();
  await page.goto(pageUrl);
  const graph = page.locator('[data-vc="merged"] .graph svg');
  await graph.waitFor();
  const names = async (kind: string) =>
    graph.locator(`g.node[data-kind="${kind}"]`).evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-name')));
  assert.deepEqual(await names('vc'), ['merged']);
  assert.deepEqual(await names('router'), ['merged']);
  assert.deepEqual(await names('cluster'), ['a', 'b']);
  assert.deepEqual(
    await graph.locator('g.route').evaluateAll((labels) => labels.map((l) => l.getAttribute('data-route'))),
    ['', 'a', 'b'],
  );
  // The filter chains: the VC's on its edge into the graph, a route's on that route.
  assert.deepEqual(await graph.locator('g.route[data-route=""] text.filters').allTextContents(), ['filters: audit']);
  assert.deepEqual(await graph.locator('g.route[data-route="b"] text.filters').allTextContents(), ['filters: guard']);
  assert.deepEqual(await graph.locator('g.route[data-route="a"] text.filters').allTextContents(), []);
  // A VC that targets a cluster is the one-edge graph.
  const plain = page.locator('[data-vc="plain"] .graph svg');
  assert.deepEqual(
    await plain.locator('g.node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-name'))),
    ['plain', 'a'],
  );
  await page.close();
});

test('the request rate of a virtual cluster and of its route moves while a producer runs', async () => {
  const page = await context.newPage();
  await page.goto(pageUrl);
  // Two readings with no traffic on `merged`: a rate, and it is zero.
  await statValue(page, 'merged', 'requests-rate')
    .filter({ hasText: /^0\.00$/ })
    .waitFor();

  const producer = kafkajsClient({ bootstrapServers: running.bootstrap('merged', 'ports') }).producer({
    allowAutoTopicCreation: true,
  });
  await producer.connect();
  const stop = new AbortController();
  const producing = (async () => {
    let sent = 0;
    while (!stop.signal.aborted) {
      await producer.send({ topic: 'admin-page', acks: -1, messages: [{ value: `record ${sent++}` }] });
    }
    return sent;
  })();
  try {
    await rateAboveZero(page, '[data-vc="merged"] [data-metric="requests-rate"] .value');
    await rateAboveZero(page, '[data-vc="merged"] [data-route="a"] [data-metric="route-rate"]');
    // The broker the producer reached is listed with the upstream address behind it.
    const brokerA = clusterA.bootstrapServers.split(',')[0]!;
    await page.locator('[data-vc="merged"] .columns td', { hasText: brokerA }).first().waitFor();
    assert.ok(Number(await statValue(page, 'merged', 'connections').textContent()) >= 1);
    const updating = process.env.SWITCHYARD_UPDATE_SCREENSHOT === '1';
    if (updating) {
      // For the documentation: enough readings for the sparkline to show a history.
      await page.locator('[data-vc="merged"] .spark[data-samples="20"]').waitFor({ timeout: 60_000 });
    }
    const file = updating ? 'docs/admin-page.png' : join(profile, 'page.png');
    const png = await page.screenshot({ path: file, fullPage: true });
    assert.ok(png.length > 10_000, 'the screenshot has content');
  } finally {
    stop.abort();
    assert.ok((await producing) > 0);
    await producer.disconnect();
    await page.close();
  }
});
