// ACL bindings inside a namespace. Topic, group and transactional-id resources are renamed like any
// name; the tenant-wide wildcard is mapped so that it stays inside the namespace:
//   client LITERAL "*"   ⇄ upstream PREFIXED "<prefix>"   (every resource of the tenant)
//   client LITERAL "x"   ⇄ upstream LITERAL  "<prefix>x"
//   client PREFIXED "x"  ⇄ upstream PREFIXED "<prefix>x"
// Bindings on other resources (the cluster, users, delegation tokens, other tenants, the global
// wildcard) are hidden, cannot be created, and a delete filter that could reach them (no name,
// MATCH) is refused: deleting must never remove another tenant's bindings.

import type {
  CreateAclsRequest,
  DeleteAclsRequest,
  DeleteAclsResponse,
  DescribeAclsRequest,
  DescribeAclsResponse,
} from '../../filter/index.ts';
import { KafkaError } from '../../filter/index.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';

/** AclBinding resource types (org.apache.kafka.common.resource.ResourceType). */
const RESOURCE_ANY = 1;
const NAMESPACED_RESOURCE_TYPES: ReadonlySet<number> = new Set([2, 3, 5]); // TOPIC, GROUP, TRANSACTIONAL_ID
/** PatternType codes. */
const PATTERN_MATCH = 2;
const PATTERN_LITERAL = 3;
const PATTERN_PREFIXED = 4;
const WILDCARD = '*';

interface Pattern {
  name: string;
  patternType: number;
}

/** The upstream pattern of a client's (name, pattern type). */
function inward(name: string, patternType: number, prefix: string): Pattern {
  if (name === WILDCARD && patternType === PATTERN_LITERAL) return { name: prefix, patternType: PATTERN_PREFIXED };
  return { name: prefix + name, patternType };
}

/** The client's view of an upstream (name, pattern type), or undefined when it is outside the namespace. */
function outward(resourceType: number, name: string, patternType: number, prefix: string): Pattern | undefined {
  if (!NAMESPACED_RESOURCE_TYPES.has(resourceType) || !name.startsWith(prefix)) return undefined;
  if (name === prefix && patternType === PATTERN_PREFIXED) return { name: WILDCARD, patternType: PATTERN_LITERAL };
  return { name: name.slice(prefix.length), patternType };
}

const namespaced = (resourceType: number) =>
  resourceType === RESOURCE_ANY || NAMESPACED_RESOURCE_TYPES.has(resourceType);

export function describeAclsRequest(request: DescribeAclsRequest, prefix: string): void {
  // No name: every binding comes back and the response is narrowed.
  if (request.resourceNameFilter === null || !namespaced(request.resourceTypeFilter)) return;
  const pattern = inward(request.resourceNameFilter, request.patternTypeFilter, prefix);
  request.resourceNameFilter = pattern.name;
  request.patternTypeFilter = pattern.patternType;
}

export function describeAclsResponse(response: DescribeAclsResponse, prefix: string): void {
  let kept = 0;
  for (const resource of response.resources) {
    const local = outward(resource.resourceType, resource.resourceName, resource.patternType, prefix);
    if (local === undefined) continue;
    resource.resourceName = local.name;
    resource.patternType = local.patternType;
    response.resources[kept++] = resource;
  }
  response.resources.length = kept;
}

// A refusal is an error for the whole request: the error response carries it in the result of
// each creation or filter.

/** The error refusing a creation outside the namespace, or undefined after renaming every creation. */
export function createAclsRequest(request: CreateAclsRequest, prefix: string): KafkaError | undefined {
  if (request.creations.some((c) => !NAMESPACED_RESOURCE_TYPES.has(c.resourceType))) {
    return new KafkaError(
      ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
      'this namespace may only create ACLs on its topics, groups and transactional ids',
    );
  }
  for (const creation of request.creations) {
    const pattern = inward(creation.resourceName, creation.resourcePatternType, prefix);
    creation.resourceName = pattern.name;
    creation.resourcePatternType = pattern.patternType;
  }
  return undefined;
}

/** The error refusing a filter that could match outside the namespace, or undefined after renaming every filter. */
export function deleteAclsRequest(request: DeleteAclsRequest, prefix: string): KafkaError | undefined {
  for (const filter of request.filters) {
    if (!namespaced(filter.resourceTypeFilter)) {
      return new KafkaError(
        ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        'this namespace may only delete ACLs on its topics, groups and transactional ids',
      );
    }
    if (filter.resourceNameFilter === null || filter.patternTypeFilter === PATTERN_MATCH) {
      return new KafkaError(
        ErrorCode.INVALID_REQUEST,
        'in a namespace, a delete-ACLs filter must name its resource and may not use the MATCH pattern type',
      );
    }
  }
  for (const filter of request.filters) {
    const pattern = inward(filter.resourceNameFilter!, filter.patternTypeFilter, prefix);
    filter.resourceNameFilter = pattern.name;
    filter.patternTypeFilter = pattern.patternType;
  }
  return undefined;
}

export function deleteAclsResponse(response: DeleteAclsResponse, prefix: string): void {
  for (const result of response.filterResults) {
    let kept = 0;
    for (const acl of result.matchingAcls) {
      const local = outward(acl.resourceType, acl.resourceName, acl.patternType, prefix);
      if (local === undefined) continue;
      acl.resourceName = local.name;
      acl.patternType = local.patternType;
      result.matchingAcls[kept++] = acl;
    }
    result.matchingAcls.length = kept;
  }
}
