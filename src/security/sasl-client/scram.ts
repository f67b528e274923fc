// The client side of SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka speaks it: no
// channel binding, the password's UTF-8 bytes as Kafka's own clients use them, and the server's
// signature verified before the exchange counts as done.

import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

const HASHES: Readonly<Record<ScramMechanism, { readonly name: 'sha256' | 'sha512'; readonly bytes: number }>> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'sha512', bytes: 64 },
};

/** Kafka never stores fewer iterations; a server asking for fewer is not a Kafka broker to trust. */
const MIN_ITERATIONS = 4096;
/**
 * Kafka refuses to store more (AlterUserScramCredentials); a server asking for more would only
 * make the proxy burn CPU deriving keys.
 */
const MAX_ITERATIONS = 16384;

export class ScramError extends Error {
  override readonly name = 'ScramError';
}

/** One SCRAM exchange: client-first, then client-final from the server-first, then the server's proof. */
export class ScramClient {
  readonly #hash: { readonly name: 'sha256' | 'sha512'; readonly bytes: number };
  readonly #username: string;
  readonly #password: string;
  readonly #nonce: string;
  #clientFirstBare = '';
  #expectedServerSignature: Buffer | undefined;

  /** `nonce` only for tests (RFC test vectors); by default 24 random bytes. */
  constructor(mechanism: ScramMechanism, username: string, password: string, nonce?: string) {
    this.#hash = HASHES[mechanism];
    this.#username = username;
    this.#password = password;
    this.#nonce = nonce ?? randomBytes(24).toString('base64');
  }

  /** The client-first message: GS2 header without channel binding, user and nonce. */
  first(): Buffer {
    this.#clientFirstBare = `n=${saslName(this.#username)},r=${this.#nonce}`;
    return Buffer.from(`n,,${this.#clientFirstBare}`, 'utf8');
  }

  /** The client-final message (with the proof) answering the server-first message. */
  async final(serverFirstBytes: Buffer): Promise<Buffer> {
    const serverFirst = serverFirstBytes.toString('utf8');
    const attributes = parseAttributes(serverFirst);
    if (attributes.has('e')) throw new ScramError(`the server refused the exchange: ${attributes.get('e')}`);
    const nonce = attributes.get('r');
    const salt = attributes.get('s');
    const iterations = Number(attributes.get('i'));
    if (nonce === undefined || !nonce.startsWith(this.#nonce) || nonce.length === this.#nonce.length) {
      throw new ScramError('the server-first message does not extend the client nonce');
    }
    if (salt === undefined || salt.length === 0) throw new ScramError('the server-first message has no salt');
    if (!Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new ScramError(
        `the server asked for ${attributes.get('i')} iterations; between ${MIN_ITERATIONS} and ${MAX_ITERATIONS} are accepted`,
      );
    }
    const { name, bytes } = this.#hash;
    const saltedPassword = await pbkdf2Async(
      Buffer.from(this.#password, 'utf8'),
      Buffer.from(salt, 'base64'),
      iterations,
      bytes,
      name,
    );
    const clientKey = hmac(name, saltedPassword, 'Client Key');
    const storedKey = createHash(name).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = hmac(name, storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.#expectedServerSignature = hmac(name, hmac(name, saltedPassword, 'Server Key'), authMessage);
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** Checks the server-final message: the server proved it knows the credential too. */
  verify(serverFinalBytes: Buffer): void {
    const attributes = parseAttributes(serverFinalBytes.toString('utf8'));
    if (attributes.has('e')) throw new ScramError(`the server refused the exchange: ${attributes.get('e')}`);
    const signature = Buffer.from(attributes.get('v') ?? '', 'base64');
    const expected = this.#expectedServerSignature;
    if (expected === undefined || signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new ScramError('the server signature does not match: the broker did not prove it knows the credential');
    }
  }
}

function hmac(hash: string, key: Buffer, data: string): Buffer {
  return createHmac(hash, key).update(data, 'utf8').digest();
}

/** RFC 5802 §5.1: ',' and '=' in a user name are escaped. */
function saslName(name: string): string {
  return name.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

/** `a=value,b=value`: values may contain '='; the first '=' of each part separates. */
function parseAttributes(message: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of message.split(',')) {
    const at = part.indexOf('=');
    if (at === 1) attributes.set(part[0]!, part.slice(2));
  }
  return attributes;
}
