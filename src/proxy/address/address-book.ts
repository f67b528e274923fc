import type { HostPort } from './host-port.ts';

/**
 * Per virtual cluster and process: the upstream address of every broker the proxy has seen, keyed
 * by top-level virtual node id (routing.md §5.9). Filled from every decoded response that pairs a
 * broker id with a host and port, before any filter or translation touches it, so that a broker
 * learned on one session is reachable from every other session of the VC.
 */
export class AddressBook {
  readonly #entries = new Map<number, HostPort>();

  get(nodeId: number): HostPort | undefined {
    return this.#entries.get(nodeId);
  }

  /** The node recorded at `host:port` (host names compared case-insensitively), if any. */
  nodeAt(host: string, port: number): number | undefined {
    const wanted = host.toLowerCase();
    for (const [nodeId, address] of this.#entries) {
      if (address.port === port && address.host.toLowerCase() === wanted) return nodeId;
    }
    return undefined;
  }

  /** Every known broker, for the admin page; read-only. */
  entries(): IterableIterator<[number, HostPort]> {
    return this.#entries.entries();
  }

  record(nodeId: number, address: HostPort): void {
    const known = this.#entries.get(nodeId);
    if (known?.host === address.host && known.port === address.port) return;
    this.#entries.set(nodeId, { host: address.host, port: address.port });
  }
}
