// FIND_COORDINATOR and DESCRIBE_TOPIC_PARTITIONS carry names in fields the specs do not mark with an
// entity type (a coordinator key is a group or a transactional id by its key type) or page through
// every topic with a cursor.

import type {
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
} from '../../filter/index.ts';

/** FindCoordinatorRequest.keyType: 0 GROUP, 1 TRANSACTION (2, SHARE, is a broker-internal key left alone). */
const NAMESPACED_KEY_TYPES: ReadonlySet<number> = new Set([0, 1]);

export function findCoordinatorRequest(request: FindCoordinatorRequest, prefix: string): void {
  if (!NAMESPACED_KEY_TYPES.has(request.keyType)) return;
  if (request.key !== '') request.key = prefix + request.key;
  for (let i = 0; i < request.coordinatorKeys.length; i++)
    request.coordinatorKeys[i] = prefix + request.coordinatorKeys[i];
}

export function findCoordinatorResponse(response: FindCoordinatorResponse, prefix: string): boolean {
  let changed = false;
  for (const coordinator of response.coordinators) {
    if (!coordinator.key.startsWith(prefix)) continue;
    coordinator.key = coordinator.key.slice(prefix.length);
    changed = true;
  }
  return changed;
}

/**
 * A request for every topic starts at the namespace: topics are paged in name order, so a tenant's
 * topics (one prefix) are contiguous and the paging stops when it leaves them.
 */
export function describeTopicPartitionsRequest(request: DescribeTopicPartitionsRequest, prefix: string): void {
  if (request.topics.length === 0 && request.cursor === null) request.cursor = { topicName: prefix, partitionIndex: 0 };
}

export function describeTopicPartitionsResponse(response: DescribeTopicPartitionsResponse, prefix: string): void {
  if (response.nextCursor !== null && !response.nextCursor.topicName.startsWith(prefix)) response.nextCursor = null;
}
