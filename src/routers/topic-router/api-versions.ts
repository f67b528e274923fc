// API_VERSIONS: the versions every route serves, so that a request can go to any of them at the
// client's version.

import type { ApiMessage, ApiVersionsResponse, RequestHeader } from '../../filter/index.ts';
import { ApiKey } from '../../protocol/generated/api-keys.ts';
import type { RouterContext } from '../../routing/index.ts';
import type { Owners } from './config.ts';

/** From these versions on, PRODUCE and FETCH name topics by id, and topic ids differ between clusters. */
const TOPIC_ID_VERSION = 13;

export async function apiVersions(
  header: RequestHeader,
  request: ApiMessage,
  ctx: RouterContext,
  owners: Owners,
): Promise<ApiVersionsResponse> {
  const answers = (await Promise.all(
    owners.routes.map((route) => ctx.sendRequest(ctx.anyNode(route), header, { ...request })),
  )) as ApiVersionsResponse[];
  const first = answers[0]!;
  if (first.errorCode !== 0) return first;
  const ranges = new Map(first.apiKeys.map((entry) => [entry.apiKey, { ...entry }]));
  for (const answer of answers.slice(1)) {
    const other = new Map(answer.apiKeys.map((entry) => [entry.apiKey, entry]));
    for (const [key, range] of ranges) {
      const theirs = other.get(key);
      if (theirs === undefined) ranges.delete(key);
      else {
        range.minVersion = Math.max(range.minVersion, theirs.minVersion);
        range.maxVersion = Math.min(range.maxVersion, theirs.maxVersion);
        if (range.minVersion > range.maxVersion) ranges.delete(key);
      }
    }
  }
  for (const key of [ApiKey.PRODUCE, ApiKey.FETCH]) {
    const range = ranges.get(key);
    if (range !== undefined) range.maxVersion = Math.min(range.maxVersion, TOPIC_ID_VERSION - 1);
  }
  return { ...first, apiKeys: [...ranges.values()] };
}
