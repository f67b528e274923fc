// The topology service (routing.md §7): a per-level cache of partitions, brokers, topic ids and
// coordinators, filled as a side effect of METADATA and FIND_COORDINATOR responses crossing the
// level's router–route boundary, and discovery methods that ask a route when the cache lacks
// something. The cache is a routing hint, never an authority for access decisions.

import type { ApiMessage, RequestHeader } from '../pipeline/types.ts';
import type { ApiKey } from '../protocol/generated/api-keys.ts';
import { ErrorCode } from '../protocol/generated/error-codes.ts';
import type { FindCoordinatorRequest } from '../protocol/generated/messages/find-coordinator-request.ts';
import type { FindCoordinatorResponse } from '../protocol/generated/messages/find-coordinator-response.ts';
import type { MetadataRequest } from '../protocol/generated/messages/metadata-request.ts';
import type { MetadataResponse } from '../protocol/generated/messages/metadata-response.ts';
import { OWN_METADATA_VERSION } from '../protocol/own-versions.ts';
import type { Uuid } from '../protocol/wire/uuid.ts';
import type {
  BrokerInfo,
  CoordinatorKeyType,
  Coordinators,
  PartitionInfo,
  PartitionLeaders,
  TopicNames,
  TopologyService,
  VirtualNode,
} from './api.ts';
import { AmbiguousTopicError, TopologyDiscoveryUnavailableError, UnknownRouteError } from './errors.ts';
import { asVirtualNode, type NodeInterner } from './virtual-nodes.ts';

export const METADATA = 3;
export const FIND_COORDINATOR = 10;
const FIND_COORDINATOR_BATCHED_VERSION = 4;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

interface CachedPartition {
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

class RouteTopology {
  readonly partitions = new Map<string, Map<number, CachedPartition>>();
  readonly brokers = new Map<number, BrokerInfo>();
  readonly topicNames = new Map<Uuid, string>();
  readonly coordinators = new Map<string, number>();
}

const coordinatorKey = (keyType: number, key: string): string => `${keyType}\u0000${key}`;

/** The shared cache of one router level. */
export class TopologyCache {
  readonly #routes = new Map<string, RouteTopology>();

  route(route: string): RouteTopology {
    let topology = this.#routes.get(route);
    if (topology === undefined) {
      topology = new RouteTopology();
      this.#routes.set(route, topology);
    }
    return topology;
  }

  routesHolding(topic: string): string[] {
    const out: string[] = [];
    for (const [name, topology] of this.#routes) if (topology.partitions.has(topic)) out.push(name);
    return out;
  }

  invalidate(route: string): void {
    this.#routes.delete(route);
  }

  /**
   * Takes in a response that crossed the boundary (ids already in the level's space). Only
   * METADATA and FIND_COORDINATOR feed the cache (§7.4).
   */
  update(
    route: string,
    apiKey: number,
    apiVersion: number,
    request: ApiMessage | undefined,
    response: ApiMessage,
  ): void {
    if (apiKey === METADATA) this.#metadata(route, response as MetadataResponse);
    else if (apiKey === FIND_COORDINATOR)
      this.#coordinator(
        route,
        apiVersion,
        request as FindCoordinatorRequest | undefined,
        response as FindCoordinatorResponse,
      );
  }

  #metadata(route: string, response: MetadataResponse): void {
    const topology = this.route(route);
    for (const broker of response.brokers ?? []) {
      topology.brokers.set(broker.nodeId, { host: broker.host, port: broker.port, rack: broker.rack ?? null });
    }
    for (const topic of response.topics ?? []) {
      const name = topic.name;
      if (topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || topic.errorCode === ErrorCode.UNKNOWN_TOPIC_ID) {
        if (name !== null) topology.partitions.delete(name);
        continue;
      }
      if (topic.errorCode !== ErrorCode.NONE || name === null) continue;
      const partitions = new Map<number, CachedPartition>();
      for (const partition of topic.partitions) {
        partitions.set(partition.partitionIndex, {
          leader: partition.leaderId,
          replicas: [...partition.replicaNodes],
          isr: [...partition.isrNodes],
        });
      }
      topology.partitions.set(name, partitions);
      if (topic.topicId !== undefined && topic.topicId !== ZERO_UUID) topology.topicNames.set(topic.topicId, name);
    }
  }

  #coordinator(
    route: string,
    apiVersion: number,
    request: FindCoordinatorRequest | undefined,
    response: FindCoordinatorResponse,
  ): void {
    const topology = this.route(route);
    if (apiVersion < FIND_COORDINATOR_BATCHED_VERSION) {
      if (request === undefined) return;
      // Before v4 the response carries neither key nor key type: they come from the request (v0 means group).
      const key = coordinatorKey(apiVersion === 0 ? 0 : (request.keyType ?? 0), request.key);
      if (response.errorCode === ErrorCode.NONE) topology.coordinators.set(key, response.nodeId);
      else topology.coordinators.delete(key);
      return;
    }
    const keyType = request?.keyType ?? 0;
    for (const coordinator of response.coordinators ?? []) {
      const key = coordinatorKey(keyType, coordinator.key);
      if (coordinator.errorCode === ErrorCode.NONE) topology.coordinators.set(key, coordinator.nodeId);
      else topology.coordinators.delete(key);
    }
  }
}

/** Sends a discovery request along a route of the level, over the session's connections. */
export type DiscoverySender = (
  route: string,
  header: RequestHeader,
  body: ApiMessage,
) => Promise<ApiMessage | undefined>;

/**
 * The service one context hands out: bound to a session (discovery allowed) or obtained at
 * initialization (cache reads only).
 */
export class LevelTopologyService implements TopologyService {
  readonly #cache: TopologyCache;
  readonly #nodes: NodeInterner;
  readonly #routeNames: readonly string[];
  readonly #send: DiscoverySender | undefined;

  constructor(
    cache: TopologyCache,
    nodes: NodeInterner,
    routeNames: readonly string[],
    send: DiscoverySender | undefined,
  ) {
    this.#cache = cache;
    this.#nodes = nodes;
    this.#routeNames = routeNames;
    this.#send = send;
  }

  async leaders(topicsByRoute: ReadonlyMap<string, Iterable<string>>): Promise<PartitionLeaders> {
    const send = this.#discovery();
    const snapshot = new Map<string, Map<string, Map<number, CachedPartition>>>();
    const fetches: Promise<void>[] = [];
    for (const [route, topics] of topicsByRoute) {
      this.#checkRoute(route);
      const cached = this.#cache.route(route).partitions;
      const routeSnapshot = new Map<string, Map<number, CachedPartition>>();
      snapshot.set(route, routeSnapshot);
      const uncached: string[] = [];
      for (const topic of new Set(topics)) {
        const partitions = cached.get(topic);
        if (partitions !== undefined) routeSnapshot.set(topic, new Map(partitions));
        else uncached.push(topic);
      }
      if (uncached.length === 0) continue;
      const request: MetadataRequest = {
        topics: uncached.map((name) => ({ name, topicId: ZERO_UUID })),
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      };
      fetches.push(
        send(route, header(METADATA, OWN_METADATA_VERSION), request).then((body) => {
          for (const topic of (body as MetadataResponse).topics) {
            if (topic.errorCode !== ErrorCode.NONE || topic.name === null) continue;
            const partitions = new Map<number, CachedPartition>();
            for (const p of topic.partitions) {
              partitions.set(p.partitionIndex, {
                leader: p.leaderId,
                replicas: [...p.replicaNodes],
                isr: [...p.isrNodes],
              });
            }
            routeSnapshot.set(topic.name, partitions);
          }
        }),
      );
    }
    await Promise.all(fetches);
    const nodes = this.#nodes;
    return {
      leaderOf(topic: string, partitionIndex: number, route?: string): VirtualNode | undefined {
        let partitions: Map<number, CachedPartition> | undefined;
        if (route !== undefined) partitions = snapshot.get(route)?.get(topic);
        else {
          const holders = [...snapshot].filter(([, topics]) => topics.has(topic));
          if (holders.length > 1)
            throw new AmbiguousTopicError(
              topic,
              holders.map(([name]) => name),
            );
          partitions = holders[0]?.[1].get(topic);
        }
        const leader = partitions?.get(partitionIndex)?.leader;
        return leader === undefined || leader < 0 ? undefined : asVirtualNode(nodes.broker(leader));
      },
    };
  }

  async coordinators(route: string, keyType: CoordinatorKeyType, keys: Iterable<string>): Promise<Coordinators> {
    const send = this.#discovery();
    this.#checkRoute(route);
    const cached = this.#cache.route(route).coordinators;
    const found = new Map<string, number>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const known = cached.get(coordinatorKey(keyType, key));
      if (known !== undefined) found.set(key, known);
      else missing.push(key);
    }
    if (missing.length > 0) {
      const request: FindCoordinatorRequest = { key: '', keyType, coordinatorKeys: missing };
      const body = (await send(
        route,
        header(FIND_COORDINATOR, FIND_COORDINATOR_BATCHED_VERSION),
        request,
      )) as FindCoordinatorResponse;
      for (const coordinator of body.coordinators) {
        if (coordinator.errorCode === ErrorCode.NONE && coordinator.nodeId >= 0)
          found.set(coordinator.key, coordinator.nodeId);
      }
    }
    const nodes = this.#nodes;
    return {
      coordinatorFor(key: string): VirtualNode | undefined {
        const id = found.get(key);
        return id === undefined ? undefined : asVirtualNode(nodes.broker(id));
      },
    };
  }

  async topicNames(route: string, topicIds: Iterable<Uuid>): Promise<TopicNames> {
    const send = this.#discovery();
    this.#checkRoute(route);
    const cached = this.#cache.route(route).topicNames;
    const names = new Map<Uuid, string>();
    const missing: Uuid[] = [];
    for (const id of new Set(topicIds)) {
      const known = cached.get(id);
      if (known !== undefined) names.set(id, known);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const request: MetadataRequest = {
        topics: missing.map((topicId) => ({ name: null, topicId })),
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      };
      const body = (await send(route, header(METADATA, OWN_METADATA_VERSION), request)) as MetadataResponse;
      const wanted = new Set(missing);
      for (const topic of body.topics) {
        if (topic.errorCode === ErrorCode.NONE && topic.name !== null && wanted.has(topic.topicId))
          names.set(topic.topicId, topic.name);
      }
    }
    return { nameOf: (id) => names.get(id), size: names.size, entries: () => names.entries() };
  }

  partitionInfo(topicName: string, partitionIndex: number, route?: string): PartitionInfo | undefined {
    let holder = route;
    if (holder === undefined) {
      const holders = this.#cache.routesHolding(topicName);
      if (holders.length > 1) throw new AmbiguousTopicError(topicName, holders);
      holder = holders[0];
      if (holder === undefined) return undefined;
    } else {
      this.#checkRoute(holder);
    }
    const partition = this.#cache.route(holder).partitions.get(topicName)?.get(partitionIndex);
    if (partition === undefined) return undefined;
    const node = (id: number) => asVirtualNode(this.#nodes.broker(id));
    return {
      leader: partition.leader < 0 ? undefined : node(partition.leader),
      replicas: partition.replicas.filter((id) => id >= 0).map(node),
      isr: partition.isr.filter((id) => id >= 0).map(node),
    };
  }

  brokerInfo(node: VirtualNode): BrokerInfo | undefined {
    const own = this.#nodes.own(node);
    if (own === undefined || own.kind !== 'broker') return undefined;
    for (const route of this.#routeNames) {
      const info = this.#cache.route(route).brokers.get(own.id);
      if (info !== undefined) return info;
    }
    return undefined;
  }

  invalidateRoute(route: string): void {
    this.#checkRoute(route);
    this.#cache.invalidate(route);
  }

  #checkRoute(route: string): void {
    if (!this.#routeNames.includes(route)) throw new UnknownRouteError(route, this.#nodes.routerPath, this.#routeNames);
  }

  #discovery(): DiscoverySender {
    if (this.#send === undefined) throw new TopologyDiscoveryUnavailableError();
    return this.#send;
  }
}

function header(apiKey: number, apiVersion: number): RequestHeader {
  return {
    requestApiKey: apiKey as ApiKey,
    requestApiVersion: apiVersion,
    correlationId: 0,
    clientId: 'switchyard-topology',
  };
}
