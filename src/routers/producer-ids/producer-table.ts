// Which producer ids a router level's clients hold, and what each is called on every route. Shared
// by all sessions of the level (it lives in the factory's initialization data), so a client that
// reconnects to another virtual broker of the same process keeps its ids.
//
// A virtual producer id is the real id of the route that served INIT_PRODUCER_ID (its home), chosen
// so that `id % routeCount` is the home's index: the home can be read off the id itself, by any
// process and after any restart, and ids handed out by different routes never collide. On its home
// a producer's batches are never rewritten; on another route its batches carry a real id that route
// allocated for it (the "mapping"), obtained on first use and kept here. See
// docs/design/2026-12-03-virtual-producer-ids.md.

/** How many mappings one route keeps; the oldest are forgotten first (as after a restart). */
export const DEFAULT_MAPPINGS_PER_ROUTE = 100_000;

interface RouteMappings {
  /** Virtual id → the real id this route allocated for it. */
  readonly toReal: Map<number, number>;
  /** Real id → virtual id, for responses that name producers. */
  readonly toVirtual: Map<number, number>;
  /** Virtual ids whose real id on this route is being obtained. */
  readonly pending: Map<number, Promise<number>>;
}

export class ProducerTable {
  /** Route names in a stable order (sorted): a route's index is its residue class. */
  readonly routes: readonly string[];
  readonly #index: ReadonlyMap<string, number>;
  readonly #mappings: RouteMappings[];
  readonly #capacity: number;
  /** The INIT_PRODUCER_ID version the level's clients use; the router asks routes at it. */
  initVersion = 4;

  constructor(routeNames: Iterable<string>, capacity = DEFAULT_MAPPINGS_PER_ROUTE) {
    this.routes = [...routeNames].sort();
    this.#index = new Map(this.routes.map((name, index) => [name, index]));
    this.#mappings = this.routes.map(() => ({ toReal: new Map(), toVirtual: new Map(), pending: new Map() }));
    this.#capacity = capacity;
  }

  /** The index of a route; throws for a name the level does not have. */
  indexOf(route: string): number {
    const index = this.#index.get(route);
    if (index === undefined) throw new RangeError(`no route '${route}' in ${this.routes.join(', ')}`);
    return index;
  }

  /** Whether `id` is one route `index` may hand out as a virtual id (its residue class). */
  isHomeOf(id: number, index: number): boolean {
    return id % this.routes.length === index;
  }

  /** The real id of virtual producer `virtualId` on route `index`; undefined when none was obtained (yet). */
  realOn(index: number, virtualId: number): number | undefined {
    return this.#mappings[index]!.toReal.get(virtualId);
  }

  /** The id a client knows for `realId` as route `index` names it: its virtual id, or itself. */
  virtualOf(index: number, realId: number): number {
    return this.#mappings[index]!.toVirtual.get(realId) ?? realId;
  }

  /**
   * The real id of `virtualId` on route `index`, obtained with `obtain` when there is none yet. Calls
   * for the same producer and route while one is under way share it; a failure is not remembered.
   */
  acquire(index: number, virtualId: number, obtain: () => Promise<number>): Promise<number> {
    const route = this.#mappings[index]!;
    const known = route.toReal.get(virtualId);
    if (known !== undefined) return Promise.resolve(known);
    let pending = route.pending.get(virtualId);
    if (pending === undefined) {
      pending = obtain().then(
        (realId) => {
          route.pending.delete(virtualId);
          this.#remember(route, virtualId, realId);
          return realId;
        },
        (error: unknown) => {
          route.pending.delete(virtualId);
          throw error;
        },
      );
      route.pending.set(virtualId, pending);
    }
    return pending;
  }

  /** Forgets a virtual producer on every route: its client asked for a new id (KIP-360 re-init). */
  forget(virtualId: number): void {
    for (const route of this.#mappings) {
      const realId = route.toReal.get(virtualId);
      if (realId === undefined) continue;
      route.toReal.delete(virtualId);
      route.toVirtual.delete(realId);
    }
  }

  /** How many mappings route `index` holds. */
  size(index: number): number {
    return this.#mappings[index]!.toReal.size;
  }

  #remember(route: RouteMappings, virtualId: number, realId: number): void {
    route.toReal.set(virtualId, realId);
    route.toVirtual.set(realId, virtualId);
    // Bounded memory: the oldest mapping goes, and its producer gets a new real id on next use.
    if (route.toReal.size > this.#capacity) {
      const [oldVirtual, oldReal] = route.toReal.entries().next().value!;
      route.toReal.delete(oldVirtual);
      route.toVirtual.delete(oldReal);
    }
  }
}
