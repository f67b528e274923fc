// The few protocol operations the proxy core performs itself, over the generated codec.

import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import {
  ApiKey,
  type ApiVersionsRequest,
  type ApiVersionsResponse,
  apiInfo,
  codecsFor,
  type MessageSchema,
  type MetadataRequest,
} from '../../protocol/index.ts';

export const API_VERSIONS: number = ApiKey.API_VERSIONS;
export const METADATA: number = ApiKey.METADATA;

export function responseSchema(apiKey: number): MessageSchema | undefined {
  return codecsFor(apiKey)?.response.schema;
}

/** The versions of `apiKey` that Switchyard can decode and encode, or undefined for an unknown key. */
export function supportedVersionRange(apiKey: number): { readonly min: number; readonly max: number } | undefined {
  const info = apiInfo(apiKey);
  return info === undefined ? undefined : { min: info.minVersion, max: info.maxVersion };
}

/**
 * Narrows a broker's API_VERSIONS answer to what Switchyard can handle (routing.md §6.12): keys
 * Switchyard does not know are removed, and every range is intersected with Switchyard's own.
 */
export function apiVersionsIntersection(body: unknown): ApiVersionsResponse {
  const response = body as ApiVersionsResponse;
  const apiKeys: ApiVersionsResponse['apiKeys'] = [];
  for (const entry of response.apiKeys) {
    const ours = supportedVersionRange(entry.apiKey);
    if (ours === undefined) continue;
    const minVersion = Math.max(entry.minVersion, ours.min);
    const maxVersion = Math.min(entry.maxVersion, ours.max);
    if (minVersion > maxVersion) continue;
    apiKeys.push({ ...entry, minVersion, maxVersion });
  }
  response.apiKeys = apiKeys;
  return response;
}

/**
 * The answer to an API_VERSIONS request newer than Switchyard knows (KIP-511): a v0 response with
 * UNSUPPORTED_VERSION and Switchyard's own API_VERSIONS range, from which the client picks a
 * version both understand and asks again.
 */
export function unsupportedApiVersionsBody(): ApiVersionsResponse {
  const range = supportedVersionRange(API_VERSIONS)!;
  return {
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    apiKeys: [{ apiKey: API_VERSIONS, minVersion: range.min, maxVersion: range.max }],
    throttleTimeMs: 0,
  };
}

/** METADATA with an empty topic list: the broker list only, for address discovery. */
export function discoveryMetadataRequest(): MetadataRequest {
  const body = codecsFor(ApiKey.METADATA)!.request.defaults() as MetadataRequest;
  body.topics = [];
  body.allowAutoTopicCreation = false;
  return body;
}

/** The first API_VERSIONS version whose request names the cluster and node the client means (KIP-1242). */
export const API_VERSIONS_TARGET_VERSION = 5;

/**
 * Removes the cluster id and node id a client names in an API_VERSIONS request (v5+), so that the
 * broker skips its check of them. They are the virtual cluster's identities: behind a router, the
 * cluster id and node ids a client learned are not those of the broker the proxy forwards to, and
 * the broker would answer REBOOTSTRAP_REQUIRED on every connection.
 */
export function withoutConnectionTarget(body: ApiVersionsRequest): ApiVersionsRequest {
  body.clusterId = null;
  body.nodeId = -1;
  return body;
}
