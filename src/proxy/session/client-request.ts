import { readProduceAcks } from '../../protocol/frames/index.ts';
import { readRequestHeader } from '../../protocol/headers.ts';

/** What a session is bound to: the VC's bootstrap endpoint, or one top-level virtual node. */
export type SessionBinding = { readonly kind: 'bootstrap' } | { readonly kind: 'node'; readonly nodeId: number };

const PRODUCE = 0;

/**
 * A request as the session read it: the frame (size prefix included) and the header fields the
 * proxy always needs. The body stays undecoded; only PRODUCE's `acks` is peeked at, because a
 * PRODUCE with `acks=0` gets no response and so takes no response slot.
 */
export interface ClientRequest {
  readonly frame: Buffer;
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** Where the body starts in `frame`. */
  readonly bodyOffset: number;
  readonly expectsResponse: boolean;
}

/** Reads the header of a client request frame; throws DecodeError for a malformed one. */
export function parseClientRequest(frame: Buffer): ClientRequest {
  const header = readRequestHeader(frame);
  const expectsResponse =
    header.apiKey !== PRODUCE || readProduceAcks(frame, header.bodyOffset, header.apiVersion) !== 0;
  return {
    frame,
    apiKey: header.apiKey,
    apiVersion: header.apiVersion,
    correlationId: header.correlationId,
    bodyOffset: header.bodyOffset,
    expectsResponse,
  };
}
