// Request and response headers, read and written by hand rather than through the generated
// RequestHeader/ResponseHeader codecs: the proxy reads every request header, so this is the hottest
// path of the protocol layer. All frames here include their 4-byte size prefix.
import type { RawTaggedField } from './codec-runtime.ts';
import { readRawTag, sizeOfRawTags, writeRawTags } from './codec-runtime.ts';
import { apiInfos, requestHeaderVersion } from './generated/api-keys.ts';
import { asDecodeError } from './message-codec.ts';
import { DecodeError } from './wire/errors.ts';
import { ByteReader } from './wire/reader.ts';
import type { ByteWriter } from './wire/writer.ts';
import { sizeOfString, sizeOfUvarint } from './wire/writer.ts';

/** Offset of the correlation id in a request frame: size (4), api key (2), api version (2). */
export const REQUEST_CORRELATION_ID_OFFSET = 8;
/** Offset of the correlation id in a response frame: right after the size. */
export const RESPONSE_CORRELATION_ID_OFFSET = 4;

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** Null when the client sent a null client id (or the header version has none). */
  readonly clientId: string | null;
  /** 0, 1 or 2; for an api key or version the specs lack, 1 (see `known`). */
  readonly headerVersion: number;
  /** Where the body starts in the frame. */
  readonly bodyOffset: number;
  /**
   * False when the api key or version is outside the pinned specs. Such a header is read leniently
   * (as header v1, or just the fixed part if that fails) so the caller can still answer it with an
   * error or close the connection.
   */
  readonly known: boolean;
  /** Header v2 tagged fields (none is defined by Kafka); present only when the client sent some. */
  readonly unknownTaggedFields?: RawTaggedField[];
}

/**
 * Reads the request header of `frame` (size prefix included). Throws DecodeError when the frame is
 * too short for the fixed part (api key, version, correlation id), or when the header of a known
 * api key and version is malformed.
 */
export function readRequestHeader(frame: Buffer): RequestHeader {
  if (frame.length < 12) {
    throw new DecodeError(`request frame of ${frame.length} bytes is shorter than a request header`, 0, {
      message: 'RequestHeader',
    });
  }
  const apiKey = frame.readInt16BE(4);
  const apiVersion = frame.readInt16BE(6);
  const correlationId = frame.readInt32BE(8);
  const info = apiKey >= 0 ? apiInfos[apiKey] : undefined;
  const known = info !== undefined && apiVersion >= info.minVersion && apiVersion <= info.maxVersion;
  const headerVersion = known ? requestHeaderVersion(apiKey, apiVersion) : 1;
  let clientId: string | null = null;
  let bodyOffset = 12;
  let unknownTaggedFields: RawTaggedField[] | undefined;
  const r = new ByteReader(frame, 12);
  try {
    if (headerVersion >= 1) {
      // The client id is a classic int16-prefixed string even in header v2 (flexibleVersions "none").
      clientId = r.nullableString();
    }
    if (headerVersion >= 2) {
      const n = r.uvarint();
      for (let i = 0; i < n; i++) {
        const tag = r.uvarint();
        unknownTaggedFields = readRawTag(r, tag, r.uvarint(), unknownTaggedFields);
      }
    }
    bodyOffset = r.offset;
  } catch (err) {
    if (known) throw asDecodeError(err, r.offset, { apiKey, apiVersion, message: 'RequestHeader' });
    clientId = null;
    bodyOffset = 12;
  }
  const header = { apiKey, apiVersion, correlationId, clientId, headerVersion, bodyOffset, known };
  return unknownTaggedFields === undefined ? header : { ...header, unknownTaggedFields };
}

/** Replaces the correlation id of a request frame in place. */
export function writeCorrelationId(frame: Buffer, correlationId: number): void {
  frame.writeInt32BE(correlationId, REQUEST_CORRELATION_ID_OFFSET);
}

/** The correlation id of a response frame, whatever its header version. */
export function readResponseCorrelationId(frame: Buffer): number {
  if (frame.length < 8) {
    throw new DecodeError(`response frame of ${frame.length} bytes has no correlation id`, 0, {
      message: 'ResponseHeader',
    });
  }
  return frame.readInt32BE(RESPONSE_CORRELATION_ID_OFFSET);
}

/** Replaces the correlation id of a response frame in place. */
export function writeResponseCorrelationId(frame: Buffer, correlationId: number): void {
  frame.writeInt32BE(correlationId, RESPONSE_CORRELATION_ID_OFFSET);
}

export interface ResponseHeader {
  readonly correlationId: number;
  readonly headerVersion: number;
  readonly bodyOffset: number;
  readonly unknownTaggedFields?: RawTaggedField[];
}

/**
 * Where the body of a response frame (size prefix included) starts, found without reading the
 * header into an object: 8 for header v0, past the tagged fields for v1. -1 when the header is
 * truncated or malformed (a full read, `readResponseHeader`, says what is wrong).
 */
export function responseBodyOffset(frame: Buffer, headerVersion: number): number {
  if (frame.length < 8) return -1;
  if (headerVersion === 0) return 8;
  let offset = uvarintEnd(frame, 8);
  if (offset < 0) return -1;
  for (let count = lastUvarint; count > 0; count--) {
    offset = uvarintEnd(frame, offset); // tag
    if (offset >= 0) offset = uvarintEnd(frame, offset); // size
    if (offset < 0 || offset + lastUvarint > frame.length) return -1;
    offset += lastUvarint;
  }
  return offset;
}

/**
 * Where the body of a request frame (size prefix included) of a known api key and version starts,
 * found without reading the header into an object: past the client id, and past the tagged fields
 * for header v2. -1 when the header is truncated or malformed (`readRequestHeader` says what is wrong).
 */
export function requestBodyOffset(frame: Buffer): number {
  if (frame.length < 12) return -1;
  const apiKey = frame.readInt16BE(4);
  const apiVersion = frame.readInt16BE(6);
  const info = apiKey >= 0 ? apiInfos[apiKey] : undefined;
  if (info === undefined || apiVersion < info.minVersion || apiVersion > info.maxVersion) return -1;
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  if (headerVersion === 0) return 12;
  if (frame.length < 14) return -1;
  let offset = 14 + Math.max(0, frame.readInt16BE(12));
  if (offset > frame.length) return -1;
  if (headerVersion === 1) return offset;
  offset = uvarintEnd(frame, offset);
  if (offset < 0) return -1;
  for (let count = lastUvarint; count > 0; count--) {
    offset = uvarintEnd(frame, offset); // tag
    if (offset >= 0) offset = uvarintEnd(frame, offset); // size
    if (offset < 0 || offset + lastUvarint > frame.length) return -1;
    offset += lastUvarint;
  }
  return offset;
}

/** The value of the uvarint `uvarintEnd` read last: a module variable, so reading one allocates nothing. */
let lastUvarint = 0;

/** Reads the uvarint at `offset` into `lastUvarint`; returns the offset after it, or -1. */
function uvarintEnd(frame: Buffer, offset: number): number {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (offset >= frame.length) return -1;
    const byte = frame[offset++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) {
      lastUvarint = value;
      return offset;
    }
  }
  return -1;
}

/**
 * Reads the response header of `frame` (size prefix included); `headerVersion` comes from
 * `responseHeaderVersion(apiKey, apiVersion)` of the request it answers.
 */
export function readResponseHeader(frame: Buffer, headerVersion: number): ResponseHeader {
  const correlationId = readResponseCorrelationId(frame);
  if (headerVersion === 0) return { correlationId, headerVersion, bodyOffset: 8 };
  const r = new ByteReader(frame, 8);
  let unknownTaggedFields: RawTaggedField[] | undefined;
  try {
    const n = r.uvarint();
    for (let i = 0; i < n; i++) {
      const tag = r.uvarint();
      unknownTaggedFields = readRawTag(r, tag, r.uvarint(), unknownTaggedFields);
    }
  } catch (err) {
    throw asDecodeError(err, r.offset, { message: 'ResponseHeader' });
  }
  const header = { correlationId, headerVersion, bodyOffset: r.offset };
  return unknownTaggedFields === undefined ? header : { ...header, unknownTaggedFields };
}

export function sizeOfRequestHeader(headerVersion: number, clientId: string | null): number {
  if (headerVersion === 0) return 8;
  return 8 + sizeOfString(clientId) + (headerVersion >= 2 ? 1 : 0);
}

export function writeRequestHeader(
  w: ByteWriter,
  headerVersion: number,
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
): void {
  w.int16(apiKey);
  w.int16(apiVersion);
  w.int32(correlationId);
  if (headerVersion >= 1) w.nullableString(clientId);
  if (headerVersion >= 2) w.uvarint(0);
}

export function sizeOfResponseHeader(headerVersion: number, unknownTaggedFields?: readonly RawTaggedField[]): number {
  if (headerVersion === 0) return 4;
  return 4 + sizeOfUvarint(unknownTaggedFields?.length ?? 0) + sizeOfRawTags(unknownTaggedFields);
}

export function writeResponseHeader(
  w: ByteWriter,
  headerVersion: number,
  correlationId: number,
  unknownTaggedFields?: readonly RawTaggedField[],
): void {
  w.int32(correlationId);
  if (headerVersion >= 1) writeRawTags(w, unknownTaggedFields);
}
