import type { ConnectionRefusal } from '../../observability/catalogue.ts';

/**
 * Counts open client connections per gateway and per client IP address, for one process, and
 * refuses a new one beyond either cap (network.overload). A refused connection never becomes a
 * session, so it costs no upstream connection and no buffers.
 */
export class ConnectionLimits {
  readonly #perGateway: number;
  readonly #perAddress: number;
  readonly #byGateway = new Map<object, number>();
  readonly #byAddress = new Map<string, number>();

  constructor(limits: { readonly maxConnectionsPerGateway: number; readonly maxConnectionsPerClientAddress: number }) {
    this.#perGateway = limits.maxConnectionsPerGateway;
    this.#perAddress = limits.maxConnectionsPerClientAddress;
  }

  /**
   * Counts a new connection of `gateway` from `address` and returns undefined, or returns the
   * limit that refuses it (then nothing is counted). Every admitted connection must be released.
   */
  admit(gateway: object, address: string): ConnectionRefusal | undefined {
    const onGateway = this.#byGateway.get(gateway) ?? 0;
    if (onGateway >= this.#perGateway) return 'gateway_limit';
    const fromAddress = this.#byAddress.get(address) ?? 0;
    if (fromAddress >= this.#perAddress) return 'address_limit';
    this.#byGateway.set(gateway, onGateway + 1);
    this.#byAddress.set(address, fromAddress + 1);
    return undefined;
  }

  release(gateway: object, address: string): void {
    decrement(this.#byGateway, gateway);
    decrement(this.#byAddress, address);
  }
}

/** Entries at zero are removed, so the address map holds only addresses with open connections. */
function decrement<K>(counts: Map<K, number>, key: K): void {
  const count = counts.get(key);
  if (count === undefined) return;
  if (count <= 1) counts.delete(key);
  else counts.set(key, count - 1);
}

/** One key per client host: IPv4 clients seen through a dual-stack socket count as themselves. */
export function clientAddressKey(remoteAddress: string | undefined): string {
  if (remoteAddress === undefined) return 'unknown';
  return remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : remoteAddress;
}
