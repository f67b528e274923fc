// Which configurations hold endpoints is read from Kafka's own config definitions (the broker's, and
// the clients' it embeds under prefixes), not trusted to a hand list: the lists the proxy redacts
// by must match what the pinned Kafka release defines, so a release that adds an endpoint config
// fails here until the proxy knows it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  BROKER_ENDPOINT_CONFIGS,
  CLIENT_ENDPOINT_CONFIGS,
  isEndpointConfig,
} from '../../src/proxy/response/config-addresses.ts';
import { repoRoot } from '../../tools/kafka-dist.ts';
import { type JavaHarness, startJavaHarness } from './java-harness.ts';

interface ConfigDefinition {
  readonly name: string;
  readonly type: string;
  readonly documentation: string;
}

/**
 * A config holds endpoints when its value is text (a STRING or a LIST) and its documentation spells
 * an endpoint: the `{host}:{port}` or `host1:port1` syntax, "host/port pairs", a listener URI
 * (`NAME://host:port`), or the "listener addresses" the broker advertises.
 */
const DESCRIBES_ENDPOINTS =
  /\{host\}:\{port\}|\bhost\d*:port\d*|host\/port pairs|\b[A-Z_]+:\/\/[\w.-]*:\d+|listener addresses/;

function holdsEndpoints(config: ConfigDefinition): boolean {
  return (config.type === 'LIST' || config.type === 'STRING') && DESCRIBES_ENDPOINTS.test(config.documentation);
}

let harness: JavaHarness;
before(() => {
  harness = startJavaHarness({ source: join(repoRoot, 'test', 'differential', 'ConfigDefinitionsHarness.java') });
});
after(() => harness.close());

async function definitions(name: 'broker' | 'admin' | 'producer' | 'consumer'): Promise<ConfigDefinition[]> {
  const answer = await harness.call<{ ok: boolean; error?: string; configs: ConfigDefinition[] }>({
    op: 'configs',
    definitions: name,
  });
  assert.ok(answer.ok, answer.error);
  assert.ok(answer.configs.length > 20, `${name}: Kafka defines ${answer.configs.length} configs`);
  return answer.configs;
}

test("the broker configs the proxy treats as endpoints are exactly those Kafka's definitions describe as endpoints", async () => {
  const broker = await definitions('broker');
  const fromKafka = broker.filter(holdsEndpoints).map((config) => config.name);
  assert.deepEqual([...BROKER_ENDPOINT_CONFIGS].sort(), fromKafka.sort());
  // And no other broker config is caught by the name rule (suffixes of client configs).
  const misjudged = broker.filter((config) => isEndpointConfig(config.name) !== holdsEndpoints(config));
  assert.deepEqual(
    misjudged.map((config) => config.name),
    [],
  );
});

test('the client configs whose prefixed copies are endpoints are exactly the admin, producer and consumer endpoint configs', async () => {
  const names = new Set<string>();
  for (const client of ['admin', 'producer', 'consumer'] as const) {
    for (const config of await definitions(client)) if (holdsEndpoints(config)) names.add(config.name);
  }
  assert.deepEqual([...CLIENT_ENDPOINT_CONFIGS].sort(), [...names].sort());
});

test('the documentation rule recognises the endpoint syntaxes it claims to', () => {
  const doc = (documentation: string): ConfigDefinition => ({ name: 'x', type: 'LIST', documentation });
  assert.ok(holdsEndpoints(doc('entries like <code>{id}@{host}:{port}</code>')));
  assert.ok(holdsEndpoints(doc('in the form <code>host1:port1,host2:port2</code>')));
  assert.ok(holdsEndpoints(doc('<code>PLAINTEXT://myhost:9092,SSL://:9091</code>')));
  assert.ok(!holdsEndpoints(doc('A comma-separated list of listener names')));
  assert.ok(!holdsEndpoints(doc('An example value is "hostName:100,127.0.0.1:200"')));
  assert.ok(!holdsEndpoints({ name: 'x', type: 'INT', documentation: '{host}:{port}' }));
});
