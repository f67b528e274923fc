import { DecodeError } from '../wire/errors.ts';

/** PRODUCE requests carry a transactional id before `acks` from this version (KIP-98). */
const FIRST_TRANSACTIONAL_VERSION = 3;
/** PRODUCE requests use compact (flexible) encodings from this version (KIP-482). */
const FIRST_FLEXIBLE_VERSION = 9;

/**
 * Reads `acks` of an undecoded PRODUCE request without decoding the body, so that the proxy knows
 * whether a response will come (acks = 0 means none). `bodyOffset` is where the request body starts
 * in `frame` (after the request header). Throws DecodeError if the body is too short.
 */
export function readProduceAcks(frame: Buffer, bodyOffset: number, apiVersion: number): number {
  let at = bodyOffset;
  const end = frame.length;
  if (apiVersion >= FIRST_FLEXIBLE_VERSION) {
    // Compact nullable string: uvarint (length + 1), 0 meaning null.
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      if (shift >= 35) throw acksError('transactional id length varint longer than 5 bytes', at, apiVersion);
      if (at >= end) throw acksError('truncated transactional id length', at, apiVersion);
      const b = frame[at++]!;
      length |= (b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    length = (length >>> 0) - 1;
    if (length > 0) at += length;
  } else if (apiVersion >= FIRST_TRANSACTIONAL_VERSION) {
    if (at + 2 > end) throw acksError('truncated transactional id length', at, apiVersion);
    const length = frame.readInt16BE(at);
    if (length < -1) throw acksError(`transactional id length ${length}`, at, apiVersion);
    at += 2;
    if (length > 0) at += length;
  }
  if (at < 0 || at + 2 > end) throw acksError('request ends before acks', Math.min(at, end), apiVersion);
  return frame.readInt16BE(at);
}

function acksError(reason: string, offset: number, apiVersion: number): DecodeError {
  return new DecodeError(reason, offset, { apiKey: 0, apiVersion, message: 'ProduceRequest' });
}
