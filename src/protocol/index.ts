// The protocol layer's public surface: headers, whole-frame conveniences, the generated codecs and
// tables, schemas for generic rewriters, and the byte reader/writer.
export type { RawTaggedField } from './codec-runtime.ts';
export { isDefaultStruct } from './codec-runtime.ts';
export { decodeRequestBody, decodeResponseBody, encodeRequest, encodeResponse } from './frames-api.ts';
export * from './generated/index.ts';
export type { RequestHeader, ResponseHeader } from './headers.ts';
export {
  REQUEST_CORRELATION_ID_OFFSET,
  RESPONSE_CORRELATION_ID_OFFSET,
  readRequestHeader,
  readResponseCorrelationId,
  readResponseHeader,
  requestBodyOffset,
  responseBodyOffset,
  sizeOfRequestHeader,
  sizeOfResponseHeader,
  writeCorrelationId,
  writeRequestHeader,
  writeResponseCorrelationId,
  writeResponseHeader,
} from './headers.ts';
export type { ApiCodecs, MessageCodec } from './message-codec.ts';
export type { FieldLocation, FieldSchema, MessageSchema, PrimitiveType, StructSchema, Versions } from './schema.ts';
export { findBrokerIdFields, findFields, versionIn } from './schema.ts';
export * from './wire/index.ts';
