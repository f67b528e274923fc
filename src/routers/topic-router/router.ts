// The TopicRouter of one client session: the handler of each API key it routes. A key without a
// handler is refused with an error naming it, never forwarded to an arbitrary cluster, and
// API_VERSIONS advertises only the keys listed here.

import { KafkaError } from '../../filter/index.ts';
import { ApiKey } from '../../protocol/generated/api-keys.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import type { Router, RouterFactoryContext, RouterResponse } from '../../routing/index.ts';
import { type VirtualProducerIds, withVirtualProducerIds } from '../producer-ids/index.ts';
import { configs, describeCluster, describeTopicPartitions } from './admin.ts';
import { apiVersions } from './api-versions.ts';
import { type Call, forward, type Handler } from './call.ts';
import {
  adminWrite,
  deleteAcls,
  describeAcls,
  describeClientQuotas,
  describeUserScramCredentials,
} from './cluster-admin.ts';
import type { Owners } from './config.ts';
import {
  consumerGroupDescribe,
  consumerGroupHeartbeat,
  deleteGroups,
  describeGroups,
  findCoordinator,
  listGroups,
  offsetCommit,
  offsetDelete,
  offsetFetch,
  toHomeCoordinator,
} from './groups.ts';
import { metadata } from './metadata.ts';
import {
  alterPartitionReassignments,
  createPartitions,
  createTopics,
  deleteTopics,
  electLeaders,
  listPartitionReassignments,
} from './topics.ts';
import {
  addPartitionsToTxn,
  describeTransactions,
  initProducerId,
  toTransactionCoordinator,
  txnOffsetCommit,
} from './transactions.ts';

/** Requests a client sends to one broker (a partition's leader, for instance): that broker serves them. */
const toAddressedBroker: Handler = async (call, request) =>
  forward(call, call.ctx.virtualNode() ?? call.ctx.anyNode(call.owners.defaultRoute), request);

export const HANDLERS: ReadonlyMap<ApiKey, Handler> = new Map<ApiKey, Handler>([
  // Broker-bound: the client reached virtual broker V, one broker of one route.
  [ApiKey.PRODUCE, toAddressedBroker],
  [ApiKey.FETCH, toAddressedBroker],
  [ApiKey.LIST_OFFSETS, toAddressedBroker],
  [ApiKey.OFFSET_FOR_LEADER_EPOCH, toAddressedBroker],
  [ApiKey.DELETE_RECORDS, toAddressedBroker],
  [ApiKey.DESCRIBE_PRODUCERS, toAddressedBroker],
  [ApiKey.DESCRIBE_LOG_DIRS, toAddressedBroker],
  [ApiKey.SASL_HANDSHAKE, toAddressedBroker],
  [ApiKey.SASL_AUTHENTICATE, toAddressedBroker],
  [ApiKey.GET_TELEMETRY_SUBSCRIPTIONS, toAddressedBroker],
  [ApiKey.PUSH_TELEMETRY, toAddressedBroker],
  // The cluster view.
  [
    ApiKey.API_VERSIONS,
    async (call, request) => call.ctx.respondWith(await apiVersions(call, request, HANDLERS)).build(),
  ],
  [ApiKey.METADATA, async (call, request) => call.ctx.respondWith(await metadata(call, request)).build()],
  [ApiKey.DESCRIBE_CLUSTER, describeCluster],
  [ApiKey.DESCRIBE_TOPIC_PARTITIONS, describeTopicPartitions],
  // Topic administration by owner.
  [ApiKey.CREATE_TOPICS, createTopics],
  [ApiKey.DELETE_TOPICS, deleteTopics],
  [ApiKey.CREATE_PARTITIONS, createPartitions],
  [ApiKey.DESCRIBE_CONFIGS, configs('results')],
  [ApiKey.ALTER_CONFIGS, configs('responses')],
  [ApiKey.INCREMENTAL_ALTER_CONFIGS, configs('responses')],
  [ApiKey.ELECT_LEADERS, electLeaders],
  [ApiKey.ALTER_PARTITION_REASSIGNMENTS, alterPartitionReassignments],
  [ApiKey.LIST_PARTITION_REASSIGNMENTS, listPartitionReassignments],
  // Cluster-wide administration, on every route or the one configured for its family.
  [ApiKey.DESCRIBE_ACLS, describeAcls],
  [ApiKey.CREATE_ACLS, adminWrite('acls', 'results')],
  [ApiKey.DELETE_ACLS, deleteAcls],
  [ApiKey.DESCRIBE_CLIENT_QUOTAS, describeClientQuotas],
  [ApiKey.ALTER_CLIENT_QUOTAS, adminWrite('quotas', 'entries')],
  [ApiKey.DESCRIBE_USER_SCRAM_CREDENTIALS, describeUserScramCredentials],
  [ApiKey.ALTER_USER_SCRAM_CREDENTIALS, adminWrite('scramCredentials', 'results')],
  // Consumer groups: coordination on the home route, offsets with the partitions' owners.
  [ApiKey.FIND_COORDINATOR, findCoordinator],
  [ApiKey.JOIN_GROUP, toHomeCoordinator],
  [ApiKey.SYNC_GROUP, toHomeCoordinator],
  [ApiKey.HEARTBEAT, toHomeCoordinator],
  [ApiKey.LEAVE_GROUP, toHomeCoordinator],
  [ApiKey.OFFSET_COMMIT, offsetCommit],
  [ApiKey.OFFSET_FETCH, offsetFetch],
  [ApiKey.OFFSET_DELETE, offsetDelete],
  [ApiKey.LIST_GROUPS, listGroups],
  [ApiKey.DESCRIBE_GROUPS, describeGroups],
  [ApiKey.DELETE_GROUPS, deleteGroups],
  [ApiKey.CONSUMER_GROUP_HEARTBEAT, consumerGroupHeartbeat],
  [ApiKey.CONSUMER_GROUP_DESCRIBE, consumerGroupDescribe],
  // Transactions: everything on the transactional id's route.
  [ApiKey.INIT_PRODUCER_ID, initProducerId],
  [ApiKey.ADD_PARTITIONS_TO_TXN, addPartitionsToTxn],
  [ApiKey.ADD_OFFSETS_TO_TXN, toTransactionCoordinator],
  [ApiKey.END_TXN, toTransactionCoordinator],
  [ApiKey.TXN_OFFSET_COMMIT, txnOffsetCommit],
  [ApiKey.DESCRIBE_TRANSACTIONS, describeTransactions],
  // Each broker lists the transactions it coordinates: admin clients ask every broker.
  [ApiKey.LIST_TRANSACTIONS, toAddressedBroker],
] as [ApiKey, Handler][]);

const KEY_NAMES = new Map(Object.entries(ApiKey).map(([name, key]) => [key as number, name]));

/** What the sessions of one TopicRouter level share. */
export interface TopicRouterLevel extends Owners {
  /** Idempotent producers' ids across routes (src/routers/producer-ids). */
  readonly producerIds: VirtualProducerIds;
}

export function createTopicRouter(context: RouterFactoryContext, owners: TopicRouterLevel): Router {
  return withVirtualProducerIds(routeByApi(context, owners), owners.producerIds, owners.defaultRoute);
}

/** Keys whose requests on a broker connection go to that broker as the client sent them: as frames, undecoded. */
const BROKER_BOUND: ReadonlySet<ApiKey> = new Set(
  [...HANDLERS].filter(([, handler]) => handler === toAddressedBroker).map(([key]) => key),
);

function routeByApi(context: RouterFactoryContext, owners: Owners): Router {
  const clusterId = `switchyard-${context.virtualClusterName}`;
  const topology = context.topologyService();
  return {
    maxConcurrentRequests: 100,
    frameKeys: () => BROKER_BOUND,
    // Offered only for requests addressed to a broker: exactly what toAddressedBroker would do, without decoding.
    onRequestFrame: () => true,
    onRequest(apiKey, _version, header, request, ctx): Promise<RouterResponse> | RouterResponse {
      const handler = HANDLERS.get(apiKey);
      if (handler === undefined) {
        const name = KEY_NAMES.get(apiKey) ?? `API key ${apiKey}`;
        ctx.logger.warn('request refused: the TopicRouter has no rule for this API', { api: name });
        const error = new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `TopicRouter does not route ${name}`);
        return ctx.respondWithError(header, request, error).build();
      }
      const call: Call = { header, ctx, owners, topology, clusterId };
      return handler(call, request as never);
    },
  };
}
