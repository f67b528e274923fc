// API_VERSIONS on a level whose static routes send different api keys to different routes
// (routing.md §6.12): the answer of the route that served API_VERSIONS is right only for the keys
// that go there, so each key statically routed elsewhere takes the range of the route it goes to.

import type { Logger } from '../observability/logger.ts';
import type { Reply, SessionCloseCause } from '../pipeline/reply.ts';
import type { ResponseMessage } from '../pipeline/response-message.ts';
import type { ApiMessage, RequestHeader } from '../pipeline/types.ts';
import { ErrorCode } from '../protocol/generated/error-codes.ts';
import type { ApiVersionsResponse } from '../protocol/index.ts';
import { OWN_API_VERSIONS_VERSION } from '../protocol/own-versions.ts';

export const API_VERSIONS = 18;

/** One route's advertised ranges, by api key. */
export type VersionRanges = ReadonlyMap<number, { readonly min: number; readonly max: number }>;

/** What the reply needs of the level: another route's ranges, learned once per level and refreshed as answers pass. */
export interface RouteVersions {
  /** The ranges last seen from route `routeId`, if any answer of it passed this level yet. */
  known(routeId: number): VersionRanges | undefined;
  remember(routeId: number, ranges: VersionRanges): void;
  /** Asks route `routeId` (its session default node) for its API_VERSIONS. */
  ask(routeId: number, header: RequestHeader, body: ApiMessage): Promise<ApiMessage | undefined>;
}

/** The api keys this session sends statically to each route other than the one serving API_VERSIONS. */
export type KeysByRoute = ReadonlyMap<number, readonly number[]>;

export function rangesOf(response: ApiVersionsResponse): VersionRanges {
  const ranges = new Map<number, { min: number; max: number }>();
  for (const entry of response.apiKeys) ranges.set(entry.apiKey, { min: entry.minVersion, max: entry.maxVersion });
  return ranges;
}

/**
 * Wraps the reply of a statically routed API_VERSIONS: once the serving route answered, the ranges
 * of keys routed elsewhere are replaced by their route's (from the level's memory, or asked once
 * over this session), and a key a route does not serve disappears. A route that cannot be asked
 * leaves the answer as it was: its keys will fail on their own when used.
 */
export class ApiVersionsAcrossRoutes implements Reply {
  readonly expectsResponse: boolean;
  readonly #reply: Reply;
  readonly #routeId: number;
  readonly #others: KeysByRoute;
  readonly #versions: RouteVersions;
  readonly #logger: Logger;

  constructor(reply: Reply, routeId: number, others: KeysByRoute, versions: RouteVersions, logger: Logger) {
    this.expectsResponse = reply.expectsResponse;
    this.#reply = reply;
    this.#routeId = routeId;
    this.#others = others;
    this.#versions = versions;
    this.#logger = logger;
  }

  respond(response: ResponseMessage | undefined, closeWith?: SessionCloseCause): void {
    let body: ApiVersionsResponse;
    try {
      if (response === undefined) throw new Error('no response');
      body = response.body() as ApiVersionsResponse;
    } catch {
      this.#reply.respond(response, closeWith);
      return;
    }
    if (body.errorCode !== ErrorCode.NONE) {
      this.#reply.respond(response, closeWith);
      return;
    }
    this.#versions.remember(this.#routeId, rangesOf(body));
    void this.#merge(response!, body, closeWith);
  }

  fail(cause: SessionCloseCause, message: string, error?: Error): void {
    this.#reply.fail(cause, message, error);
  }

  async #merge(response: ResponseMessage, body: ApiVersionsResponse, closeWith: SessionCloseCause | undefined) {
    const byKey = new Map(body.apiKeys.map((entry) => [entry.apiKey, entry]));
    for (const [routeId, keys] of this.#others) {
      const ranges = await this.#rangesOf(routeId);
      if (ranges === undefined) continue;
      for (const key of keys) {
        const range = ranges.get(key);
        if (range === undefined) byKey.delete(key);
        else byKey.set(key, { apiKey: key, minVersion: range.min, maxVersion: range.max });
      }
    }
    body.apiKeys = [...byKey.values()].sort((x, y) => x.apiKey - y.apiKey);
    response.bodyChanged();
    this.#reply.respond(response, closeWith);
  }

  async #rangesOf(routeId: number): Promise<VersionRanges | undefined> {
    const known = this.#versions.known(routeId);
    if (known !== undefined) return known;
    const header: RequestHeader = {
      requestApiKey: API_VERSIONS,
      requestApiVersion: OWN_API_VERSIONS_VERSION,
      correlationId: 0,
      clientId: 'switchyard',
    } as RequestHeader;
    try {
      const answer = (await this.#versions.ask(routeId, header, {
        clientSoftwareName: 'switchyard',
        clientSoftwareVersion: '0',
        clusterId: null,
        nodeId: -1,
      })) as ApiVersionsResponse | undefined;
      if (answer === undefined || answer.errorCode !== ErrorCode.NONE)
        throw new Error(`error code ${answer?.errorCode}`);
      const ranges = rangesOf(answer);
      this.#versions.remember(routeId, ranges);
      return ranges;
    } catch (error) {
      this.#logger.warn('cannot learn the API versions of a route; its keys keep the serving route’s ranges', {
        routeId,
        reason: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
  }
}
