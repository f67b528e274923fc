// Loading and error reporting in general (routing.md §4.6, VG1–VG6, lifecycle.md §3.1).
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ConfigurationError, loadConfiguration, parseConfiguration } from '../../../src/config/index.ts';
import { configurationModel } from '../../../src/config/model.ts';
import { FIXTURES, load, rejected, rejectedIssues, tlsFiles, vc } from './helpers.ts';

const BASE = `
clusterDefinitions:
  - { name: main, bootstrapServers: "kafka:9092" }`;

test('VG1: a file that is not valid YAML is rejected with the parser message and position', async () => {
  const lines = await rejected('clusterDefinitions:\n  - name: main\n   bad: [unclosed\n');
  assert.ok(lines.length >= 1);
  assert.match(lines[0]!, /^test\.yaml:\d+:\d+: error: YAML syntax error: .+ \(at <root>\)$/);
});

test('VG2: a mapping that repeats a key is rejected at the repeated key, also inside plugin config', async () => {
  const lines = await rejected(`${BASE}
  - name: other
    bootstrapServers: other:9092
    bootstrapServers: other:9093
filterDefinitions:
  - name: f
    type: Nope
    config: { a: { b: 1, b: 2 }, list: [{ c: 1, c: 2 }] }
virtualClusters:${vc('{ cluster: main }')}
`);
  assert.ok(
    lines.includes(
      "test.yaml:6:5: error: Duplicate key 'bootstrapServers' (at clusterDefinitions[1].bootstrapServers)",
    ),
  );
  assert.ok(lines.includes("test.yaml:10:26: error: Duplicate key 'b' (at filterDefinitions[0].config.a.b)"));
  assert.ok(lines.includes("test.yaml:10:49: error: Duplicate key 'c' (at filterDefinitions[0].config.list[0].c)"));
});

test('VG3: unknown properties are rejected anywhere outside plugin config, with a suggestion', async () => {
  const lines = await rejected(`${BASE}
virtualClusters:
  - name: demo
    target: { clusterr: main }
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAdress: "localhost:9192" }
nonsense: true
`);
  assert.deepEqual(
    lines.filter((l) => l.includes(': error: ')),
    [
      "test.yaml:6:5: error: Target of virtual cluster 'demo' must specify exactly one of 'cluster' or 'router', but neither was provided (at virtualClusters[0].target)",
      "test.yaml:6:15: error: Unknown property 'clusterr' in target of virtual cluster 'demo' (did you mean 'cluster'?) (at virtualClusters[0].target.clusterr)",
      "test.yaml:9:29: error: PortIdentifiesNode of gateway 'ports' of virtual cluster 'demo' is missing required property 'bootstrapAddress' (at virtualClusters[0].gateways[0].portIdentifiesNode)",
      "test.yaml:9:31: error: Unknown property 'bootstrapAdress' in portIdentifiesNode of gateway 'ports' of virtual cluster 'demo' (did you mean 'bootstrapAddress'?) (at virtualClusters[0].gateways[0].portIdentifiesNode.bootstrapAdress)",
      "test.yaml:10:1: error: Unknown property 'nonsense' in the configuration (at nonsense)",
    ],
  );
});

test('VG4: properties of the wrong type are rejected with what was expected and what was found', async () => {
  const lines = await rejected(`
clusterDefinitions:
  - name: 42
    bootstrapServers: [a]
  - oops
routerDefinitions:
  - name: r
    type: Nope
    routes: [{ name: a, id: "0", target: { cluster: main } }]
virtualClusters: {}
`);
  assert.deepEqual(
    lines.filter((l) => l.includes(': error: ')),
    [
      "test.yaml:3:11: error: Property 'name' of clusterDefinitions[0] must be a non-empty string, but is 42 (at clusterDefinitions[0].name)",
      "test.yaml:4:23: error: Property 'bootstrapServers' of clusterDefinitions[0] must be a comma-separated list of host:port, but is a list (at clusterDefinitions[0].bootstrapServers)",
      "test.yaml:5:5: error: Property 'clusterDefinitions[1]' of the configuration must be a mapping, but is 'oops' (at clusterDefinitions[1])",
      "test.yaml:8:11: error: Router 'r' has type 'Nope', which is not a known router plugin (known: none) (at routerDefinitions[0].type)",
      "test.yaml:9:29: error: Property 'id' of route 'a' in router 'r' must be an integer, but is '0' (at routerDefinitions[0].routes[0].id)",
      "test.yaml:9:53: error: Route 'a' in router 'r' references unknown cluster 'main' (at routerDefinitions[0].routes[0].target.cluster)",
      "test.yaml:10:1: error: The configuration must define at least one virtual cluster in 'virtualClusters' (at virtualClusters)",
      "test.yaml:10:18: error: Property 'virtualClusters' of the configuration must be a list, but is a mapping (at virtualClusters)",
    ],
  );
});

test('VG5: missing required properties are rejected, naming the owner', async () => {
  const lines = await rejected(`
clusterDefinitions:
  - name: main
routerDefinitions:
  - type: Nope
    routes: [{ id: 0, target: { cluster: main } }]
virtualClusters:
  - target: { cluster: main }
    gateways: [{ portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }]
`);
  assert.deepEqual(
    lines.filter((l) => l.includes('missing required')),
    [
      "test.yaml:3:5: error: Cluster definition 'main' is missing required property 'bootstrapServers' (at clusterDefinitions[0])",
      "test.yaml:5:5: error: routerDefinitions[0] is missing required property 'name' (at routerDefinitions[0])",
      "test.yaml:6:14: error: routerDefinitions[0].routes[0] is missing required property 'name' (at routerDefinitions[0].routes[0])",
      "test.yaml:8:5: error: virtualClusters[0] is missing required property 'name' (at virtualClusters[0])",
      "test.yaml:9:16: error: virtualClusters[0].gateways[0] is missing required property 'name' (at virtualClusters[0].gateways[0])",
    ],
  );
});

test('VG6: a configuration without virtual clusters is rejected', async () => {
  for (const text of [BASE, `${BASE}\nvirtualClusters: []`, '']) {
    const lines = await rejected(text);
    assert.ok(
      lines.some((l) =>
        /error: The configuration must define at least one virtual cluster in 'virtualClusters' \(at virtualClusters\)$/.test(
          l,
        ),
      ),
      lines.join('\n'),
    );
  }
});

test('ConfigurationError has code ERR_INVALID_CONFIGURATION and lists one issue per line, then a count', async () => {
  const error = await parseConfiguration(`${BASE}\nclusterDefinitionz: []\nvirtualClusters: []\n`, {
    sourceName: 'x.yaml',
  }).then(
    () => assert.fail('expected rejection'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConfigurationError);
  assert.equal(error.code, 'ERR_INVALID_CONFIGURATION');
  assert.equal(
    error.message,
    [
      "x.yaml:3:13: warning: Cluster definition 'main' is not used by any virtual cluster or route (at clusterDefinitions[0].name)",
      "x.yaml:4:1: error: Unknown property 'clusterDefinitionz' in the configuration (did you mean 'clusterDefinitions'?) (at clusterDefinitionz)",
      "x.yaml:5:1: error: The configuration must define at least one virtual cluster in 'virtualClusters' (at virtualClusters)",
      '2 errors, 1 warning',
    ].join('\n'),
  );
  const [issue] = error.issues;
  assert.deepEqual(
    { ...issue, toString: undefined },
    {
      severity: 'warning',
      message: "Cluster definition 'main' is not used by any virtual cluster or route",
      file: 'x.yaml',
      line: 3,
      column: 13,
      path: 'clusterDefinitions[0].name',
      toString: undefined,
    },
  );
});

test('loadConfiguration() reads a file, resolving relative plugin modules against its directory', async () => {
  const file = relative(process.cwd(), join(FIXTURES, 'proxy.yaml'));
  const config = await loadConfiguration(file);
  const model = configurationModel(config);
  assert.equal(model.source.file, file);
  assert.deepEqual(model.routers.get('split')?.config, { archiveTopics: ['audit'], copy: false });
  const viaUrl = await loadConfiguration(pathToFileURL(join(FIXTURES, 'proxy.yaml')));
  assert.deepEqual(configurationModel(viaUrl).routers.get('split')?.config, { archiveTopics: ['audit'], copy: false });
});

test('loadConfiguration() names the file as given in every issue', async () => {
  const file = relative(process.cwd(), join(FIXTURES, 'invalid.yaml'));
  const error = await loadConfiguration(file).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigurationError);
  assert.deepEqual(error.issues.map(String), [
    `${file}:4:24: error: Virtual cluster 'demo' references unknown cluster 'missing' (at virtualClusters[0].target.cluster)`,
  ]);
});

test('loadConfiguration() of an unreadable file rejects with ConfigurationError', async () => {
  const error = await loadConfiguration(join(FIXTURES, 'absent.yaml')).catch((e: unknown) => e);
  assert.ok(error instanceof ConfigurationError);
  assert.match(String(error.issues[0]), /absent\.yaml:1:1: error: Cannot read the configuration file: ENOENT/);
});

test('configurationModel() refuses configurations not produced by the loader', async () => {
  assert.throws(() => configurationModel({ warnings: [] }), TypeError);
  const { model } = await load(`${BASE}\nvirtualClusters:${vc('{ cluster: main }')}\n`);
  assert.equal(model.virtualClusters.length, 1);
});

test('warnings do not prevent loading and are returned in file order', async () => {
  const issues = await rejectedIssues(`${BASE}\n  - { name: spare, bootstrapServers: "s:1" }\nvirtualClusters: []\n`);
  assert.deepEqual(
    issues.map((i) => [i.severity, i.line]),
    [
      ['warning', 3],
      ['warning', 4],
      ['error', 5],
    ],
  );
});

test('YAML anchors and aliases are resolved', async () => {
  const { model } = await load(
    `
clusterDefinitions:
  - { name: a, bootstrapServers: &servers "kafka:9092", tls: &tls { trust: { storeFile: ca.pem } } }
  - { name: b, bootstrapServers: *servers, tls: *tls }
virtualClusters:${vc('{ cluster: a }')}${vc('{ cluster: b }', 'other', 9292)}
`,
    tlsFiles(),
  );
  assert.deepEqual(model.clusters.get('b')?.bootstrapServers, [{ host: 'kafka', port: 9092 }]);
  assert.deepEqual(model.clusters.get('b')?.tls, model.clusters.get('a')?.tls);
});
