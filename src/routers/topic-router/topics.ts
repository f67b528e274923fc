// CREATE_TOPICS and DELETE_TOPICS: split by the owning route, answers merged in request order.

import type {
  CreateTopicsRequest,
  CreateTopicsResponse,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
  RequestHeader,
} from '../../filter/index.ts';
import type { RouterContext } from '../../routing/index.ts';
import type { Owners } from './config.ts';
import { groupBy } from './forward.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export async function createTopics(
  header: RequestHeader,
  request: CreateTopicsRequest,
  ctx: RouterContext,
  owners: Owners,
): Promise<CreateTopicsResponse> {
  const groups = groupBy(request.topics, (topic) => owners.topic(topic.name));
  const answers = await Promise.all(
    [...groups].map(
      async ([route, topics]) =>
        (await ctx.sendRequest(ctx.anyNode(route), header, { ...request, topics })) as CreateTopicsResponse,
    ),
  );
  const results = new Map(answers.flatMap((answer) => answer.topics.map((topic) => [topic.name, topic] as const)));
  return {
    ...answers[0]!,
    throttleTimeMs: Math.max(...answers.map((answer) => answer.throttleTimeMs)),
    topics: request.topics.flatMap((topic) => results.get(topic.name) ?? []),
  };
}

export async function deleteTopics(
  header: RequestHeader,
  request: DeleteTopicsRequest,
  ctx: RouterContext,
  owners: Owners,
): Promise<DeleteTopicsResponse> {
  const named =
    (request.topics ?? []).length > 0
      ? request.topics
      : (request.topicNames ?? []).map((name) => ({ name, topicId: ZERO_UUID }));
  const groups = groupBy(named, (topic) => owners.topic(topic.name ?? ''));
  const answers = await Promise.all(
    [...groups].map(async ([route, topics]) => {
      const body: DeleteTopicsRequest = { ...request, topics, topicNames: topics.map((topic) => topic.name ?? '') };
      return (await ctx.sendRequest(ctx.anyNode(route), header, body)) as DeleteTopicsResponse;
    }),
  );
  const results = new Map(answers.flatMap((answer) => answer.responses.map((topic) => [topic.name, topic] as const)));
  return {
    ...answers[0]!,
    throttleTimeMs: Math.max(...answers.map((answer) => answer.throttleTimeMs)),
    responses: named.flatMap((topic) => results.get(topic.name) ?? []),
  };
}
