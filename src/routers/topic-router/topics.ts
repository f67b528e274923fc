// Topic administration by owner: CREATE_TOPICS, DELETE_TOPICS (by name and by id),
// CREATE_PARTITIONS, partition reassignments and leader elections, each split by the owning
// route and merged in request order.

import type {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
  ApiMessage,
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  ElectLeadersRequest,
  ElectLeadersResponse,
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
} from '../../filter/index.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import type { Uuid } from '../../protocol/wire/uuid.ts';
import { BrokerIdRouteMismatchError, type RouterResponse } from '../../routing/index.ts';
import { type Call, groupBy, maxThrottle, perRoute } from './call.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

const foreignBrokers = (route: string): string =>
  `the assignment names brokers of another route; this topic lives on route '${route}'`;

/**
 * Sends an admin request naming broker ids to a route. The runtime refuses a request naming a
 * broker of another route; that refusal becomes undefined, so the caller can answer
 * INVALID_REPLICA_ASSIGNMENT for the entries concerned instead of failing the session.
 */
async function sendNamingBrokers<T>(call: Call, route: string, body: ApiMessage): Promise<T | undefined> {
  try {
    return (await call.ctx.sendRequest(call.ctx.anyNode(route), call.header, body)) as T;
  } catch (error) {
    if (error instanceof BrokerIdRouteMismatchError) return undefined;
    throw error;
  }
}

export async function createTopics(call: Call, request: CreateTopicsRequest): Promise<RouterResponse> {
  // Topics with explicit assignments go alone, so that one naming a foreign broker fails alone.
  const batches = [...groupBy(request.topics, (topic) => call.owners.topic(topic.name))].flatMap(([route, topics]) => {
    const plain = topics.filter((topic) => topic.assignments.length === 0);
    const assigned = topics.filter((topic) => topic.assignments.length > 0).map((topic) => [topic]);
    return (plain.length > 0 ? [plain, ...assigned] : assigned).map((own) => ({ route, topics: own }));
  });
  const answers = await Promise.all(
    batches.map(async ({ route, topics }) => {
      const answer = await sendNamingBrokers<CreateTopicsResponse>(call, route, { ...request, topics });
      if (answer !== undefined) return answer;
      const refused: CreateTopicsResponse = {
        throttleTimeMs: 0,
        topics: topics.map((topic) => ({
          name: topic.name,
          topicId: ZERO_UUID,
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          errorMessage: foreignBrokers(route),
          topicConfigErrorCode: ErrorCode.NONE,
          numPartitions: -1,
          replicationFactor: -1,
          configs: null,
        })),
      };
      return refused;
    }),
  );
  const results = new Map(answers.flatMap((answer) => answer.topics.map((topic) => [topic.name, topic] as const)));
  return call.ctx
    .respondWith({
      throttleTimeMs: maxThrottle(answers),
      topics: request.topics.flatMap((topic) => results.get(topic.name) ?? []),
    })
    .build();
}

/** The route that holds a topic id: ids are random, so at most one route's cluster knows it. */
async function routesOfIds(call: Call, ids: readonly Uuid[]): Promise<Map<Uuid, { route: string; name: string }>> {
  const found = new Map<Uuid, { route: string; name: string }>();
  if (ids.length === 0) return found;
  await Promise.all(
    call.owners.routes.map(async (route) => {
      const names = await call.topology.topicNames(route, ids);
      for (const [id, name] of names.entries()) if (call.owners.topic(name) === route) found.set(id, { route, name });
    }),
  );
  return found;
}

export async function deleteTopics(call: Call, request: DeleteTopicsRequest): Promise<RouterResponse> {
  const named =
    request.topics.length > 0 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
  const byId = await routesOfIds(
    call,
    named.filter((topic) => topic.name === null).map((topic) => topic.topicId),
  );
  const routeOf = (topic: (typeof named)[number]): string =>
    topic.name !== null ? call.owners.topic(topic.name) : (byId.get(topic.topicId)?.route ?? call.owners.defaultRoute);
  const answers = await perRoute(groupBy(named, routeOf), async (route, topics) => {
    // v6 names topics in `topics` (by name or id), earlier versions in `topicNames`.
    const body: DeleteTopicsRequest =
      call.header.requestApiVersion >= 6
        ? { ...request, topics }
        : { ...request, topicNames: topics.map((topic) => topic.name ?? '') };
    return (await call.ctx.sendRequest(call.ctx.anyNode(route), call.header, body)) as DeleteTopicsResponse;
  });
  const key = (name: string | null, id: Uuid): string => (name !== null && name !== '' ? `n:${name}` : `i:${id}`);
  const results = new Map(
    answers.flatMap((answer) => answer.responses.map((topic) => [key(topic.name, topic.topicId), topic] as const)),
  );
  // An answer to a deletion by id names the topic too: look it up by id first.
  const byIdResults = new Map(
    answers.flatMap((answer) => answer.responses.map((topic) => [topic.topicId, topic] as const)),
  );
  return call.ctx
    .respondWith({
      throttleTimeMs: maxThrottle(answers),
      responses: named.flatMap(
        (topic) =>
          (topic.name === null ? byIdResults.get(topic.topicId) : results.get(key(topic.name, topic.topicId))) ?? [],
      ),
    })
    .build();
}

export async function createPartitions(call: Call, request: CreatePartitionsRequest): Promise<RouterResponse> {
  const batches = [...groupBy(request.topics, (topic) => call.owners.topic(topic.name))].flatMap(([route, topics]) => {
    const plain = topics.filter((topic) => topic.assignments === null);
    const assigned = topics.filter((topic) => topic.assignments !== null).map((topic) => [topic]);
    return (plain.length > 0 ? [plain, ...assigned] : assigned).map((own) => ({ route, topics: own }));
  });
  const answers = await Promise.all(
    batches.map(async ({ route, topics }) => {
      const answer = await sendNamingBrokers<CreatePartitionsResponse>(call, route, { ...request, topics });
      return (
        answer ?? {
          throttleTimeMs: 0,
          results: topics.map((topic) => ({
            name: topic.name,
            errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            errorMessage: foreignBrokers(route),
          })),
        }
      );
    }),
  );
  const results = new Map(answers.flatMap((answer) => answer.results.map((topic) => [topic.name, topic] as const)));
  return call.ctx
    .respondWith({
      throttleTimeMs: maxThrottle(answers),
      results: request.topics.flatMap((topic) => results.get(topic.name) ?? []),
    })
    .build();
}

export async function alterPartitionReassignments(
  call: Call,
  request: AlterPartitionReassignmentsRequest,
): Promise<RouterResponse> {
  const answers = await perRoute(
    groupBy(request.topics, (topic) => call.owners.topic(topic.name)),
    async (route, topics) => {
      const answer = await sendNamingBrokers<AlterPartitionReassignmentsResponse>(call, route, {
        ...request,
        topics,
      });
      if (answer !== undefined) return answer;
      const refused: AlterPartitionReassignmentsResponse = {
        throttleTimeMs: 0,
        allowReplicationFactorChange: request.allowReplicationFactorChange,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        responses: topics.map((topic) => ({
          name: topic.name,
          partitions: topic.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
            errorMessage: foreignBrokers(route),
          })),
        })),
      };
      return refused;
    },
  );
  const failed = answers.find((answer) => answer.errorCode !== ErrorCode.NONE);
  const results = new Map(answers.flatMap((answer) => answer.responses.map((topic) => [topic.name, topic] as const)));
  return call.ctx
    .respondWith({
      ...(failed ?? answers[0]!),
      throttleTimeMs: maxThrottle(answers),
      responses: request.topics.flatMap((topic) => results.get(topic.name) ?? []),
    })
    .build();
}

export async function listPartitionReassignments(
  call: Call,
  request: ListPartitionReassignmentsRequest,
): Promise<RouterResponse> {
  const groups: Map<string, ListPartitionReassignmentsRequest['topics']> =
    request.topics === null
      ? new Map(call.owners.routes.map((route) => [route, null]))
      : groupBy(request.topics, (topic) => call.owners.topic(topic.name));
  const answers = await Promise.all(
    [...groups].map(async ([route, topics]) => ({
      route,
      body: (await call.ctx.sendRequest(call.ctx.anyNode(route), call.header, {
        ...request,
        topics,
      })) as ListPartitionReassignmentsResponse,
    })),
  );
  const failed = answers.find(({ body }) => body.errorCode !== ErrorCode.NONE);
  return call.ctx
    .respondWith({
      ...(failed ?? answers[0]!).body,
      throttleTimeMs: maxThrottle(answers.map(({ body }) => body)),
      topics: answers.flatMap(({ route, body }) => body.topics.filter((t) => call.owners.topic(t.name) === route)),
    })
    .build();
}

export async function electLeaders(call: Call, request: ElectLeadersRequest): Promise<RouterResponse> {
  const groups: Map<string, ElectLeadersRequest['topicPartitions']> =
    request.topicPartitions === null
      ? new Map(call.owners.routes.map((route) => [route, null]))
      : groupBy(request.topicPartitions, (topic) => call.owners.topic(topic.topic));
  const answers = await Promise.all(
    [...groups].map(async ([route, topicPartitions]) => ({
      route,
      body: (await call.ctx.sendRequest(call.ctx.anyNode(route), call.header, {
        ...request,
        topicPartitions,
      })) as ElectLeadersResponse,
    })),
  );
  const failed = answers.find(({ body }) => body.errorCode !== ErrorCode.NONE);
  const own = answers.flatMap(({ route, body }) =>
    body.replicaElectionResults.filter((t) => call.owners.topic(t.topic) === route),
  );
  const byName = new Map(own.map((topic) => [topic.topic, topic] as const));
  return call.ctx
    .respondWith({
      ...(failed ?? answers[0]!).body,
      throttleTimeMs: maxThrottle(answers.map(({ body }) => body)),
      replicaElectionResults:
        request.topicPartitions === null
          ? own
          : request.topicPartitions.flatMap((topic) => byName.get(topic.topic) ?? []),
    })
    .build();
}
