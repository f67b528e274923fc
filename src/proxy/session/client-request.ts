import { RequestMessage } from '../../pipeline/request-message.ts';
import { readProduceAcks } from '../../protocol/frames/index.ts';
import { readRequestHeader } from '../../protocol/headers.ts';

const PRODUCE = 0;
/** Size prefix, api key, api version and correlation id: the fixed start of every request. */
const FIXED_HEADER_END = 12;

/**
 * Reads what the proxy needs from a client request frame, on every frame: the fixed header fields
 * straight from their offsets, and the rest of the header (client id, tagged fields) only for
 * PRODUCE, whose `acks` follows it: a PRODUCE with `acks=0` gets no response and so takes no
 * response slot. The body stays undecoded. Throws DecodeError for a frame too short to be a
 * request. `node` is the top-level node the session is bound to, if any.
 */
export function readClientRequest(frame: Buffer, node: number | undefined): RequestMessage {
  if (frame.length < FIXED_HEADER_END) readRequestHeader(frame); // throws the typed error
  const apiKey = frame.readInt16BE(4);
  const apiVersion = frame.readInt16BE(6);
  return RequestMessage.fromFrame(
    frame,
    apiKey,
    apiVersion,
    frame.readInt32BE(8),
    expectsResponse(frame, apiKey, apiVersion),
    node,
  );
}

/**
 * The same for the head of a large request still arriving (`frameLength` bytes in all), or
 * undefined when the head is too short for what must be read (the frame is then reassembled and
 * read whole, which also reports a malformed one).
 */
export function readStreamedClientRequest(
  head: Buffer,
  frameLength: number,
  node: number | undefined,
): RequestMessage | undefined {
  const apiKey = head.readInt16BE(4);
  const apiVersion = head.readInt16BE(6);
  let expects: boolean;
  try {
    expects = expectsResponse(head, apiKey, apiVersion);
  } catch {
    return undefined;
  }
  return RequestMessage.streamed(head, frameLength, apiKey, apiVersion, head.readInt32BE(8), expects, node);
}

function expectsResponse(frame: Buffer, apiKey: number, apiVersion: number): boolean {
  return apiKey !== PRODUCE || readProduceAcks(frame, readRequestHeader(frame).bodyOffset, apiVersion) !== 0;
}
