import { ApiKey, type DescribeConfigsResponse, type DescribeQuorumResponse } from '../../protocol/index.ts';
import { formatHostPort, type HostPort } from '../address/host-port.ts';

/**
 * Broker configurations whose values are endpoints (`NAME://host:port`, `id@host:port` or
 * `host:port` lists). Derived from Kafka's own config definitions: test/differential/address-configs
 * .test.ts lists every broker config whose documentation describes endpoints and fails when this
 * list differs from it.
 */
export const BROKER_ENDPOINT_CONFIGS: readonly string[] = [
  'advertised.listeners',
  'controller.quorum.bootstrap.servers',
  'controller.quorum.voters',
  'listeners',
];

/**
 * Client configurations whose values are endpoints. A broker passes them, with a prefix, to the
 * clients it embeds (`remote.log.metadata.common.client.bootstrap.servers`, say), so a broker
 * config whose name ends with one of them holds endpoints too. Checked by the same test against
 * the admin, producer and consumer config definitions.
 */
export const CLIENT_ENDPOINT_CONFIGS: readonly string[] = ['bootstrap.controllers', 'bootstrap.servers'];

/**
 * What clients see in place of a controller endpoint that maps to no proxy address: a host under
 * the reserved `.invalid` top-level domain (RFC 6761), which never resolves, and port 0.
 */
export const REDACTED_ENDPOINT: HostPort = { host: 'redacted.invalid', port: 0 };

/**
 * Returns the address clients use for the real address `host:port` (the proxy address of the broker
 * listening there), or undefined when no proxy address stands for it.
 */
export type ProxyAddressOf = (host: string, port: number) => HostPort | undefined;

/** Whether responses of `apiKey` may carry endpoints in configuration values or quorum descriptions. */
export function responseCarriesConfigAddresses(apiKey: number): boolean {
  return apiKey === ApiKey.DESCRIBE_CONFIGS || apiKey === ApiKey.DESCRIBE_QUORUM;
}

/**
 * Makes sure a decoded DESCRIBE_CONFIGS or DESCRIBE_QUORUM response names no real broker or
 * controller address, in place. Every endpoint is replaced by the proxy address `proxyAddressOf`
 * gives for it; where one endpoint has none, the value is redacted instead:
 * - DESCRIBE_CONFIGS: a config (and its synonyms) whose value names endpoints gets value null and
 *   `isSensitive: true`, exactly as Kafka describes a password. A config holds endpoints when its
 *   name says so (the lists above) or when its value names an address this response or
 *   `proxyAddressOf` shows to be real.
 * - DESCRIBE_QUORUM: a controller listener gets the host and port of REDACTED_ENDPOINT.
 * Returns whether anything changed. Pure: no I/O, no state beyond the body.
 */
export function redactConfigAddresses(apiKey: number, body: unknown, proxyAddressOf: ProxyAddressOf): boolean {
  if (apiKey === ApiKey.DESCRIBE_CONFIGS) return redactDescribeConfigs(body as DescribeConfigsResponse, proxyAddressOf);
  if (apiKey === ApiKey.DESCRIBE_QUORUM) return redactDescribeQuorum(body as DescribeQuorumResponse, proxyAddressOf);
  return false;
}

/** Whether a config of this name holds endpoints, by name alone. */
export function isEndpointConfig(name: string): boolean {
  if (BROKER_ENDPOINT_CONFIGS.includes(name)) return true;
  return CLIENT_ENDPOINT_CONFIGS.some((suffix) => name === suffix || name.endsWith(`.${suffix}`));
}

interface Endpoint {
  /** What precedes the address: `NAME://`, `id@` or nothing. */
  readonly prefix: string;
  readonly host: string;
  readonly port: number;
}

/** One element of an endpoint list; the host may be empty (a bind-all listener) or a bracketed IPv6 literal. */
const ENDPOINT = /^([^\s,@/]*:\/\/|[^\s,@/:]+@)?(\[[0-9A-Fa-f:.%\w]*\]|[^\s,:[\]@/]*):(\d{1,5})$/;

/**
 * Parses a comma-separated endpoint list. Returns undefined when any element has another shape:
 * such a value cannot be shown to be free of addresses, so it is redacted.
 */
function parseEndpoints(value: string): Endpoint[] | undefined {
  const endpoints: Endpoint[] = [];
  for (const raw of value.split(',')) {
    const element = raw.trim();
    if (element === '') continue;
    const match = ENDPOINT.exec(element);
    if (!match) return undefined;
    const host = match[2]!.startsWith('[') ? match[2]!.slice(1, -1) : match[2]!;
    endpoints.push({ prefix: match[1] ?? '', host, port: Number(match[3]) });
  }
  return endpoints;
}

/** Any `host:port` inside free text (another config's value). */
const HOST_PORT_IN_TEXT = /(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})(?!\d)/g;

function redactDescribeConfigs(body: DescribeConfigsResponse, proxyAddressOf: ProxyAddressOf): boolean {
  // Endpoints named by endpoint configs are real addresses by definition: remember them to spot
  // the same addresses in configs whose names do not announce them.
  const real = new Set<string>();
  for (const result of body.results ?? []) {
    for (const config of result.configs ?? []) {
      for (const value of valuesOf(config)) {
        if (value === null || !isEndpointConfig(config.name)) continue;
        for (const endpoint of parseEndpoints(value) ?? []) real.add(addressKey(endpoint.host, endpoint.port));
      }
    }
  }
  const namesRealAddress = (text: string): boolean => {
    for (const match of text.matchAll(HOST_PORT_IN_TEXT)) {
      const host = match[1]!.startsWith('[') ? match[1]!.slice(1, -1) : match[1]!;
      const port = Number(match[2]);
      if (real.has(addressKey(host, port)) || proxyAddressOf(host, port) !== undefined) return true;
    }
    return false;
  };

  let changed = false;
  for (const result of body.results ?? []) {
    for (const config of result.configs ?? []) {
      const synonyms = config.synonyms ?? [];
      if (isEndpointConfig(config.name)) {
        const rewritten = [config.value, ...synonyms.map((synonym) => synonym.value)].map((value) =>
          value === null ? null : rewriteEndpoints(value, proxyAddressOf),
        );
        if (rewritten.every((value) => value !== undefined)) {
          changed ||= rewritten.some((value, i) => value !== (i === 0 ? config.value : synonyms[i - 1]!.value));
          config.value = rewritten[0]!;
          synonyms.forEach((synonym, i) => {
            synonym.value = rewritten[i + 1]!;
          });
          continue;
        }
      } else if (!valuesOf(config).some((value) => value !== null && namesRealAddress(value))) {
        continue;
      }
      config.value = null;
      config.isSensitive = true;
      for (const synonym of synonyms) synonym.value = null;
      changed = true;
    }
  }
  return changed;
}

function valuesOf(config: DescribeConfigsResponse['results'][number]['configs'][number]): (string | null)[] {
  return [config.value, ...(config.synonyms ?? []).map((synonym) => synonym.value)];
}

/** The list with every endpoint replaced by its proxy address, or undefined when one has none. */
function rewriteEndpoints(value: string, proxyAddressOf: ProxyAddressOf): string | undefined {
  const endpoints = parseEndpoints(value);
  if (endpoints === undefined) return undefined;
  const out: string[] = [];
  for (const endpoint of endpoints) {
    const proxy = proxyAddressOf(endpoint.host, endpoint.port);
    if (proxy === undefined) return undefined;
    out.push(`${endpoint.prefix}${formatHostPort(proxy)}`);
  }
  return out.join(',');
}

function redactDescribeQuorum(body: DescribeQuorumResponse, proxyAddressOf: ProxyAddressOf): boolean {
  let changed = false;
  for (const node of body.nodes ?? []) {
    for (const listener of node.listeners ?? []) {
      const proxy = proxyAddressOf(listener.host, listener.port) ?? REDACTED_ENDPOINT;
      changed ||= proxy.host !== listener.host || proxy.port !== listener.port;
      listener.host = proxy.host;
      listener.port = proxy.port;
    }
  }
  return changed;
}

function addressKey(host: string, port: number): string {
  return `${host.toLowerCase()}:${port}`;
}
