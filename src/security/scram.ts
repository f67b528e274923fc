// SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677) as Kafka speaks them: the salted
// credential a store keeps, the user name of a client-first message (what an inspector needs),
// and the server side of one exchange (what a terminator runs).

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** Kafka refuses SCRAM credentials with fewer iterations (ScramMechanism.minIterations). */
export const MIN_SCRAM_ITERATIONS = 4096;

const HASH: Record<ScramMechanism, { readonly name: 'sha256' | 'sha512'; readonly bytes: number }> = {
  'SCRAM-SHA-256': { name: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { name: 'sha512', bytes: 64 },
};

export function isScramMechanism(mechanism: string): mechanism is ScramMechanism {
  return mechanism === 'SCRAM-SHA-256' || mechanism === 'SCRAM-SHA-512';
}

/** What the server keeps of a password (RFC 5802 §3): never the password itself. */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

/** Derives the stored credential of `password` (UTF-8, unnormalized, as Kafka clients hash it). */
export function scramCredential(
  mechanism: ScramMechanism,
  password: string,
  iterations: number,
  salt: Buffer = randomBytes(32),
): ScramCredential {
  const hash = HASH[mechanism];
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, hash.bytes, hash.name);
  const clientKey = hmac(hash.name, salted, 'Client Key');
  return {
    salt,
    iterations,
    storedKey: createHash(hash.name).update(clientKey).digest(),
    serverKey: hmac(hash.name, salted, 'Server Key'),
  };
}

/** A SCRAM message that does not follow RFC 5802 (the client is faulty, not merely wrong). */
export class ScramFormatError extends Error {
  override readonly name = 'ScramFormatError';
}

/** The parts of a client-first message (RFC 5802 §7) a server needs. */
export interface ClientFirst {
  /** The user name, with =2C and =3D decoded. */
  readonly user: string;
  /** The authorization id of the GS2 header, or undefined when absent. */
  readonly authzid: string | undefined;
  readonly nonce: string;
  /** The GS2 header ("n,," or "n,a=…,"): the client-final message must echo it in `c=`. */
  readonly gs2Header: string;
  /** The message without the GS2 header: part of the AuthMessage. */
  readonly bare: string;
  /** Attribute extensions after the nonce (Kafka's `tokenauth=true` is one). */
  readonly extensions: ReadonlyMap<string, string>;
}

/** Parses a client-first message; throws ScramFormatError when it is not one. */
export function parseClientFirst(bytes: Buffer): ClientFirst {
  const text = bytes.toString('utf8');
  // gs2-cbind-flag "," [authzid] "," client-first-message-bare
  const first = text.indexOf(',');
  const second = first < 0 ? -1 : text.indexOf(',', first + 1);
  if (second < 0) throw new ScramFormatError('client-first message without a GS2 header');
  const flag = text.slice(0, first);
  // Kafka supports no channel binding: 'y' and 'p' are refused like anything unknown.
  if (flag !== 'n') throw new ScramFormatError(`unsupported GS2 channel binding flag '${flag.slice(0, 8)}'`);
  const authzPart = text.slice(first + 1, second);
  let authzid: string | undefined;
  if (authzPart !== '') {
    if (!authzPart.startsWith('a=')) throw new ScramFormatError('malformed authorization id in the GS2 header');
    authzid = decodeSaslName(authzPart.slice(2));
  }
  const gs2Header = text.slice(0, second + 1);
  const bare = text.slice(second + 1);
  const attributes = bare.split(',');
  if (attributes[0]?.startsWith('m=')) throw new ScramFormatError('mandatory SCRAM extensions are not supported');
  if (!attributes[0]?.startsWith('n=') || !attributes[1]?.startsWith('r=')) {
    throw new ScramFormatError('client-first message needs n= and r= attributes');
  }
  const user = decodeSaslName(attributes[0].slice(2));
  const nonce = attributes[1].slice(2);
  if (user === '' || nonce === '' || !isPrintable(nonce)) throw new ScramFormatError('empty user name or bad nonce');
  const extensions = new Map<string, string>();
  for (const attribute of attributes.slice(2)) {
    const equals = attribute.indexOf('=');
    if (equals <= 0) throw new ScramFormatError('malformed extension in the client-first message');
    extensions.set(attribute.slice(0, equals), attribute.slice(equals + 1));
  }
  return { user, authzid, nonce, gs2Header, bare, extensions };
}

/** A saslname of RFC 5802 §5.1: ',' and '=' travel as =2C and =3D; any other '=' is an error. */
export function decodeSaslName(value: string): string {
  return value.replace(/=(2C|3D|.{0,2})/g, (_match, code: string) => {
    if (code === '2C') return ',';
    if (code === '3D') return '=';
    throw new ScramFormatError('bad escape in a SCRAM user name');
  });
}

function isPrintable(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x2c) return false;
  }
  return true;
}

/** The server side of one SCRAM exchange: two client messages, two server messages. */
export class ScramServerExchange {
  readonly mechanism: ScramMechanism;
  readonly client: ClientFirst;
  readonly #credential: ScramCredential;
  readonly #serverFirst: string;
  readonly #nonce: string;

  constructor(mechanism: ScramMechanism, client: ClientFirst, credential: ScramCredential) {
    this.mechanism = mechanism;
    this.client = client;
    this.#credential = credential;
    this.#nonce = client.nonce + randomBytes(24).toString('base64url');
    this.#serverFirst = `r=${this.#nonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
  }

  /** The server-first message. */
  serverFirst(): Buffer {
    return Buffer.from(this.#serverFirst, 'utf8');
  }

  /**
   * Checks the client-final message. Returns the server-final message when the proof is right,
   * undefined when it is wrong; throws ScramFormatError when the message is malformed.
   */
  verifyClientFinal(bytes: Buffer): Buffer | undefined {
    const text = bytes.toString('utf8');
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) throw new ScramFormatError('client-final message without a proof');
    const withoutProof = text.slice(0, proofAt);
    const attributes = withoutProof.split(',');
    const binding = attributes[0];
    const nonce = attributes[1];
    if (!binding?.startsWith('c=') || !nonce?.startsWith('r=')) {
      throw new ScramFormatError('client-final message needs c= and r= attributes');
    }
    if (Buffer.from(binding.slice(2), 'base64').toString('utf8') !== this.client.gs2Header) return undefined;
    if (nonce.slice(2) !== this.#nonce) return undefined;
    const hash = HASH[this.mechanism];
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
    if (proof.length !== hash.bytes) return undefined;
    const authMessage = `${this.client.bare},${this.#serverFirst},${withoutProof}`;
    const clientSignature = hmac(hash.name, this.#credential.storedKey, authMessage);
    const clientKey = Buffer.alloc(hash.bytes);
    for (let i = 0; i < hash.bytes; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const storedKey = createHash(hash.name).update(clientKey).digest();
    if (!timingSafeEqual(storedKey, this.#credential.storedKey)) return undefined;
    const serverSignature = hmac(hash.name, this.#credential.serverKey, authMessage);
    return Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8');
  }
}

function hmac(hash: string, key: Buffer, text: string): Buffer {
  return createHmac(hash, key).update(text, 'utf8').digest();
}
