// API_VERSIONS: the keys the router handles, at the versions every route serves (so that a request
// can go to any of them at the client's version).

import type { ApiMessage, ApiVersionsResponse } from '../../filter/index.ts';
import { ApiKey } from '../../protocol/generated/api-keys.ts';
import type { Call } from './call.ts';

/**
 * The last version of each API that names topics only by name. The group and transaction handlers
 * split requests by topic name, so their later versions (topics by id) are not offered. PRODUCE
 * and FETCH need no cap: they go to the addressed broker, which belongs to the owner route whose
 * topic ids the client saw (each topic is shown only from its owner).
 */
const LAST_BY_NAME: ReadonlyMap<number, number> = new Map([
  [ApiKey.OFFSET_COMMIT, 9],
  [ApiKey.OFFSET_FETCH, 9],
  [ApiKey.TXN_OFFSET_COMMIT, 5],
]);

export async function apiVersions(
  call: Call,
  request: ApiMessage,
  handled: ReadonlyMap<number, unknown>,
): Promise<ApiVersionsResponse> {
  const { ctx, header, owners } = call;
  const answers = (await Promise.all(
    owners.routes.map((route) => ctx.sendRequest(ctx.anyNode(route), header, { ...request })),
  )) as ApiVersionsResponse[];
  const first = answers[0]!;
  if (first.errorCode !== 0) return first;
  const ranges = new Map(first.apiKeys.filter((e) => handled.has(e.apiKey)).map((e) => [e.apiKey, { ...e }]));
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
  for (const [key, last] of LAST_BY_NAME) {
    const range = ranges.get(key as ApiKey);
    if (range !== undefined) range.maxVersion = Math.min(range.maxVersion, last);
  }
  return { ...first, apiKeys: [...ranges.values()] };
}
