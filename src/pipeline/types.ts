// The types every stage of the data path shares (proxy core, filters, routers): message bodies,
// headers and identities. Public ones are re-exported from the package entry point by filter/ and
// routing/, which keeps those two folders free of imports of each other.

import type { ApiKey } from '../protocol/generated/api-keys.ts';

/** Any generated request or response body (ProduceRequest, MetadataResponse, …). */
export type ApiMessage = object;

/** The request header as the client sent it. `clientId` may be changed by a filter that forwards. */
export interface RequestHeader {
  readonly requestApiKey: ApiKey;
  readonly requestApiVersion: number;
  readonly correlationId: number;
  clientId: string | null;
}

/** A tagged field of a header kept as bytes (tag and raw value). */
export interface HeaderTaggedField {
  readonly tag: number;
  readonly data: Buffer;
}

/**
 * The response header; the correlation id is always replaced by the client's. Tagged fields (of
 * flexible versions) are written to the client as given.
 */
export interface ResponseHeader {
  readonly correlationId: number;
  readonly unknownTaggedFields?: readonly HeaderTaggedField[];
}

/** One identity established for a session (by mTLS or SASL). */
export interface Principal {
  readonly type: string;
  readonly name: string;
}

/** Who the client is. */
export interface Subject {
  readonly principals: readonly Principal[];
  /** True when no mTLS or SASL authentication has happened on the VC chain. */
  readonly isAnonymous: boolean;
}

export const ANONYMOUS: Subject = Object.freeze({ principals: Object.freeze([]), isAnonymous: true });
