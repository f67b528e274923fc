// Gateways of virtual clusters: port-per-broker and SNI, TLS, and shared bind addresses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertHas, load, rejected, tlsFiles } from './helpers.ts';

const BASE = `
clusterDefinitions:
  - { name: main, bootstrapServers: "kafka:9092" }
virtualClusters:`;

// TLS files are read when the configuration loads: tests that name some load against tlsFiles().
const TLS = '{ key: { certificateFile: certs/proxy.pem, privateKeyFile: certs/proxy-key.pem } }';

function vcWith(name: string, gateways: string): string {
  return `
  - name: ${name}
    target: { cluster: main }
    gateways:
${gateways}`;
}

test('a port-per-broker gateway defaults to advertising the bootstrap host and numbering node ports from bootstrap + 1', async () => {
  const { model } = await load(
    `${BASE}${vcWith('demo', '      - { name: ports, portIdentifiesNode: { bootstrapAddress: "[::1]:9192" } }')}`,
  );
  assert.deepEqual(model.virtualClusters[0]?.gateways, [
    {
      kind: 'portIdentifiesNode',
      name: 'ports',
      bootstrapAddress: { host: '::1', port: 9192 },
      advertisedHostPattern: '::1',
      nodeStartPort: 9193,
    },
  ]);
});

test('a port-per-broker gateway takes an advertised pattern with $(nodeId) and port, a node start port and node id ranges', async () => {
  const { model } = await load(
    `${BASE}${vcWith(
      'demo',
      `      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 0.0.0.0:9192
          advertisedBrokerAddressPattern: broker-$(nodeId).example.com:19092
          nodeStartPort: 9300
          nodeIdRanges:
            - { name: brokers, start: 0, end: 2 }
            - { name: controllers, start: 100, end: 101 }`,
    )}`,
  );
  assert.deepEqual(model.virtualClusters[0]?.gateways[0], {
    kind: 'portIdentifiesNode',
    name: 'ports',
    bootstrapAddress: { host: '0.0.0.0', port: 9192 },
    advertisedHostPattern: 'broker-$(nodeId).example.com',
    advertisedPort: 19092,
    nodeStartPort: 9300,
    nodeIdRanges: [
      { name: 'brokers', start: 0, end: 2 },
      { name: 'controllers', start: 100, end: 101 },
    ],
  });
});

test('a port-per-broker gateway on port 0 binds its node listeners to free ports as well', async () => {
  const { model } = await load(
    `${BASE}${vcWith('demo', '      - { name: ports, portIdentifiesNode: { bootstrapAddress: "127.0.0.1:0" } }')}`,
  );
  const [gateway] = model.virtualClusters[0]?.gateways ?? [];
  assert.equal(gateway?.kind === 'portIdentifiesNode' && gateway.nodeStartPort, 0);
});

test('an SNI gateway advertises the bootstrap port by default and carries TLS with file names resolved against the configuration directory', async () => {
  const { model } = await load(
    `${BASE}${vcWith(
      'demo',
      `      - name: sni
        sniHostIdentifiesNode:
          bootstrapAddress: demo.example.com:9092
          advertisedBrokerAddressPattern: broker-$(nodeId).demo.example.com
        tls:
          key: { certificateFile: certs/proxy.pem, privateKeyFile: ${tlsFiles()}/certs/proxy-key-encrypted.pem, password: secret }
          trust: { storeFile: ca.pem, clientAuth: REQUIRED }`,
    )}`,
    tlsFiles(),
  );
  const dir = model.source.baseDir;
  assert.deepEqual(model.virtualClusters[0]?.gateways[0], {
    kind: 'sniHostIdentifiesNode',
    name: 'sni',
    bootstrapAddress: { host: 'demo.example.com', port: 9092 },
    bindAddress: '0.0.0.0',
    advertisedHostPattern: 'broker-$(nodeId).demo.example.com',
    advertisedPort: 9092,
    tls: {
      key: {
        certificateFile: `${dir}/certs/proxy.pem`,
        privateKeyFile: `${tlsFiles()}/certs/proxy-key-encrypted.pem`,
        password: 'secret',
      },
      trust: { storeFile: `${dir}/ca.pem`, clientAuth: 'REQUIRED' },
    },
  });
});

test('gateway TLS client authentication defaults to NONE', async () => {
  const { model } = await load(
    `${BASE}${vcWith(
      'demo',
      `      - name: ports
        portIdentifiesNode: { bootstrapAddress: "localhost:9192" }
        tls: { key: { certificateFile: client.pem, privateKeyFile: client-key.pem }, trust: { storeFile: ca.pem } }`,
    )}`,
    tlsFiles(),
  );
  const [gateway] = model.virtualClusters[0]?.gateways ?? [];
  assert.equal(gateway?.tls?.trust?.clientAuth, 'NONE');
});

test('a gateway must specify exactly one of portIdentifiesNode or sniHostIdentifiesNode', async () => {
  const lines = await rejected(
    `${BASE}${vcWith(
      'demo',
      `      - name: neither
      - name: both
        portIdentifiesNode: { bootstrapAddress: "localhost:9192" }
        sniHostIdentifiesNode: { bootstrapAddress: "localhost:9193", advertisedBrokerAddressPattern: "b-$(nodeId).x" }
        tls: ${TLS}`,
    )}`,
    tlsFiles(),
  );
  assert.deepEqual(lines, [
    "test.yaml:8:9: error: Gateway 'neither' of virtual cluster 'demo' must specify exactly one of 'portIdentifiesNode' or 'sniHostIdentifiesNode', but neither was provided (at virtualClusters[0].gateways[0])",
    "test.yaml:9:9: error: Gateway 'both' of virtual cluster 'demo' must specify exactly one of 'portIdentifiesNode' or 'sniHostIdentifiesNode', but both were provided (at virtualClusters[0].gateways[1])",
  ]);
});

test('an SNI gateway requires tls and a pattern containing $(nodeId)', async () => {
  const lines = await rejected(
    `${BASE}${vcWith(
      'demo',
      `      - name: sni
        sniHostIdentifiesNode: { bootstrapAddress: "localhost:9192", advertisedBrokerAddressPattern: "broker.example.com" }`,
    )}`,
  );
  assert.deepEqual(lines, [
    "test.yaml:9:9: error: Gateway 'sni' of virtual cluster 'demo' uses 'sniHostIdentifiesNode', which requires 'tls' (at virtualClusters[0].gateways[0].sniHostIdentifiesNode)",
    "test.yaml:9:102: error: Property 'advertisedBrokerAddressPattern' of sniHostIdentifiesNode of gateway 'sni' of virtual cluster 'demo' must be a host name pattern containing $(nodeId), optionally followed by :port, but is 'broker.example.com' (at virtualClusters[0].gateways[0].sniHostIdentifiesNode.advertisedBrokerAddressPattern)",
  ]);
});

test('gateway addresses must be host:port', async () => {
  const lines = await rejected(
    `${BASE}${vcWith('demo', '      - { name: ports, portIdentifiesNode: { bootstrapAddress: "localhost" } }')}`,
  );
  assert.deepEqual(lines, [
    "test.yaml:8:64: error: Property 'bootstrapAddress' of portIdentifiesNode of gateway 'ports' of virtual cluster 'demo' must be host:port with a port from 0 to 65535, but is 'localhost' (at virtualClusters[0].gateways[0].portIdentifiesNode.bootstrapAddress)",
  ]);
});

test('gateway names are unique within a virtual cluster, not across virtual clusters', async () => {
  const lines = await rejected(
    `${BASE}${vcWith(
      'demo',
      `      - { name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }
      - { name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9292" } }`,
    )}`,
  );
  assert.deepEqual(lines, [
    "test.yaml:9:17: error: Duplicate gateway name 'ports' in virtual cluster 'demo' (first defined at line 8) (at virtualClusters[0].gateways[1].name)",
  ]);
  await load(
    `${BASE}${vcWith('a', '      - { name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }')}${vcWith(
      'b',
      '      - { name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9292" } }',
    )}`,
  );
});

test('two port-per-broker gateways may not share a bootstrap address, a wildcard host overlapping every host', async () => {
  const lines = await rejected(
    `${BASE}${vcWith('a', '      - { name: ports, portIdentifiesNode: { bootstrapAddress: "0.0.0.0:9192" } }')}${vcWith(
      'b',
      '      - { name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }',
    )}`,
  );
  assert.deepEqual(lines, [
    "test.yaml:12:64: error: Gateway 'ports' of virtual cluster 'b' binds localhost:9192, which gateway 'ports' of virtual cluster 'a' also binds; only SNI gateways may share an address (at virtualClusters[1].gateways[0].portIdentifiesNode.bootstrapAddress)",
  ]);
});

test('declared node id ranges reserve node ports that may not collide with other gateways', async () => {
  const lines = await rejected(
    `${BASE}${vcWith(
      'a',
      '      - { name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192", nodeIdRanges: [{ name: r, start: 0, end: 9 }] } }',
    )}${vcWith('b', '      - { name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9200" } }')}`,
  );
  assert.deepEqual(lines, [
    "test.yaml:12:64: error: Gateway 'ports' of virtual cluster 'b' binds localhost:9200, which gateway 'ports' of virtual cluster 'a' also binds; only SNI gateways may share an address (at virtualClusters[1].gateways[0].portIdentifiesNode.bootstrapAddress)",
  ]);
});

test('node id ranges must be ordered, disjoint and fit below port 65536', async () => {
  const lines = await rejected(
    `${BASE}${vcWith(
      'demo',
      `      - name: ports
        portIdentifiesNode:
          bootstrapAddress: localhost:65530
          nodeIdRanges:
            - { name: backwards, start: 5, end: 1 }
            - { name: low, start: 0, end: 3 }
            - { name: overlap, start: 3, end: 4 }`,
    )}`,
  );
  assert.deepEqual(lines, [
    "test.yaml:11:11: error: Gateway 'ports' of virtual cluster 'demo' needs node ports from 65531 to 65536, beyond 65535 (at virtualClusters[0].gateways[0].portIdentifiesNode.nodeIdRanges)",
    "test.yaml:12:15: error: Node id range 'backwards' of gateway 'ports' of virtual cluster 'demo' has start 5 greater than end 1 (at virtualClusters[0].gateways[0].portIdentifiesNode.nodeIdRanges[0])",
    "test.yaml:14:15: error: Node id ranges 'low' and 'overlap' of gateway 'ports' of virtual cluster 'demo' overlap (at virtualClusters[0].gateways[0].portIdentifiesNode.nodeIdRanges[2])",
  ]);
});

test('SNI gateways may share a bind address; an SNI gateway may not share one with a port-per-broker gateway', async () => {
  const sni = (host: string): string =>
    `      - name: sni
        sniHostIdentifiesNode: { bootstrapAddress: "0.0.0.0:9092", advertisedBrokerAddressPattern: "b-$(nodeId).${host}" }
        tls: ${TLS}`;
  await load(`${BASE}${vcWith('a', sni('a.example.com'))}${vcWith('b', sni('b.example.com'))}`, tlsFiles());
  const lines = await rejected(
    `${BASE}${vcWith('a', sni('a.example.com'))}${vcWith('b', '      - { name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9092" } }')}`,
    tlsFiles(),
  );
  assertHas(
    lines,
    "test.yaml:14:64: error: Gateway 'ports' of virtual cluster 'b' binds localhost:9092, which gateway 'sni' of virtual cluster 'a' also binds; only SNI gateways may share an address (at virtualClusters[1].gateways[0].portIdentifiesNode.bootstrapAddress)",
  );
});

test('upstream TLS accepts a CA file and a client certificate; insecure: true loads with a loud warning', async () => {
  const { model, warnings } = await load(
    `
clusterDefinitions:
  - name: main
    bootstrapServers: kafka:9093
    tls:
      trust: { storeFile: ca.pem, insecure: true }
      key: { certificateFile: client.pem, privateKeyFile: client-key.pem }
virtualClusters:${vcWith('demo', '      - { name: ports, portIdentifiesNode: { bootstrapAddress: "localhost:9192" } }')}`,
    tlsFiles(),
  );
  const dir = model.source.baseDir;
  assert.deepEqual(model.clusters.get('main')?.tls, {
    trust: { storeFile: `${dir}/ca.pem`, insecure: true },
    key: { certificateFile: `${dir}/client.pem`, privateKeyFile: `${dir}/client-key.pem` },
  });
  assert.deepEqual(warnings, [
    "test.yaml:6:45: warning: Cluster definition 'main' disables TLS certificate verification of the upstream cluster (tls.trust.insecure: true); connections are open to man-in-the-middle attacks, use this only for testing (at clusterDefinitions[0].tls.trust.insecure)",
  ]);
});

test('gateway TLS principal settings default to the subject with DEFAULT and keep the rules as written', async () => {
  const { model } = await load(
    `${BASE}${vcWith(
      'demo',
      `      - name: ports
        portIdentifiesNode: { bootstrapAddress: "localhost:9192" }
        tls:
          key: { certificateFile: client.pem, privateKeyFile: client-key.pem }
          trust:
            storeFile: ca.pem
            clientAuth: REQUIRED
            principal: { mappingRules: ["RULE:^CN=([^,]+),.*$/$1/L", DEFAULT] }`,
    )}`,
    tlsFiles(),
  );
  const [gateway] = model.virtualClusters[0]?.gateways ?? [];
  assert.deepEqual(gateway?.tls?.trust?.principal, {
    from: 'subject',
    mappingRules: ['RULE:^CN=([^,]+),.*$/$1/L', 'DEFAULT'],
  });
});

test('an invalid principal source is reported at its line with the sources there are', async () => {
  const lines = await rejected(
    `${BASE}${vcWith(
      'demo',
      `      - name: ports
        portIdentifiesNode: { bootstrapAddress: "localhost:9192" }
        tls:
          key: { certificateFile: client.pem, privateKeyFile: client-key.pem }
          trust: { storeFile: ca.pem, clientAuth: REQUIRED, principal: { from: "san:ip" } }`,
    )}`,
    tlsFiles(),
  );
  assert.deepEqual(lines, [
    "test.yaml:12:80: error: Property 'from' of tls.trust.principal of gateway 'ports' of virtual cluster 'demo' must be one of 'subject', 'san:dns', 'san:uri', 'san:email', but is 'san:ip' (at virtualClusters[0].gateways[0].tls.trust.principal.from)",
  ]);
});

test('an invalid principal mapping rule is reported at its line with the reason', async () => {
  const lines = await rejected(
    `${BASE}${vcWith(
      'demo',
      `      - name: ports
        portIdentifiesNode: { bootstrapAddress: "localhost:9192" }
        tls:
          key: { certificateFile: client.pem, privateKeyFile: client-key.pem }
          trust:
            storeFile: ca.pem
            clientAuth: REQUIRED
            principal:
              mappingRules:
                - DEFAULT
                - "RULE:^CN=(.*$/$1/"
                - "RULE:^CN=(.*)$/$1/X"`,
    )}`,
    tlsFiles(),
  );
  assert.deepEqual(lines, [
    "test.yaml:18:19: error: A mapping rule of tls.trust.principal of gateway 'ports' of virtual cluster 'demo' is invalid: 'RULE:^CN=(.*$/$1/' has an invalid pattern: Invalid regular expression: /^CN=(.*$/g: Unterminated group (at virtualClusters[0].gateways[0].tls.trust.principal.mappingRules[1])",
    "test.yaml:19:19: error: A mapping rule of tls.trust.principal of gateway 'ports' of virtual cluster 'demo' is invalid: 'RULE:^CN=(.*)$/$1/X' ends with 'X'; only L or U may follow the last / (at virtualClusters[0].gateways[0].tls.trust.principal.mappingRules[2])",
  ]);
});

test('principal settings without client authentication are warned about', async () => {
  const { warnings } = await load(
    `${BASE}${vcWith(
      'demo',
      `      - name: ports
        portIdentifiesNode: { bootstrapAddress: "localhost:9192" }
        tls:
          key: { certificateFile: client.pem, privateKeyFile: client-key.pem }
          trust: { storeFile: ca.pem, principal: { from: "san:uri" } }`,
    )}`,
    tlsFiles(),
  );
  assert.deepEqual(warnings, [
    "test.yaml:12:39: warning: Gateway 'ports' of virtual cluster 'demo' maps client certificates to principals, but with clientAuth NONE no client sends one (at virtualClusters[0].gateways[0].tls.trust.principal)",
  ]);
});
