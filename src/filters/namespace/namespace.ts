// Namespace: presents one tenant's topics, consumer groups and transactional ids without their
// prefix (`tenant-a.orders` upstream is `orders` to the client), hides every other resource, and
// keeps topic ids of other tenants unusable. Works in a virtual cluster's chain or a route's.
// Which fields name what comes from the specs (fields.ts); records are never touched: topic names
// are not inside record batches.

import type {
  ApiMessage,
  CreateAclsRequest,
  DeleteAclsRequest,
  DeleteAclsResponse,
  DescribeAclsRequest,
  DescribeAclsResponse,
  DescribeTopicPartitionsRequest,
  DescribeTopicPartitionsResponse,
  Filter,
  FilterContext,
  FilterFactory,
  FindCoordinatorRequest,
  FindCoordinatorResponse,
  RequestHeader,
  ResponseHeader,
} from '../../filter/index.ts';
import { FilterResults, KafkaError } from '../../filter/index.ts';
import { ApiKey } from '../../protocol/generated/api-keys.ts';
import type { NamingEntityType } from '../../protocol/generated/entity-fields.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import type { Uuid } from '../../protocol/wire/uuid.ts';
import { ZERO_UUID } from '../../protocol/wire/uuid.ts';
import * as acls from './acls.ts';
import { type NamespaceFields, namespacedApis, namespaceFields } from './fields.ts';
import { NoNamespace, PREFIX_PATTERN, PrefixTemplate } from './prefix.ts';
import { prefixRequest, unprefixResponse } from './rename.ts';
import * as unmarked from './unmarked-names.ts';
import { eachStruct } from './walk.ts';

export interface NamespaceConfig {
  /** Prepended to every topic, group and transactional id; `${principal}` is the authenticated principal's name. */
  readonly prefix: string;
}

/** What a broker with ACLs answers a client naming a resource it may not use, per entity. */
const REFUSAL: Readonly<Record<NamingEntityType, ErrorCode>> = {
  topicName: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
  groupId: ErrorCode.GROUP_AUTHORIZATION_FAILED,
  transactionalId: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
};

const FOREIGN_TOPIC_ID = FilterResults.respondWithError(
  new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.'),
);

/** A prefix no name has (Kafka names cannot contain NUL): everything is outside it. */
const NOTHING = '\u0000';

/** Topic-id verdicts kept per session; beyond this many the cache starts over (ids are re-resolved). */
const MAX_KNOWN_TOPIC_IDS = 10_000;

class NamespaceFilter implements Filter {
  readonly interests: readonly ApiKey[];
  readonly #template: PrefixTemplate;
  /** Topic id → whether it belongs to the namespace of #knownFor. */
  readonly #known = new Map<Uuid, boolean>();
  /** The prefix of the latest request renamed. */
  #knownFor: string | undefined;
  #warned = false;

  constructor(template: PrefixTemplate, interests: readonly ApiKey[]) {
    this.#template = template;
    this.interests = interests;
  }

  onRequest(apiKey: ApiKey, header: RequestHeader, request: ApiMessage, context: FilterContext) {
    const fields = namespaceFields('request', apiKey, header.requestApiVersion);
    const prefix = this.#template.resolve(context.authenticatedSubject());
    if (prefix instanceof NoNamespace) return this.#refuseSession(apiKey, fields, prefix, context);
    this.#useCacheFor(prefix);

    switch (apiKey) {
      case ApiKey.DESCRIBE_ACLS:
        acls.describeAclsRequest(request as DescribeAclsRequest, prefix);
        return FilterResults.forwardModified(request);
      case ApiKey.CREATE_ACLS: {
        const refusal = acls.createAclsRequest(request as CreateAclsRequest, prefix);
        return refusal === undefined ? FilterResults.forwardModified(request) : FilterResults.respondWithError(refusal);
      }
      case ApiKey.DELETE_ACLS: {
        const refusal = acls.deleteAclsRequest(request as DeleteAclsRequest, prefix);
        return refusal === undefined ? FilterResults.forwardModified(request) : FilterResults.respondWithError(refusal);
      }
      case ApiKey.FIND_COORDINATOR:
        unmarked.findCoordinatorRequest(request as FindCoordinatorRequest, prefix);
        return FilterResults.forwardModified(request);
    }

    if (fields.topicIds.length > 0) {
      const verdict = this.#topicIdsInside(fields, request, prefix, context);
      // Known ids are answered at once: only a lookup makes the hook asynchronous.
      if (verdict instanceof Promise) {
        return verdict.then((inside) => (inside ? this.#rename(apiKey, fields, request, prefix) : FOREIGN_TOPIC_ID));
      }
      if (!verdict) return FOREIGN_TOPIC_ID;
    }
    return this.#rename(apiKey, fields, request, prefix);
  }

  #rename(apiKey: ApiKey, fields: NamespaceFields, request: ApiMessage, prefix: string) {
    if (fields.names.length + fields.configResources.length + fields.patterns.length === 0) {
      return FilterResults.forward();
    }
    prefixRequest(fields, request, prefix);
    if (apiKey === ApiKey.DESCRIBE_TOPIC_PARTITIONS) {
      unmarked.describeTopicPartitionsRequest(request as DescribeTopicPartitionsRequest, prefix);
    }
    return FilterResults.forwardModified(request);
  }

  onResponse(apiKey: ApiKey, apiVersion: number, _header: ResponseHeader, response: ApiMessage) {
    // The prefix its request was renamed with (Kafka keeps a session's principal on re-authentication);
    // a response without one (an earlier filter's own request before any client request) shows nothing.
    const prefix = this.#knownFor ?? NOTHING;
    switch (apiKey) {
      case ApiKey.DESCRIBE_ACLS:
        acls.describeAclsResponse(response as DescribeAclsResponse, prefix);
        return FilterResults.forwardModified(response);
      case ApiKey.DELETE_ACLS:
        acls.deleteAclsResponse(response as DeleteAclsResponse, prefix);
        return FilterResults.forwardModified(response);
      case ApiKey.CREATE_ACLS:
        return FilterResults.forward();
      case ApiKey.FIND_COORDINATOR:
        return unmarked.findCoordinatorResponse(response as FindCoordinatorResponse, prefix)
          ? FilterResults.forwardModified(response)
          : FilterResults.forward();
      case ApiKey.DESCRIBE_TOPIC_PARTITIONS:
        unmarked.describeTopicPartitionsResponse(response as DescribeTopicPartitionsResponse, prefix);
        break;
    }
    const fields = namespaceFields('response', apiKey, apiVersion);
    if (prefix !== NOTHING) this.#learnTopicIds(fields, response, prefix);
    return unprefixResponse(fields, response, prefix)
      ? FilterResults.forwardModified(response)
      : FilterResults.forward();
  }

  /** Verdicts are for one prefix; a session whose principal changed starts over. */
  #useCacheFor(prefix: string): void {
    if (this.#knownFor === prefix && this.#known.size < MAX_KNOWN_TOPIC_IDS) return;
    this.#known.clear();
    this.#knownFor = prefix;
  }

  /** Responses that pair ids with names (METADATA, CREATE_TOPICS, …) tell which ids are the tenant's. */
  #learnTopicIds(fields: NamespaceFields, response: ApiMessage, prefix: string): void {
    for (const { path, nameKey } of fields.topicIds) {
      if (nameKey === undefined) continue;
      eachStruct(response, path, (struct) => {
        const id = struct.topicId as Uuid;
        const name = struct[nameKey];
        if (id === ZERO_UUID || typeof name !== 'string' || name === '') return;
        this.#known.set(id, name.startsWith(prefix));
      });
    }
  }

  /**
   * False when the request names a topic id of another tenant; unknown ids are left to the broker.
   * A promise only when an id must be looked up.
   */
  #topicIdsInside(
    fields: NamespaceFields,
    request: ApiMessage,
    prefix: string,
    context: FilterContext,
  ): boolean | Promise<boolean> {
    let foreign = false;
    let unresolved: Uuid[] | undefined;
    for (const { path } of fields.topicIds) {
      eachStruct(request, path, (struct) => {
        const id = struct.topicId as Uuid;
        if (id === ZERO_UUID || id === undefined) return;
        const verdict = this.#known.get(id);
        if (verdict === false) foreign = true;
        else if (verdict === undefined) {
          unresolved ??= [];
          unresolved.push(id);
        }
      });
    }
    if (foreign) return false;
    if (unresolved === undefined) return true;
    return this.#lookUp(unresolved, prefix, context);
  }

  async #lookUp(ids: Uuid[], prefix: string, context: FilterContext): Promise<boolean> {
    const names = await context.topicNames(ids);
    let inside = true;
    for (const id of ids) {
      const name = names.get(id);
      if (name === undefined) continue;
      const ours = name.startsWith(prefix);
      if (this.#knownFor === prefix) this.#known.set(id, ours);
      inside &&= ours;
    }
    return inside;
  }

  #refuseSession(apiKey: ApiKey, fields: NamespaceFields, refusal: NoNamespace, context: FilterContext) {
    if (!this.#warned) {
      this.#warned = true;
      context.logger.warn('namespace refused the session', { reason: refusal.reason });
    }
    const entity = fields.names[0]?.entityType;
    const code =
      entity !== undefined
        ? REFUSAL[entity]
        : apiKey === ApiKey.FIND_COORDINATOR
          ? ErrorCode.GROUP_AUTHORIZATION_FAILED
          : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
    return FilterResults.respondWithError(new KafkaError(code, `Namespace: ${refusal.reason}`)).withCloseConnection();
  }
}

/** Built on first use: a proxy that registers the filter without configuring it pays nothing. */
let interests: readonly ApiKey[] | undefined;

export const Namespace: FilterFactory<NamespaceConfig, string> = {
  configSchema: {
    type: 'object',
    required: ['prefix'],
    additionalProperties: false,
    properties: { prefix: { type: 'string', minLength: 1, pattern: PREFIX_PATTERN } },
  },
  initialize(context, config) {
    context.logger.info('namespace configured', { prefix: config.prefix });
    return config.prefix;
  },
  createFilter(_context, prefix) {
    // One template per session: it caches the prefix of the session's current subject.
    interests ??= namespacedApis() as ApiKey[];
    return new NamespaceFilter(new PrefixTemplate(prefix), interests);
  },
};
