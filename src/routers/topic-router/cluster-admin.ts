// Cluster-wide administration: ACLs, client quotas and SCRAM credentials. Each family goes to
// every route (writes answer each entry with the first failure of any route, reads merge and
// de-duplicate), or to the one route the configuration names for it (`clusterAdmin`).

import type {
  ApiMessage,
  DeleteAclsResponse,
  DescribeAclsResponse,
  DescribeClientQuotasResponse,
  DescribeUserScramCredentialsResponse,
} from '../../filter/index.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import type { RouterResponse } from '../../routing/index.ts';
import { type Call, groupBy, maxThrottle } from './call.ts';
import type { ClusterAdminFamily } from './config.ts';

/** Sends a copy of the request to every route that serves the family (one when configured so). */
async function adminRoutes<T>(call: Call, family: ClusterAdminFamily, request: ApiMessage): Promise<T[]> {
  return Promise.all(
    call.owners
      .clusterAdmin(family)
      .map(async (route) => (await call.ctx.sendRequest(call.ctx.anyNode(route), call.header, { ...request })) as T),
  );
}

/** The first failure among the routes' answers to one entry, else the first answer. */
function worst<T extends { errorCode: number }>(entries: readonly T[]): T {
  return entries.find((entry) => entry.errorCode !== ErrorCode.NONE) ?? entries[0]!;
}

type Resource = { resourceType: number; resourceName: string };
const resourceKey = (resource: Resource): string => `${resource.resourceType}\u0000${resource.resourceName}`;

const unique = <T>(items: readonly T[]): T[] => [
  ...new Map(
    items.map((item) => [JSON.stringify(item, (_k, v) => (typeof v === 'bigint' ? `${v}` : v)), item]),
  ).values(),
];

/** CREATE_ACLS, ALTER_CLIENT_QUOTAS, ALTER_USER_SCRAM_CREDENTIALS: per-entry results, a failure on any route shows. */
export function adminWrite(family: ClusterAdminFamily, field: 'results' | 'entries') {
  return async (call: Call, request: ApiMessage): Promise<RouterResponse> => {
    const answers = await adminRoutes<{ throttleTimeMs: number } & Record<string, { errorCode: number }[]>>(
      call,
      family,
      request,
    );
    const first = answers[0]!;
    const merged = first[field]!.map((_entry, index) => worst(answers.map((answer) => answer[field]![index]!)));
    return call.ctx
      .respondWith({ ...first, throttleTimeMs: maxThrottle(answers), [field]: merged } as ApiMessage)
      .build();
  };
}

export async function deleteAcls(call: Call, request: ApiMessage): Promise<RouterResponse> {
  const answers = await adminRoutes<DeleteAclsResponse>(call, 'acls', request);
  const filterResults = answers[0]!.filterResults.map((_r, index) => {
    const results = answers.map((answer) => answer.filterResults[index]!);
    return { ...worst(results), matchingAcls: unique(results.flatMap((result) => result.matchingAcls)) };
  });
  return call.ctx.respondWith({ throttleTimeMs: maxThrottle(answers), filterResults }).build();
}

export async function describeAcls(call: Call, request: ApiMessage): Promise<RouterResponse> {
  const answers = await adminRoutes<DescribeAclsResponse>(call, 'acls', request);
  const failed = answers.find((answer) => answer.errorCode !== ErrorCode.NONE);
  if (failed !== undefined) return call.ctx.respondWith(failed).build();
  const byResource = new Map<string, DescribeAclsResponse['resources'][number]>();
  for (const resource of answers.flatMap((answer) => answer.resources)) {
    const key = `${resourceKey(resource)}\u0000${resource.patternType}`;
    const known = byResource.get(key);
    byResource.set(key, known === undefined ? resource : { ...known, acls: unique([...known.acls, ...resource.acls]) });
  }
  return call.ctx
    .respondWith({ ...answers[0]!, throttleTimeMs: maxThrottle(answers), resources: [...byResource.values()] })
    .build();
}

export async function describeClientQuotas(call: Call, request: ApiMessage): Promise<RouterResponse> {
  const answers = await adminRoutes<DescribeClientQuotasResponse>(call, 'quotas', request);
  const failed = answers.find((answer) => answer.errorCode !== ErrorCode.NONE);
  if (failed !== undefined) return call.ctx.respondWith(failed).build();
  const entries = unique(answers.flatMap((answer) => answer.entries ?? []));
  return call.ctx.respondWith({ ...answers[0]!, throttleTimeMs: maxThrottle(answers), entries }).build();
}

export async function describeUserScramCredentials(call: Call, request: ApiMessage): Promise<RouterResponse> {
  const answers = await adminRoutes<DescribeUserScramCredentialsResponse>(call, 'scramCredentials', request);
  const failed = answers.find((answer) => answer.errorCode !== ErrorCode.NONE);
  if (failed !== undefined) return call.ctx.respondWith(failed).build();
  const byUser = groupBy(
    answers.flatMap((answer) => answer.results),
    (result) => result.user,
  );
  const results = [...byUser.values()].map((userResults) => ({
    ...worst(userResults),
    credentialInfos: unique(userResults.flatMap((result) => result.credentialInfos)),
  }));
  return call.ctx.respondWith({ ...answers[0]!, throttleTimeMs: maxThrottle(answers), results }).build();
}
