/**
 * How long one discovery answers every later need: long enough to absorb a flood, short enough
 * that a broker added to the cluster is found soon after.
 */
export const DISCOVERY_REUSE_MS = 5_000;

/**
 * Address discovery for one cluster of a virtual cluster, shared by its sessions. A session bound
 * to a node id the address book does not know (an SNI name or a port a client picked) otherwise
 * costs a METADATA request to the cluster each. Once the cluster has answered, its answer, found or
 * not found, is the one it left in the address book, and it serves every session for
 * DISCOVERY_REUSE_MS: unknown ids are refused without asking again. Sessions that need a discovery
 * while one is running wait for it. A discovery that got no answer (the connection failed, or the
 * broker refused a client that has not authenticated) is not reused: it says nothing about the
 * cluster, and reusing it would let one bad client refuse everyone else.
 */
export class DiscoveryThrottle {
  readonly #onResult: (result: 'queried' | 'cached') => void;
  readonly #now: () => number;
  #inFlight: Promise<boolean> | undefined;
  #answeredAt = Number.NEGATIVE_INFINITY;

  constructor(onResult: (result: 'queried' | 'cached') => void, now: () => number = () => performance.now()) {
    this.#onResult = onResult;
    this.#now = now;
  }

  /**
   * Runs `discover` (which resolves true when the cluster answered) unless a recent answer or the
   * one of a discovery already running can serve instead.
   */
  async run(discover: () => Promise<boolean>): Promise<void> {
    if (this.#recentlyAnswered()) {
      this.#onResult('cached');
      return;
    }
    const running = this.#inFlight;
    if (running !== undefined && (await running)) {
      this.#onResult('cached');
      return;
    }
    this.#onResult('queried');
    const mine = discover().then(
      (answered) => {
        if (answered) this.#answeredAt = this.#now();
        return answered;
      },
      () => false,
    );
    this.#inFlight = mine;
    await mine;
    if (this.#inFlight === mine) this.#inFlight = undefined;
  }

  #recentlyAnswered(): boolean {
    return this.#now() - this.#answeredAt < DISCOVERY_REUSE_MS;
  }
}
