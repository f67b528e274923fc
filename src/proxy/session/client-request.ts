import { readProduceAcks } from '../../protocol/frames/index.ts';
import { readRequestHeader } from '../../protocol/headers.ts';

/** What a session is bound to: the VC's bootstrap endpoint, or one top-level virtual node. */
export type SessionBinding = { readonly kind: 'bootstrap' } | { readonly kind: 'node'; readonly nodeId: number };

const PRODUCE = 0;
/** Size prefix, api key, api version and correlation id: the fixed start of every request. */
const FIXED_HEADER_END = 12;

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
  readonly expectsResponse: boolean;
}

/**
 * Reads what the proxy needs from a client request frame, on every frame: the fixed header fields
 * straight from their offsets, and the rest of the header (client id, tagged fields) only for
 * PRODUCE, whose `acks` follows it. Throws DecodeError for a frame too short to be a request.
 */
export function parseClientRequest(frame: Buffer): ClientRequest {
  if (frame.length < FIXED_HEADER_END) readRequestHeader(frame); // throws the typed error
  const apiKey = frame.readInt16BE(4);
  const apiVersion = frame.readInt16BE(6);
  const expectsResponse =
    apiKey !== PRODUCE || readProduceAcks(frame, readRequestHeader(frame).bodyOffset, apiVersion) !== 0;
  return { frame, apiKey, apiVersion, correlationId: frame.readInt32BE(8), expectsResponse };
}
