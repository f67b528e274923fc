/**
 * A Kafka UUID in the textual form Kafka itself prints (`Uuid.toString()`): the 16 bytes in URL-safe
 * base64 without padding, 22 characters. A string compares with `===`, works as a Map key and is
 * what operators see in Kafka's tools and logs.
 */
export type Uuid = string;

export const ZERO_UUID: Uuid = 'AAAAAAAAAAAAAAAAAAAAAA';

const UUID_PATTERN = /^[A-Za-z0-9_-]{21}[AQgw]$/;

export function uuidEquals(a: Uuid, b: Uuid): boolean {
  return a === b;
}

export function uuidToString(u: Uuid): string {
  return u;
}

/** True when `s` is the canonical 22-character form of some 16 bytes. */
export function isUuid(s: string): boolean {
  return UUID_PATTERN.test(s);
}

export function uuidFromBytes(bytes: Uint8Array): Uuid {
  if (bytes.length !== 16) throw new RangeError(`a uuid has 16 bytes, got ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('base64url');
}

export function uuidToBytes(u: Uuid): Buffer {
  if (!isUuid(u)) throw new RangeError(`not a Kafka uuid string: ${JSON.stringify(u)}`);
  return Buffer.from(u, 'base64url');
}
