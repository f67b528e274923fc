// Parsers for the string-encoded values of the configuration: durations, addresses, host names.

import { isIP } from 'node:net';
import type { HostPort } from './model.ts';

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration such as `500ms`, `10s` or `1m30s`; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  if (text === '') return undefined;
  DURATION_PART.lastIndex = 0;
  let total = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const match = DURATION_PART.exec(text);
    if (match === null) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return Math.round(total);
}

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** An RFC 1123 host name. */
export function isHostName(text: string): boolean {
  return text.length <= 253 && text.split('.').every((label) => LABEL.test(label));
}

export function isHost(text: string): boolean {
  return isIP(text) !== 0 || isHostName(text);
}

/**
 * Parses `host:port` or `[ipv6]:port`. The host is returned without brackets. `minPort` is 0 for
 * addresses the proxy binds (0 = any free port) and 1 for addresses it connects to.
 */
export function parseHostPort(text: string, minPort: number): HostPort | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (match === null) return undefined;
  const host = match[1] ?? match[2]!;
  if (match[1] !== undefined ? isIP(host) !== 6 : !isHost(host)) return undefined;
  const port = Number(match[3]);
  if (port < minPort || port > 65535) return undefined;
  return { host, port };
}

/** Renders a HostPort, bracketing IPv6 hosts. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

export const NODE_ID_PLACEHOLDER = '$(nodeId)';

/**
 * Parses an advertised broker address pattern: a host that may contain `$(nodeId)`, optionally
 * followed by `:port`.
 */
export function parseAddressPattern(text: string): { host: string; port?: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+))(?::(\d{1,5}))?$/.exec(text);
  if (match === null) return undefined;
  const host = match[1] ?? match[2]!;
  const probe = host.replaceAll(NODE_ID_PLACEHOLDER, '0');
  if (probe.includes('$(')) return undefined;
  if (match[1] !== undefined ? isIP(probe) !== 6 : !isHost(probe)) return undefined;
  if (match[3] === undefined) return { host };
  const port = Number(match[3]);
  return port >= 1 && port <= 65535 ? { host, port } : undefined;
}
