// Consumer groups across clusters (classic protocol). A group is coordinated by its home route;
// the assignment is computed by a client, so members may own partitions of every route. Offsets
// live with the partitions' owners: a commit of another route's partitions is a standalone commit
// (no generation, no member) for the same group id on that route's coordinator, which Kafka
// accepts for a group with no members there.

import type {
  ApiMessage,
  ConsumerGroupDescribeRequest,
  ConsumerGroupDescribeResponse,
  ConsumerGroupHeartbeatRequest,
  DeleteGroupsRequest,
  DeleteGroupsResponse,
  DescribeGroupsRequest,
  DescribeGroupsResponse,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  ListGroupsRequest,
  ListGroupsResponse,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetDeleteRequest,
  OffsetDeleteResponse,
  OffsetFetchRequest,
  OffsetFetchResponse,
} from '../../filter/index.ts';
import { KafkaError } from '../../filter/index.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import { CoordinatorKeyType, type RouterResponse, type VirtualNode } from '../../routing/index.ts';
import {
  type Call,
  coordinator,
  forward,
  groupBy,
  groupCoordinator,
  maxThrottle,
  noteStale,
  perRoute,
} from './call.ts';

/** FIND_COORDINATOR: each key is answered by the route that owns it (batched keys split by owner). */
export async function findCoordinator(call: Call, request: FindCoordinatorRequest): Promise<RouterResponse> {
  const routeOf = (key: string): string =>
    request.keyType === CoordinatorKeyType.TRANSACTION ? call.owners.transactionalId(key) : call.owners.group(key);
  const keys = request.coordinatorKeys ?? [];
  if (keys.length === 0) return forward(call, call.ctx.anyNode(routeOf(request.key)), request);
  const answers = await perRoute(groupBy(keys, routeOf), (route, coordinatorKeys) =>
    call.ctx.sendRequest(call.ctx.anyNode(route), call.header, { ...request, coordinatorKeys }),
  );
  const bodies = answers as FindCoordinatorResponse[];
  const byKey = new Map(bodies.flatMap((body) => body.coordinators.map((entry) => [entry.key, entry] as const)));
  return call.ctx
    .respondWith({
      ...bodies[0]!,
      throttleTimeMs: maxThrottle(bodies),
      coordinators: keys.flatMap((key) => byKey.get(key) ?? []),
    })
    .build();
}

/** JOIN_GROUP, SYNC_GROUP, HEARTBEAT, LEAVE_GROUP and the like: the home route's coordinator. */
export async function toHomeCoordinator(
  call: Call,
  request: { readonly groupId: string } & object,
): Promise<RouterResponse> {
  const node =
    call.ctx.virtualNode() ?? (await groupCoordinator(call, call.owners.group(request.groupId), request.groupId));
  return forward(call, node, request);
}

/** Answers of the home coordinator that mean the committing member is not (or no longer) in the group. */
const NOT_A_MEMBER = new Set<number>([
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.FENCED_INSTANCE_ID,
  ErrorCode.FENCED_MEMBER_EPOCH,
  ErrorCode.STALE_MEMBER_EPOCH,
]);

/**
 * OFFSET_COMMIT: the home route's partitions commit normally (generation and member checked by
 * the home coordinator); every other route's partitions commit there as a standalone commit.
 * The home part goes first: when it shows the member is not in the group, the other parts are
 * not sent and fail with the same error, so a fenced member commits nowhere.
 */
export async function offsetCommit(call: Call, request: OffsetCommitRequest): Promise<RouterResponse> {
  const home = call.owners.group(request.groupId);
  const groups = groupBy(request.topics, (topic) => call.owners.topic(topic.name));
  if (groups.size === 1 && groups.has(home)) return toHomeCoordinator(call, request);
  const send = async (route: string, topics: OffsetCommitRequest['topics']): Promise<OffsetCommitResponse> => {
    const body: OffsetCommitRequest =
      route === home
        ? { ...request, topics }
        : { ...request, topics, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null };
    const node =
      route === home
        ? (call.ctx.virtualNode() ?? (await groupCoordinator(call, home, request.groupId)))
        : await groupCoordinator(call, route, request.groupId);
    const answer = (await call.ctx.sendRequest(node, call.header, body)) as OffsetCommitResponse;
    for (const topic of answer.topics) for (const p of topic.partitions) noteStale(call, route, p.errorCode);
    return answer;
  };
  const homeTopics = groups.get(home);
  const homeAnswer = homeTopics === undefined ? undefined : await send(home, homeTopics);
  const fenced = homeAnswer?.topics
    .flatMap((topic) => topic.partitions)
    .find((p) => NOT_A_MEMBER.has(p.errorCode))?.errorCode;
  groups.delete(home);
  const others = await perRoute(groups, async (route, topics) => {
    if (fenced === undefined) return send(route, topics);
    const refused: OffsetCommitResponse = {
      throttleTimeMs: 0,
      topics: topics.map((topic) => ({
        name: topic.name,
        topicId: topic.topicId,
        partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: fenced })),
      })),
    };
    return refused;
  });
  const answers = homeAnswer === undefined ? others : [homeAnswer, ...others];
  const byName = new Map(answers.flatMap((answer) => answer.topics.map((topic) => [topic.name, topic] as const)));
  return call.ctx
    .respondWith({
      ...answers[0]!,
      throttleTimeMs: maxThrottle(answers),
      topics: request.topics.flatMap((topic) => byName.get(topic.name) ?? []),
    })
    .build();
}

/**
 * OFFSET_FETCH: each partition's offset from its owner route's coordinator for the group. "All
 * partitions" (a null topic list) asks every route and keeps each topic from its owner.
 */
export async function offsetFetch(call: Call, request: OffsetFetchRequest): Promise<RouterResponse> {
  if (request.groups.length === 0) {
    // v0–v7: one group at the top level.
    const answers = await offsetsOf(call, request.groupId, request.topics, (topics) => ({
      ...request,
      topics,
    }));
    const byName = new Map(answers.flatMap(({ body }) => body.topics.map((topic) => [topic.name, topic] as const)));
    const failed = answers.find(({ body }) => body.errorCode !== ErrorCode.NONE);
    return call.ctx
      .respondWith({
        ...answers[0]!.body,
        throttleTimeMs: maxThrottle(answers.map(({ body }) => body)),
        errorCode: failed?.body.errorCode ?? ErrorCode.NONE,
        topics:
          request.topics === null
            ? answers.flatMap(({ route, body }) => body.topics.filter((t) => call.owners.topic(t.name) === route))
            : request.topics.flatMap((topic) => byName.get(topic.name) ?? []),
      })
      .build();
  }
  // v8+: several groups, each split by route.
  const results = await Promise.all(
    request.groups.map(async (group) => {
      const answers = await offsetsOf(call, group.groupId, group.topics, (topics) => ({
        ...request,
        groups: [{ ...group, topics }],
      }));
      const own = answers.map(({ route, body }) => ({ route, body, group: body.groups[0]! }));
      const failed = own.find(({ group: g }) => g.errorCode !== ErrorCode.NONE);
      const byName = new Map(own.flatMap(({ group: g }) => g.topics.map((topic) => [topic.name, topic] as const)));
      return {
        throttle: maxThrottle(answers.map(({ body }) => body)),
        group: {
          ...own[0]!.group,
          errorCode: failed?.group.errorCode ?? ErrorCode.NONE,
          topics:
            group.topics === null
              ? own.flatMap(({ route, group: g }) => g.topics.filter((t) => call.owners.topic(t.name) === route))
              : group.topics.flatMap((topic) => byName.get(topic.name) ?? []),
        },
      };
    }),
  );
  const response: OffsetFetchResponse = {
    throttleTimeMs: Math.max(0, ...results.map((result) => result.throttle)),
    topics: [],
    errorCode: ErrorCode.NONE,
    groups: results.map((result) => result.group),
  };
  return call.ctx.respondWith(response).build();
}

/** One OFFSET_FETCH per route that owns some of `topics` (every route for null), to its coordinator. */
async function offsetsOf<T extends { name: string }>(
  call: Call,
  groupId: string,
  topics: T[] | null,
  build: (topics: T[] | null) => OffsetFetchRequest,
): Promise<{ route: string; body: OffsetFetchResponse }[]> {
  const home = call.owners.group(groupId);
  const groups: Map<string, T[] | null> =
    topics === null
      ? new Map(call.owners.routes.map((route) => [route, null]))
      : groupBy(topics, (topic) => call.owners.topic(topic.name));
  if (groups.size === 0) groups.set(home, []);
  return Promise.all(
    [...groups].map(async ([route, own]) => {
      const node =
        route === home
          ? (call.ctx.virtualNode() ?? (await groupCoordinator(call, home, groupId)))
          : await groupCoordinator(call, route, groupId);
      const body = (await call.ctx.sendRequest(node, call.header, build(own))) as OffsetFetchResponse;
      noteStale(call, route, body.errorCode);
      for (const group of body.groups) noteStale(call, route, group.errorCode);
      // A route that never saw the group has no offsets for it: that is not an error of the group.
      if (route !== home) {
        if (body.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) body.errorCode = ErrorCode.NONE;
        for (const group of body.groups) if (group.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) group.errorCode = 0;
      }
      return { route, body };
    }),
  );
}

/** OFFSET_DELETE: each topic's offsets deleted on its owner route's coordinator; the group error from home. */
export async function offsetDelete(call: Call, request: OffsetDeleteRequest): Promise<RouterResponse> {
  const home = call.owners.group(request.groupId);
  const groups = groupBy(request.topics, (topic) => call.owners.topic(topic.name));
  if (!groups.has(home)) groups.set(home, []);
  const answers = await perRoute(groups, async (route, topics) => {
    const node =
      route === home
        ? (call.ctx.virtualNode() ?? (await groupCoordinator(call, home, request.groupId)))
        : await groupCoordinator(call, route, request.groupId);
    const body = (await call.ctx.sendRequest(node, call.header, { ...request, topics })) as OffsetDeleteResponse;
    noteStale(call, route, body.errorCode);
    return { route, body };
  });
  const homeAnswer = answers.find((answer) => answer.route === home)!.body;
  // Per-partition errors of another route are shown on its partitions; its group-level error on all of them.
  const byName = new Map(
    answers.flatMap(({ route, body }) =>
      body.topics.length > 0 || route === home
        ? body.topics.map((topic) => [topic.name, topic] as const)
        : (groups.get(route) ?? []).map(
            (topic) =>
              [
                topic.name,
                {
                  name: topic.name,
                  partitions: topic.partitions.map((p) => ({
                    partitionIndex: p.partitionIndex,
                    errorCode: body.errorCode,
                  })),
                },
              ] as const,
          ),
    ),
  );
  return call.ctx
    .respondWith({
      ...homeAnswer,
      throttleTimeMs: maxThrottle(answers.map(({ body }) => body)),
      topics: request.topics.flatMap((topic) => byName.get(topic.name) ?? []),
    })
    .build();
}

/** LIST_GROUPS: every route's groups, each group only from its home route (offset-only copies are hidden). */
export async function listGroups(call: Call, request: ListGroupsRequest): Promise<RouterResponse> {
  const answers = await Promise.all(
    call.owners.routes.map(async (route) => ({
      route,
      body: (await call.ctx.sendRequest(call.ctx.anyNode(route), call.header, { ...request })) as ListGroupsResponse,
    })),
  );
  const failed = answers.find(({ body }) => body.errorCode !== ErrorCode.NONE);
  return call.ctx
    .respondWith({
      throttleTimeMs: maxThrottle(answers.map(({ body }) => body)),
      errorCode: failed?.body.errorCode ?? ErrorCode.NONE,
      groups: answers.flatMap(({ route, body }) => body.groups.filter((g) => call.owners.group(g.groupId) === route)),
    })
    .build();
}

/**
 * Each group's home coordinator, with the groups it coordinates: the addressed broker when it is on
 * the home route of every group (the client found it through FIND_COORDINATOR), else each home
 * route's coordinators found through the topology service.
 */
async function homeCoordinators(call: Call, groupIds: readonly string[]): Promise<Map<VirtualNode, string[]>> {
  const byHome = groupBy(groupIds, (group) => call.owners.group(group));
  const node = call.ctx.virtualNode();
  if (node !== undefined && byHome.size === 1 && byHome.has(call.ctx.routeOf(node))) {
    return new Map([[node, [...groupIds]]]);
  }
  const byNode = new Map<VirtualNode, string[]>();
  const found = await Promise.all(
    [...byHome].map(async ([route, groups]) => ({
      route,
      groups,
      coordinators: await call.topology.coordinators(route, CoordinatorKeyType.GROUP, groups),
    })),
  );
  for (const { route, groups, coordinators } of found) {
    for (const group of groups) {
      const coordinator = coordinators.coordinatorFor(group) ?? call.ctx.anyNode(route);
      byNode.set(coordinator, [...(byNode.get(coordinator) ?? []), group]);
    }
  }
  return byNode;
}

type Described = { readonly groupId: string; readonly errorCode: number };

/**
 * DESCRIBE_GROUPS and CONSUMER_GROUP_DESCRIBE: each group described by its home route's
 * coordinator (one request per coordinator), the answers in request order. A group's offset-only
 * copies on other routes are not asked: the home route alone knows its members and state.
 */
function describeAtHome<R extends ApiMessage, G extends Described>(
  idsOf: (request: R) => readonly string[],
  withIds: (request: R, ids: string[]) => R,
) {
  return async (call: Call, request: R): Promise<RouterResponse> => {
    const ids = idsOf(request);
    const answers = await Promise.all(
      [...(await homeCoordinators(call, ids))].map(
        async ([node, groups]) =>
          (await call.ctx.sendRequest(node, call.header, withIds(request, groups))) as {
            throttleTimeMs: number;
            groups: G[];
          },
      ),
    );
    const byId = new Map(answers.flatMap((answer) => answer.groups.map((group) => [group.groupId, group] as const)));
    for (const group of byId.values()) noteStale(call, call.owners.group(group.groupId), group.errorCode);
    return call.ctx
      .respondWith({ throttleTimeMs: maxThrottle(answers), groups: ids.flatMap((id) => byId.get(id) ?? []) })
      .build();
  };
}

export const describeGroups = describeAtHome<DescribeGroupsRequest, DescribeGroupsResponse['groups'][number]>(
  (request) => request.groups,
  (request, groups) => ({ ...request, groups }),
);

/** KIP-848 groups: each served by its home route (CONSUMER_GROUP_HEARTBEAT keeps it within that route). */
export const consumerGroupDescribe = describeAtHome<
  ConsumerGroupDescribeRequest,
  ConsumerGroupDescribeResponse['groups'][number]
>(
  (request) => request.groupIds,
  (request, groupIds) => ({ ...request, groupIds }),
);

/**
 * CONSUMER_GROUP_HEARTBEAT (KIP-848): the broker computes the assignment and knows only its own
 * cluster, so a group is served only while its subscription stays within its home route.
 */
export async function consumerGroupHeartbeat(
  call: Call,
  request: ConsumerGroupHeartbeatRequest,
): Promise<RouterResponse> {
  const home = call.owners.group(request.groupId);
  const foreign = (request.subscribedTopicNames ?? []).filter((name) => call.owners.topic(name) !== home);
  const spansRoutes = call.owners.routes.length > 1 && request.subscribedTopicRegex !== null;
  if (foreign.length > 0 || spansRoutes) {
    const what =
      foreign.length > 0
        ? `topics ${foreign.join(', ')} are not on route '${home}'`
        : 'a regular expression subscription may match topics of several routes';
    const error = new KafkaError(
      ErrorCode.INVALID_REQUEST,
      `TopicRouter: group '${request.groupId}' has home route '${home}' but ${what}; the consumer group protocol assigns partitions of one cluster only: use group.protocol=classic`,
    );
    call.ctx.logger.warn('consumer group heartbeat refused', { groupId: request.groupId, home });
    return call.ctx.respondWithError(call.header, request, error).build();
  }
  const node = call.ctx.virtualNode() ?? (await coordinator(call, home, CoordinatorKeyType.GROUP, request.groupId));
  return forward(call, node, request);
}

/**
 * DELETE_GROUPS: each group on its home coordinator, and its offset-only copies on the other
 * routes with it (a copy that does not exist is no failure); the first failure shows.
 */
export async function deleteGroups(call: Call, request: DeleteGroupsRequest): Promise<RouterResponse> {
  const answers = await Promise.all(
    request.groupsNames.map(async (group) => {
      const home = call.owners.group(group);
      const results = await Promise.all(
        call.owners.routes.map(async (route) => {
          const node = await groupCoordinator(call, route, group);
          const body = (await call.ctx.sendRequest(node, call.header, {
            ...request,
            groupsNames: [group],
          })) as DeleteGroupsResponse;
          const result = body.results[0]!;
          noteStale(call, route, result.errorCode);
          const absent = route !== home && result.errorCode === ErrorCode.GROUP_ID_NOT_FOUND;
          return { body, result: absent ? { ...result, errorCode: ErrorCode.NONE } : result, home: route === home };
        }),
      );
      const failed = results.find(({ result }) => result.errorCode !== ErrorCode.NONE);
      return {
        throttleTimeMs: maxThrottle(results.map(({ body }) => body)),
        result: (failed ?? results.find((r) => r.home)!).result,
      };
    }),
  );
  return call.ctx
    .respondWith({ throttleTimeMs: maxThrottle(answers), results: answers.map((answer) => answer.result) })
    .build();
}
