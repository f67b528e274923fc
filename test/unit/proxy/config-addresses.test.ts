// Endpoints in configuration values and quorum descriptions: rewritten where a proxy address stands
// for them, redacted otherwise, so that no client learns a real broker or controller address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ApiKey,
  apiInfo,
  type DescribeConfigsResponse,
  type DescribeQuorumResponse,
  decodeResponseBody,
  encodeResponse,
  readResponseHeader,
  responseHeaderVersion,
} from '../../../src/protocol/index.ts';
import {
  type ProxyAddressOf,
  REDACTED_ENDPOINT,
  redactConfigAddresses,
} from '../../../src/proxy/response/config-addresses.ts';

/** Brokers 1 and 2 of the upstream cluster, reachable through the proxy at 127.0.0.1:9001/9002. */
const proxyAddressOf: ProxyAddressOf = (host, port) => {
  if (host === 'kafka-1.internal' && port === 19092) return { host: '127.0.0.1', port: 9001 };
  if (host === 'kafka-2.internal' && port === 19092) return { host: '127.0.0.1', port: 9002 };
  return undefined;
};

type Config = DescribeConfigsResponse['results'][number]['configs'][number];

function config(name: string, value: string | null, synonyms: (string | null)[] = []): Config {
  return {
    name,
    value,
    readOnly: true,
    configSource: 4,
    isSensitive: false,
    synonyms: synonyms.map((synonymValue) => ({ name, value: synonymValue, source: 4 })),
    configType: 7,
    documentation: null,
  };
}

function describeConfigs(resourceType: number, ...configs: Config[]): DescribeConfigsResponse {
  return {
    throttleTimeMs: 0,
    results: [{ errorCode: 0, errorMessage: null, resourceType, resourceName: '1', configs }],
  };
}

const BROKER = 4;
const TOPIC = 2;

test('an endpoint list whose every endpoint has a proxy address is rewritten, listener names kept', () => {
  const body = describeConfigs(
    BROKER,
    config('advertised.listeners', 'CLIENT://kafka-1.internal:19092', ['CLIENT://KAFKA-1.internal:19092']),
  );
  assert.equal(redactConfigAddresses(ApiKey.DESCRIBE_CONFIGS, body, caseInsensitive(proxyAddressOf)), true);
  const [entry] = body.results[0]!.configs;
  assert.equal(entry!.value, 'CLIENT://127.0.0.1:9001');
  assert.equal(entry!.isSensitive, false);
  assert.deepEqual(
    entry!.synonyms.map((s) => s.value),
    ['CLIENT://127.0.0.1:9001'],
  );
});

test('an endpoint list with one endpoint no proxy address stands for is redacted whole, synonyms included', () => {
  const body = describeConfigs(
    BROKER,
    config('listeners', 'INTERNAL://10.0.0.5:19093,CLIENT://kafka-1.internal:19092', [
      'INTERNAL://10.0.0.5:19093,CLIENT://kafka-1.internal:19092',
      'PLAINTEXT://:9092',
    ]),
  );
  assert.equal(redactConfigAddresses(ApiKey.DESCRIBE_CONFIGS, body, proxyAddressOf), true);
  const [entry] = body.results[0]!.configs;
  assert.equal(entry!.value, null);
  assert.equal(entry!.isSensitive, true, 'redacted values are marked sensitive, as Kafka marks passwords');
  assert.deepEqual(
    entry!.synonyms.map((s) => s.value),
    [null, null],
  );
});

test('controller voters, controller bootstrap servers and bind-all listeners are redacted', () => {
  const body = describeConfigs(
    BROKER,
    config('controller.quorum.voters', '3000@controller-1.internal:9093,3001@[fd00::2]:9093'),
    config('controller.quorum.bootstrap.servers', 'controller-1.internal:9093'),
    config('listeners', 'PLAINTEXT://:19092'),
  );
  redactConfigAddresses(ApiKey.DESCRIBE_CONFIGS, body, proxyAddressOf);
  for (const entry of body.results[0]!.configs) {
    assert.equal(entry.value, null, entry.name);
    assert.equal(entry.isSensitive, true, entry.name);
  }
});

test('a prefixed client bootstrap config (an embedded client of the broker) is an endpoint config', () => {
  const body = describeConfigs(
    BROKER,
    config('remote.log.metadata.common.client.bootstrap.servers', 'kafka-9.internal:19092'),
  );
  redactConfigAddresses(ApiKey.DESCRIBE_CONFIGS, body, proxyAddressOf);
  assert.equal(body.results[0]!.configs[0]!.value, null);
});

test('an endpoint config value of another shape is redacted, since it cannot be shown to be address-free', () => {
  const body = describeConfigs(BROKER, config('advertised.listeners', 'CLIENT://kafka-1.internal:19092;weird'));
  redactConfigAddresses(ApiKey.DESCRIBE_CONFIGS, body, proxyAddressOf);
  assert.equal(body.results[0]!.configs[0]!.value, null);
});

test('any other config whose value names a real address is redacted; other values are left alone', () => {
  const body = describeConfigs(
    BROKER,
    config('controller.quorum.bootstrap.servers', 'controller-1.internal:9093'),
    config('custom.sidecar', 'connect to controller-1.internal:9093 for metadata'),
    config('custom.metrics.target', 'http://kafka-2.internal:19092/'),
    config('max.connections.per.ip.overrides', 'hostName:100,127.0.0.1:200'),
    config('num.network.threads', '3'),
    config('listener.security.protocol.map', 'CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT'),
  );
  redactConfigAddresses(ApiKey.DESCRIBE_CONFIGS, body, proxyAddressOf);
  assert.deepEqual(
    body.results[0]!.configs.map((c) => [c.name, c.value]),
    [
      ['controller.quorum.bootstrap.servers', null],
      ['custom.sidecar', null],
      ['custom.metrics.target', null],
      ['max.connections.per.ip.overrides', 'hostName:100,127.0.0.1:200'],
      ['num.network.threads', '3'],
      ['listener.security.protocol.map', 'CLIENT:PLAINTEXT,INTERNAL:PLAINTEXT'],
    ],
  );
});

test('a response without endpoints is reported unchanged', () => {
  const body = describeConfigs(TOPIC, config('cleanup.policy', 'delete'), config('retention.ms', '604800000'));
  const before = structuredClone(body);
  assert.equal(redactConfigAddresses(ApiKey.DESCRIBE_CONFIGS, body, proxyAddressOf), false);
  assert.deepEqual(body, before);
});

test('DESCRIBE_QUORUM controller endpoints are rewritten when mapped and replaced by the redaction marker otherwise', () => {
  const body: DescribeQuorumResponse = {
    errorCode: 0,
    errorMessage: null,
    topics: [],
    nodes: [
      {
        nodeId: 3000,
        listeners: [
          { name: 'CONTROLLER', host: 'controller-1.internal', port: 9093 },
          { name: 'CLIENT', host: 'kafka-2.internal', port: 19092 },
        ],
      },
    ],
  };
  assert.equal(redactConfigAddresses(ApiKey.DESCRIBE_QUORUM, body, proxyAddressOf), true);
  assert.deepEqual(body.nodes[0]!.listeners, [
    { name: 'CONTROLLER', ...REDACTED_ENDPOINT },
    { name: 'CLIENT', host: '127.0.0.1', port: 9002 },
  ]);
});

test('redacted DESCRIBE_CONFIGS responses encode and decode at every version Switchyard supports', () => {
  const info = apiInfo(ApiKey.DESCRIBE_CONFIGS)!;
  for (let version = info.minVersion; version <= info.maxVersion; version++) {
    const body = describeConfigs(BROKER, config('listeners', 'PLAINTEXT://:19092', ['PLAINTEXT://:19092']));
    redactConfigAddresses(ApiKey.DESCRIBE_CONFIGS, body, proxyAddressOf);
    const frame = encodeResponse(ApiKey.DESCRIBE_CONFIGS, version, 1, body);
    const header = readResponseHeader(frame, responseHeaderVersion(ApiKey.DESCRIBE_CONFIGS, version));
    const decoded = decodeResponseBody(ApiKey.DESCRIBE_CONFIGS, version, frame, header.bodyOffset);
    const [entry] = decoded.results[0]!.configs;
    assert.equal(entry!.value, null, `v${version}`);
    assert.equal(entry!.isSensitive, true, `v${version}`);
    assert.ok(!frame.toString('latin1').includes('19092'), `v${version} frame names no real port`);
  }
});

function caseInsensitive(lookup: ProxyAddressOf): ProxyAddressOf {
  return (host, port) => lookup(host.toLowerCase(), port);
}
