import type { HostPort } from '../../config/model.ts';

export type { HostPort };

/** `host:port`, with IPv6 literals bracketed as in `bootstrapServers`. */
export function formatHostPort({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
