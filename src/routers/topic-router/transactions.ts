// Transactions: a transactional id has one route (by rule), whose cluster coordinates the whole
// transaction. A transaction can only contain partitions (and consumed offsets) of that route:
// anything else is refused before it reaches a cluster, so no cluster ever commits part of it.

import type {
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  DescribeTransactionsRequest,
  DescribeTransactionsResponse,
  InitProducerIdRequest,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResponse,
} from '../../filter/index.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import { CoordinatorKeyType, type RouterResponse, type VirtualNode } from '../../routing/index.ts';
import { type Call, coordinator, forward, groupCoordinator, maxThrottle } from './call.ts';

/**
 * The code a partition of another route fails with: the transaction can be aborted and the
 * producer reused (KIP-890's TRANSACTION_ABORTABLE), and the log line says why.
 */
export const FOREIGN_PARTITION = ErrorCode.TRANSACTION_ABORTABLE;

const transactionCoordinator = async (call: Call, transactionalId: string): Promise<VirtualNode> =>
  call.ctx.virtualNode() ??
  coordinator(call, call.owners.transactionalId(transactionalId), CoordinatorKeyType.TRANSACTION, transactionalId);

/**
 * INIT_PRODUCER_ID: with a transactional id, its route's transaction coordinator. Without one
 * (idempotent producers) the default route for now: virtual producer ids across routes are the
 * producer-ids part's concern.
 */
export async function initProducerId(call: Call, request: InitProducerIdRequest): Promise<RouterResponse> {
  const node =
    request.transactionalId === null
      ? (call.ctx.virtualNode() ?? call.ctx.anyNode(call.owners.defaultRoute))
      : await transactionCoordinator(call, request.transactionalId);
  return forward(call, node, request);
}

/** ADD_OFFSETS_TO_TXN, END_TXN: the transactional id's coordinator. */
export async function toTransactionCoordinator(
  call: Call,
  request: { readonly transactionalId: string } & object,
): Promise<RouterResponse> {
  return forward(call, await transactionCoordinator(call, request.transactionalId), request);
}

function logRefusal(call: Call, transactionalId: string, topics: readonly string[]): void {
  call.ctx.logger.warn('transaction refused: partitions of another route', {
    transactionalId,
    route: call.owners.transactionalId(transactionalId),
    topics: topics.map((topic) => `${topic} (route ${call.owners.topic(topic)})`).join(', '),
  });
}

/**
 * ADD_PARTITIONS_TO_TXN: a transaction naming a partition of another route is not sent at all:
 * those partitions fail with FOREIGN_PARTITION and the others with OPERATION_NOT_ATTEMPTED, as
 * Kafka does when one partition of a request fails.
 */
export async function addPartitionsToTxn(call: Call, request: AddPartitionsToTxnRequest): Promise<RouterResponse> {
  type Topic = AddPartitionsToTxnRequest['v3AndBelowTopics'][number];
  const foreignOf = (transactionalId: string, topics: readonly Topic[]): string[] =>
    topics.filter((t) => call.owners.topic(t.name) !== call.owners.transactionalId(transactionalId)).map((t) => t.name);
  const results = (topics: readonly Topic[], foreign: readonly string[]) =>
    topics.map((topic) => ({
      name: topic.name,
      resultsByPartition: topic.partitions.map((partitionIndex) => ({
        partitionIndex,
        partitionErrorCode: foreign.includes(topic.name) ? FOREIGN_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
      })),
    }));
  if (request.transactions.length === 0) {
    // v0–v3: one transaction, from a producer.
    const id = request.v3AndBelowTransactionalId;
    const foreign = foreignOf(id, request.v3AndBelowTopics);
    if (foreign.length === 0) return forward(call, await transactionCoordinator(call, id), request);
    logRefusal(call, id, foreign);
    const refused: AddPartitionsToTxnResponse = {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction: [],
      resultsByTopicV3AndBelow: results(request.v3AndBelowTopics, foreign),
    };
    return call.ctx.respondWith(refused).build();
  }
  // v4+: batches of transactions (sent by brokers); refused whole when any names a foreign partition.
  const refusedIds = request.transactions.filter((t) => foreignOf(t.transactionalId, t.topics).length > 0);
  if (refusedIds.length === 0) {
    return forward(call, await transactionCoordinator(call, request.transactions[0]!.transactionalId), request);
  }
  for (const t of refusedIds) logRefusal(call, t.transactionalId, foreignOf(t.transactionalId, t.topics));
  const refused: AddPartitionsToTxnResponse = {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    resultsByTransaction: request.transactions.map((t) => ({
      transactionalId: t.transactionalId,
      topicResults: results(t.topics, foreignOf(t.transactionalId, t.topics)),
    })),
    resultsByTopicV3AndBelow: [],
  };
  return call.ctx.respondWith(refused).build();
}

/**
 * TXN_OFFSET_COMMIT: the offsets join the transaction, so they are written on the transactional
 * id's route, to that route's coordinator for the group (where OFFSET_FETCH reads the offsets of
 * that route's partitions). Offsets of another route's partitions are refused whole.
 */
export async function txnOffsetCommit(call: Call, request: TxnOffsetCommitRequest): Promise<RouterResponse> {
  const route = call.owners.transactionalId(request.transactionalId);
  const foreign = request.topics.filter((topic) => call.owners.topic(topic.name) !== route).map((t) => t.name);
  if (foreign.length === 0) {
    // Off the group's home route no member exists: the commit goes without generation or member.
    const body: TxnOffsetCommitRequest =
      route === call.owners.group(request.groupId)
        ? request
        : { ...request, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null };
    return forward(call, await groupCoordinator(call, route, request.groupId), body);
  }
  logRefusal(call, request.transactionalId, foreign);
  const refused: TxnOffsetCommitResponse = {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      topicId: topic.topicId,
      partitions: topic.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode: foreign.includes(topic.name) ? FOREIGN_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
      })),
    })),
  };
  return call.ctx.respondWith(refused).build();
}

/**
 * DESCRIBE_TRANSACTIONS: admin clients send it to the coordinator FIND_COORDINATOR named, which
 * is on the ids' route; without an addressed broker, each id asks its own route's coordinator.
 */
export async function describeTransactions(call: Call, request: DescribeTransactionsRequest): Promise<RouterResponse> {
  const node = call.ctx.virtualNode();
  if (node !== undefined) return forward(call, node, request);
  const answers = await Promise.all(
    request.transactionalIds.map(async (id) => {
      const coordinatorNode = await coordinator(
        call,
        call.owners.transactionalId(id),
        CoordinatorKeyType.TRANSACTION,
        id,
      );
      return (await call.ctx.sendRequest(coordinatorNode, call.header, {
        ...request,
        transactionalIds: [id],
      })) as DescribeTransactionsResponse;
    }),
  );
  return call.ctx
    .respondWith({
      throttleTimeMs: maxThrottle(answers),
      transactionStates: answers.flatMap((answer) => answer.transactionStates),
    })
    .build();
}
