// A Namespace filter driven directly through its hooks, with a context that answers topic-id
// lookups from a table: for unit tests of what it does to decoded messages.

import { decisionOf } from '../../../../src/filter/results.ts';
import { Namespace } from '../../../../src/filters/namespace/namespace.ts';
import { PRINCIPAL_PLACEHOLDER } from '../../../../src/filters/namespace/prefix.ts';
import type { ApiMessage, Filter, FilterContext, FilterFactoryContext, Subject } from '../../../../src/index.ts';
import type { Logger } from '../../../../src/observability/logger.ts';
import { ANONYMOUS } from '../../../../src/pipeline/types.ts';
import { ApiKey } from '../../../../src/protocol/index.ts';

const silent: Logger = {
  isLevelEnabled: () => false,
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
const noMetrics = { counter: () => ({ inc: () => {} }), histogram: () => ({ observe: () => {} }) };

export function user(name: string): Subject {
  return { principals: [{ type: 'User', name }], isAnonymous: false };
}

export interface Harness {
  readonly filter: Filter;
  subject: Subject;
  /** Topic id → upstream name, as the cluster would answer METADATA by id. */
  readonly topics: Map<string, string>;
  /** How many topic-id lookups reached the "cluster". */
  lookups: number;
  request(apiKey: number, version: number, body: ApiMessage): Promise<ReturnType<typeof decisionOf>>;
  response(apiKey: number, version: number, body: ApiMessage): Promise<ReturnType<typeof decisionOf>>;
}

export async function namespaceFilter(prefix: string, subject: Subject = ANONYMOUS): Promise<Harness> {
  const initData = await Namespace.initialize(
    {
      virtualClusterName: 'vc',
      filterName: 'ns',
      logger: silent,
      metrics: noMetrics,
    } as unknown as FilterFactoryContext,
    { prefix },
  );
  const harness: Harness = {
    filter: undefined as unknown as Filter,
    subject,
    topics: new Map(),
    lookups: 0,
    async request(apiKey, version, body) {
      const header = { requestApiKey: apiKey, requestApiVersion: version, correlationId: 1, clientId: 'c' };
      return decisionOf(await harness.filter.onRequest!(apiKey as never, header as never, body, context));
    },
    async response(apiKey, version, body) {
      return decisionOf(
        await harness.filter.onResponse!(apiKey as never, version, { correlationId: 1 } as never, body, context),
      );
    },
  };
  const context = {
    sessionId: 's1',
    virtualClusterName: 'vc',
    filterName: 'ns',
    logger: silent,
    metrics: noMetrics,
    clientTls: undefined,
    authenticatedSubject: () => harness.subject,
    saslAuthenticated: () => {},
    sendRequest: async () => undefined,
    async topicNames(ids: Iterable<string>) {
      harness.lookups++;
      const found = new Map<string, string>();
      for (const id of ids) {
        const name = harness.topics.get(id);
        if (name !== undefined) found.set(id, name);
      }
      return found;
    },
  } as unknown as FilterContext;
  (harness as { filter: Filter }).filter = Namespace.createFilter(context, initData);
  if (!subject.isAnonymous || !prefix.includes(PRINCIPAL_PLACEHOLDER)) {
    // As a client starts: a request first (responses are renamed with the prefix of the requests).
    await harness.request(ApiKey.METADATA, 12, {
      topics: [],
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
  }
  return harness;
}
