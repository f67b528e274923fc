// How one router level maps the node ids of its routes' targets into its own id space
// (routing.md §5.1). Identity is an object, not a branch: a one-route level is simply S = 1.

/** The largest virtual node id: ids are signed 32-bit integers. */
const MAX_NODE_ID = 0x7fffffff;

export interface NodeIdMapping {
  /** S: the number of routes of the level. */
  readonly routeCount: number;
  /**
   * V for node id `t` of the target of the route with id `routeId`; undefined when V would exceed
   * 2^31 - 1. Negative ids (Kafka's sentinels) pass through unchanged.
   */
  toVirtual(routeId: number, t: number): number | undefined;
  /** The id of the route a non-negative V belongs to. */
  routeIdOf(v: number): number;
  /** The target's node id behind a non-negative V. */
  targetIdOf(v: number): number;
}

/** S = 1: V = t. */
export const IDENTITY_MAPPING: NodeIdMapping = Object.freeze({
  routeCount: 1,
  toVirtual: (_routeId: number, t: number) => t,
  routeIdOf: () => 0,
  targetIdOf: (v: number) => v,
});

/** S ≥ 2: V = id(r) + S × t. */
class InterleavedMapping implements NodeIdMapping {
  readonly routeCount: number;

  constructor(routeCount: number) {
    this.routeCount = routeCount;
  }

  toVirtual(routeId: number, t: number): number | undefined {
    if (t < 0) return t;
    const v = routeId + this.routeCount * t;
    return v > MAX_NODE_ID ? undefined : v;
  }

  routeIdOf(v: number): number {
    return v % this.routeCount;
  }

  targetIdOf(v: number): number {
    return Math.floor(v / this.routeCount);
  }
}

export function nodeIdMapping(routeCount: number): NodeIdMapping {
  return routeCount === 1 ? IDENTITY_MAPPING : new InterleavedMapping(routeCount);
}
