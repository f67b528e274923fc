// Whole-frame conveniences over the generated codecs: decode a body at an offset of a frame, and
// encode a complete frame (4-byte size + header + body) in a single allocation sized by the size
// functions.

import type { RawTaggedField } from './codec-runtime.ts';
import { requestHeaderVersion, responseHeaderVersion } from './generated/api-keys.ts';
import { codecsFor, type RequestByApiKey, type ResponseByApiKey } from './generated/codecs.ts';
import { sizeOfRequestHeader, sizeOfResponseHeader, writeRequestHeader, writeResponseHeader } from './headers.ts';
import type { MessageCodec } from './message-codec.ts';
import { DecodeError, EncodeError } from './wire/errors.ts';
import { ByteReader } from './wire/reader.ts';
import { ByteWriter } from './wire/writer.ts';

type Body<Table, K> = K extends keyof Table ? Table[K] : unknown;

function codec(apiKey: number, side: 'request' | 'response'): MessageCodec<unknown> | undefined {
  return codecsFor(apiKey)?.[side];
}

function decodeBody(side: 'request' | 'response', apiKey: number, version: number, frame: Buffer, offset: number) {
  const c = codec(apiKey, side);
  if (c === undefined) {
    throw new DecodeError(`unknown api key`, offset, { apiKey, apiVersion: version });
  }
  const r = new ByteReader(frame, offset);
  const body = c.decode(r, version);
  if (r.remaining() !== 0) {
    throw new DecodeError(`${r.remaining()} bytes left after the body`, r.offset, {
      apiKey,
      apiVersion: version,
      message: c.name,
    });
  }
  return body;
}

/**
 * Decodes the request body that starts at `offset` of `frame` (use `readRequestHeader(frame).bodyOffset`)
 * and runs to the end of the frame. Throws DecodeError for anything malformed, including trailing bytes.
 */
export function decodeRequestBody<K extends number>(
  apiKey: K,
  version: number,
  frame: Buffer,
  offset: number,
): Body<RequestByApiKey, K> {
  return decodeBody('request', apiKey, version, frame, offset) as Body<RequestByApiKey, K>;
}

/** Like `decodeRequestBody`, for a response frame (`readResponseHeader(...).bodyOffset`). */
export function decodeResponseBody<K extends number>(
  apiKey: K,
  version: number,
  frame: Buffer,
  offset: number,
): Body<ResponseByApiKey, K> {
  return decodeBody('response', apiKey, version, frame, offset) as Body<ResponseByApiKey, K>;
}

function requireCodec(apiKey: number, side: 'request' | 'response'): MessageCodec<unknown> {
  const c = codec(apiKey, side);
  if (c === undefined) throw new EncodeError(`unknown api key ${apiKey}`);
  return c;
}

/** A complete response frame: size, response header (v0 or v1 as the API and version require), body. */
export function encodeResponse<K extends number>(
  apiKey: K,
  version: number,
  correlationId: number,
  body: Body<ResponseByApiKey, K>,
  headerTaggedFields?: readonly RawTaggedField[],
): Buffer {
  const c = requireCodec(apiKey, 'response');
  const headerVersion = responseHeaderVersion(apiKey, version);
  const size = sizeOfResponseHeader(headerVersion, headerTaggedFields) + c.size(body, version);
  const frame = Buffer.allocUnsafe(4 + size);
  const w = ByteWriter.into(frame);
  w.int32(size);
  writeResponseHeader(w, headerVersion, correlationId, headerTaggedFields);
  c.encode(w, body, version);
  return checkFilled(w, frame);
}

/** A complete request frame: size, request header (v1 or v2 as the API and version require), body. */
export function encodeRequest<K extends number>(
  apiKey: K,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Body<RequestByApiKey, K>,
): Buffer {
  const c = requireCodec(apiKey, 'request');
  const headerVersion = requestHeaderVersion(apiKey, version);
  const size = sizeOfRequestHeader(headerVersion, clientId) + c.size(body, version);
  const frame = Buffer.allocUnsafe(4 + size);
  const w = ByteWriter.into(frame);
  w.int32(size);
  writeRequestHeader(w, headerVersion, apiKey, version, correlationId, clientId);
  c.encode(w, body, version);
  return checkFilled(w, frame);
}

function checkFilled(w: ByteWriter, frame: Buffer): Buffer {
  if (w.length !== frame.length) {
    throw new EncodeError(`size function computed ${frame.length} bytes but ${w.length} were written`);
  }
  return frame;
}
