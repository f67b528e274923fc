export type { DecodeErrorContext } from './errors.ts';
export { DecodeError, EncodeError } from './errors.ts';
export { ByteReader } from './reader.ts';
export type { Uuid } from './uuid.ts';
export { isUuid, uuidEquals, uuidFromBytes, uuidToBytes, uuidToString, ZERO_UUID } from './uuid.ts';
export {
  ByteWriter,
  sizeOfCompactBytes,
  sizeOfCompactString,
  sizeOfString,
  sizeOfUvarint,
  sizeOfVarint,
  sizeOfVarlong,
} from './writer.ts';
