import type { VirtualNode } from './api.ts';

/**
 * The nodes of one router level (routing.md §3.6): broker nodes by virtual id, a bootstrap node per
 * (cluster route, bootstrap server), an entry node per router route. Each is interned per level,
 * so two lookups from any session of the level return the same object, and nodes of different
 * levels never compare equal.
 */
export type LevelNode = BrokerNode | BootstrapNode | EntryNode;

abstract class NodeBase {
  /** The level (its router path) that interned this node: how foreign nodes are recognised. */
  readonly level: NodeInterner;

  constructor(level: NodeInterner) {
    this.level = level;
  }
}

export class BrokerNode extends NodeBase {
  readonly kind = 'broker';
  readonly id: number;

  constructor(level: NodeInterner, id: number) {
    super(level);
    this.id = id;
  }

  override toString(): string {
    return `VirtualNode(${this.level.routerPath}#${this.id})`;
  }
}

export class BootstrapNode extends NodeBase {
  readonly kind = 'bootstrap';
  readonly route: string;
  readonly index: number;

  constructor(level: NodeInterner, route: string, index: number) {
    super(level);
    this.route = route;
    this.index = index;
  }

  override toString(): string {
    return `VirtualNode(${this.level.routerPath}/${this.route} bootstrap ${this.index})`;
  }
}

export class EntryNode extends NodeBase {
  readonly kind = 'entry';
  readonly route: string;

  constructor(level: NodeInterner, route: string) {
    super(level);
    this.route = route;
  }

  override toString(): string {
    return `VirtualNode(${this.level.routerPath}/${this.route} entry)`;
  }
}

/** Interns the nodes of one level. Broker nodes are held weakly so unused ones can be collected. */
export class NodeInterner {
  readonly routerPath: string;
  readonly #brokers = new Map<number, WeakRef<BrokerNode>>();
  readonly #bootstraps = new Map<string, BootstrapNode>();
  readonly #entries = new Map<string, EntryNode>();
  readonly #forget = new FinalizationRegistry<number>((id) => {
    if (this.#brokers.get(id)?.deref() === undefined) this.#brokers.delete(id);
  });

  constructor(routerPath: string) {
    this.routerPath = routerPath;
  }

  broker(id: number): BrokerNode {
    const known = this.#brokers.get(id)?.deref();
    if (known !== undefined) return known;
    const node = new BrokerNode(this, id);
    this.#brokers.set(id, new WeakRef(node));
    this.#forget.register(node, id);
    return node;
  }

  bootstrap(route: string, index: number): BootstrapNode {
    const key = `${route}\u0000${index}`;
    let node = this.#bootstraps.get(key);
    if (node === undefined) {
      node = new BootstrapNode(this, route, index);
      this.#bootstraps.set(key, node);
    }
    return node;
  }

  entry(route: string): EntryNode {
    let node = this.#entries.get(route);
    if (node === undefined) {
      node = new EntryNode(this, route);
      this.#entries.set(route, node);
    }
    return node;
  }

  /** The node as this level's, or undefined for anything else (another level's node, a fake). */
  own(node: VirtualNode): LevelNode | undefined {
    return node instanceof NodeBase && node.level === this ? (node as unknown as LevelNode) : undefined;
  }
}

/** The public handle type of an interned node. */
export function asVirtualNode(node: LevelNode): VirtualNode {
  return node as unknown as VirtualNode;
}
