// TopicPolicy: refuses to create, produce to or consume from topics whose names match configured
// patterns, answering as Kafka would: POLICY_VIOLATION for creation (as a broker's create-topic
// policy does), TOPIC_AUTHORIZATION_FAILED for produce and fetch.

import type {
  CreateTopicsRequest,
  FetchRequest,
  Filter,
  FilterContext,
  FilterFactory,
  FilterInterest,
  ProduceRequest,
  RequestHeader,
} from '../filter/index.ts';
import { FilterResults, KafkaError } from '../filter/index.ts';
import { PluginConfigurationError } from '../plugins/errors.ts';
import { ApiKey } from '../protocol/generated/api-keys.ts';
import { ErrorCode } from '../protocol/generated/error-codes.ts';
import { topicNamesOf } from './topic-names.ts';

export interface TopicPolicyConfig {
  /** Regular expressions (matched against the whole name) of topics that may not be created. */
  readonly denyCreate: readonly string[];
  /** … that may not be produced to. */
  readonly denyProduce: readonly string[];
  /** … that may not be fetched from. */
  readonly denyConsume: readonly string[];
}

interface Policy {
  readonly create: readonly RegExp[];
  readonly produce: readonly RegExp[];
  readonly consume: readonly RegExp[];
}

function denied(patterns: readonly RegExp[], names: readonly string[]): string | undefined {
  return names.find((name) => patterns.some((pattern) => pattern.test(name)));
}

class TopicPolicyFilter implements Filter {
  /** Only the APIs that have patterns: the others are not even decoded. */
  readonly interests: readonly FilterInterest[];
  readonly #policy: Policy;

  constructor(policy: Policy) {
    this.#policy = policy;
    this.interests = [
      ...(policy.create.length > 0 ? [ApiKey.CREATE_TOPICS] : []),
      ...(policy.produce.length > 0 ? [ApiKey.PRODUCE] : []),
      ...(policy.consume.length > 0 ? [ApiKey.FETCH] : []),
    ];
  }

  onCreateTopicsRequest(_header: RequestHeader, request: CreateTopicsRequest) {
    const topic = denied(
      this.#policy.create,
      request.topics.map((t) => t.name),
    );
    if (topic === undefined) return FilterResults.forward();
    return FilterResults.respondWithError(
      new KafkaError(ErrorCode.POLICY_VIOLATION, `topic '${topic}' may not be created through this proxy`),
    );
  }

  async onProduceRequest(_header: RequestHeader, request: ProduceRequest, context: FilterContext) {
    const topic = denied(this.#policy.produce, await topicNamesOf(request.topicData, context));
    if (topic === undefined) return FilterResults.forward();
    context.logger.debug('produce refused by topic policy', { topic });
    return FilterResults.respondWithError(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  }

  async onFetchRequest(_header: RequestHeader, request: FetchRequest, context: FilterContext) {
    const topics = request.topics.map((t) => ({ name: t.topic, topicId: t.topicId }));
    const topic = denied(this.#policy.consume, await topicNamesOf(topics, context));
    if (topic === undefined) return FilterResults.forward();
    context.logger.debug('fetch refused by topic policy', { topic });
    return FilterResults.respondWithError(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  }
}

const PATTERNS = { type: 'array', items: { type: 'string' }, default: [] };

function compile(patterns: readonly string[], key: string): RegExp[] {
  return patterns.map((source, index) => {
    try {
      return new RegExp(`^(?:${source})$`);
    } catch (error) {
      throw new PluginConfigurationError(`invalid pattern: ${(error as Error).message}`, `/${key}/${index}`);
    }
  });
}

export const TopicPolicy: FilterFactory<TopicPolicyConfig, Policy> = {
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { denyCreate: PATTERNS, denyProduce: PATTERNS, denyConsume: PATTERNS },
  },
  initialize(_context, config) {
    return {
      create: compile(config.denyCreate, 'denyCreate'),
      produce: compile(config.denyProduce, 'denyProduce'),
      consume: compile(config.denyConsume, 'denyConsume'),
    };
  },
  createFilter(_context, policy) {
    return new TopicPolicyFilter(policy);
  },
};
