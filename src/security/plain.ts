// SASL/PLAIN (RFC 4616): the client's one message, and the hash a credential store keeps of a
// PLAIN password (scrypt with a salt of its own, so the store never holds a password).

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** The three fields of a PLAIN message: [authzid] NUL authcid NUL passwd. */
export interface PlainMessage {
  readonly authzid: string;
  readonly user: string;
  readonly password: string;
}

/** Parses a PLAIN message; a string with Kafka's wording when it has not exactly three fields. */
export function parsePlain(bytes: Buffer): PlainMessage | string {
  const fields = bytes.toString('utf8').split('\u0000');
  if (fields.length !== 3) return `Invalid SASL/PLAIN response: expected 3 tokens, got ${fields.length}`;
  return { authzid: fields[0]!, user: fields[1]!, password: fields[2]! };
}

/** The PLAIN password hash of a store entry. */
export interface PlainHash {
  readonly algorithm: 'scrypt';
  readonly salt: Buffer;
  /** scrypt cost parameters. */
  readonly n: number;
  readonly r: number;
  readonly p: number;
  readonly hash: Buffer;
}

const HASH_BYTES = 32;
export const DEFAULT_SCRYPT = { n: 16_384, r: 8, p: 1 } as const;

function scryptOf(password: string, salt: Buffer, params: { n: number; r: number; p: number }, bytes: number) {
  return new Promise<Buffer>((resolve, reject) => {
    // maxmem: scrypt needs 128·N·r bytes; allow the parameters a store may carry.
    scrypt(
      Buffer.from(password, 'utf8'),
      salt,
      bytes,
      { N: params.n, r: params.r, p: params.p, maxmem: 256 * params.n * params.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

export async function hashPlainPassword(
  password: string,
  params: { n: number; r: number; p: number } = DEFAULT_SCRYPT,
): Promise<PlainHash> {
  const salt = randomBytes(16);
  return { algorithm: 'scrypt', salt, ...params, hash: await scryptOf(password, salt, params, HASH_BYTES) };
}

/** Whether `password` matches `stored`, compared in constant time. */
export async function verifyPlainPassword(password: string, stored: PlainHash): Promise<boolean> {
  const candidate = await scryptOf(password, stored.salt, stored, stored.hash.length);
  return timingSafeEqual(candidate, stored.hash);
}
