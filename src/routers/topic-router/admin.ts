// Cluster administration: configs by resource owner, DESCRIBE_CLUSTER and
// DESCRIBE_TOPIC_PARTITIONS merged like METADATA. ACLs, quotas and SCRAM credentials are in
// cluster-admin.ts.

import type {
  AlterConfigsRequest,
  ApiMessage,
  DescribeClusterRequest,
  DescribeClusterResponse,
  DescribeConfigsRequest,
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  IncrementalAlterConfigsRequest,
} from '../../filter/index.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import type { RouterResponse, VirtualNode } from '../../routing/index.ts';
import { type Call, groupBy, maxThrottle } from './call.ts';

/** Config resource types (DescribeConfigs and friends). */
const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const GROUP = 32;

type Resource = { resourceType: number; resourceName: string };

/**
 * Where a config resource lives: a topic on its owner, a group on its home route, a broker (or its
 * loggers) on that broker, addressed by its virtual id; the cluster-wide broker default (an empty
 * name) and anything else on the default route.
 */
function resourceNode(call: Call, resource: Resource): VirtualNode {
  const { owners, ctx } = call;
  switch (resource.resourceType) {
    case TOPIC:
      return ctx.anyNode(owners.topic(resource.resourceName));
    case GROUP:
      return ctx.anyNode(owners.group(resource.resourceName));
    case BROKER:
    case BROKER_LOGGER:
      if (resource.resourceName !== '') return ctx.nodeForId(Number(resource.resourceName));
  }
  return ctx.anyNode(owners.defaultRoute);
}

/** DESCRIBE_CONFIGS, ALTER_CONFIGS, INCREMENTAL_ALTER_CONFIGS: each resource where it lives. */
export function configs(field: 'results' | 'responses') {
  return async (
    call: Call,
    request: DescribeConfigsRequest | AlterConfigsRequest | IncrementalAlterConfigsRequest,
  ): Promise<RouterResponse> => {
    const nodes = new Map<Resource, VirtualNode>(request.resources.map((r) => [r, resourceNode(call, r)]));
    const byNode = new Map<VirtualNode, Resource[]>();
    for (const [resource, node] of nodes) byNode.set(node, [...(byNode.get(node) ?? []), resource]);
    // Kafka answers each resource in request order; matching by position also covers broker
    // resources, whose names the answer carries in the cluster's own ids.
    const resultOf = new Map<Resource, Resource>();
    const answers = await Promise.all(
      [...byNode].map(async ([node, resources]) => {
        // Copies: the runtime translates broker resource names of the body it sends in place.
        const sent = resources.map((resource) => ({ ...resource }));
        const answer = (await call.ctx.sendRequest(node, call.header, {
          ...request,
          resources: sent,
        } as ApiMessage)) as {
          throttleTimeMs: number;
        } & Record<typeof field, Resource[]>;
        answer[field].forEach((result, index) => {
          const asked = resources[index];
          if (asked !== undefined) resultOf.set(asked, { ...result, resourceName: asked.resourceName });
        });
        return answer;
      }),
    );
    const body = {
      throttleTimeMs: maxThrottle(answers),
      [field]: request.resources.flatMap((resource) => resultOf.get(resource) ?? []),
    };
    return call.ctx.respondWith(body as ApiMessage).build();
  };
}

/** DESCRIBE_CLUSTER: brokers of every route, the default route's controller, the virtual cluster id. */
export async function describeCluster(call: Call, request: DescribeClusterRequest): Promise<RouterResponse> {
  const answers = await Promise.all(
    call.owners.routes.map(async (route) => ({
      route,
      body: (await call.ctx.sendRequest(call.ctx.anyNode(route), call.header, {
        ...request,
      })) as DescribeClusterResponse,
    })),
  );
  const main = answers.find(({ route }) => route === call.owners.defaultRoute)!.body;
  const failed = answers.find(({ body }) => body.errorCode !== ErrorCode.NONE)?.body;
  if (failed !== undefined) return call.ctx.respondWith({ ...failed, clusterId: call.clusterId }).build();
  return call.ctx
    .respondWith({
      ...main,
      clusterId: call.clusterId,
      throttleTimeMs: maxThrottle(answers.map(({ body }) => body)),
      brokers: answers.flatMap(({ body }) => body.brokers),
    })
    .build();
}

/**
 * DESCRIBE_TOPIC_PARTITIONS: each topic from its owner (every route for "all topics"). Each
 * route pages on its own; the merged page ends at the earliest of the routes' cursors, so that the
 * client's next request (from that cursor) misses nothing and repeats nothing.
 */
export async function describeTopicPartitions(
  call: Call,
  request: DescribeTopicPartitionsRequest,
): Promise<RouterResponse> {
  const cursor = request.cursor;
  const after = (name: string): boolean => cursor === null || name >= cursor.topicName;
  const groups: Map<string, DescribeTopicPartitionsRequest['topics']> =
    request.topics.length === 0
      ? new Map(call.owners.routes.map((route) => [route, []]))
      : groupBy(
          request.topics.filter((topic) => after(topic.name)),
          (topic) => call.owners.topic(topic.name),
        );
  const answers = await Promise.all(
    [...groups].map(async ([route, topics]) => {
      const own = cursor !== null && call.owners.topic(cursor.topicName) === route ? cursor : null;
      const body = (await call.ctx.sendRequest(call.ctx.anyNode(route), call.header, {
        ...request,
        topics,
        cursor: own,
      })) as DescribeTopicPartitionsResponse;
      // Without its cursor a route starts from the first topic: drop what precedes the cursor.
      body.topics = body.topics.filter(
        (topic) => topic.name !== null && call.owners.topic(topic.name) === route && after(topic.name),
      );
      return body;
    }),
  );
  const cursors = answers.flatMap((answer) => answer.nextCursor ?? []);
  const next = cursors.sort((a, b) => (a.topicName < b.topicName ? -1 : a.topicName > b.topicName ? 1 : 0))[0];
  const topics = answers
    .flatMap((answer) => answer.topics)
    .filter((topic) => next === undefined || topic.name! <= next.topicName)
    .map((topic) =>
      next !== undefined && topic.name === next.topicName
        ? { ...topic, partitions: topic.partitions.filter((p) => p.partitionIndex < next.partitionIndex) }
        : topic,
    )
    .filter(
      (topic) => topic.partitions.length > 0 || topic.errorCode !== ErrorCode.NONE || next?.topicName !== topic.name,
    )
    .sort((a, b) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0));
  return call.ctx.respondWith({ throttleTimeMs: maxThrottle(answers), topics, nextCursor: next ?? null }).build();
}
