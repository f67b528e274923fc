// SASL requests as raw frames and their decoded responses, for tests that check the exact error
// codes and messages a client receives; and JWTs signed with keys the test generates.
import {
  createHash,
  createHmac,
  generateKeyPairSync,
  type KeyObject,
  pbkdf2Sync,
  randomBytes,
  sign,
} from 'node:crypto';
import {
  ApiKey,
  decodeResponseBody,
  encodeRequest,
  readResponseHeader,
  responseHeaderVersion,
  type SaslAuthenticateResponse,
  type SaslHandshakeResponse,
} from '../../../src/protocol/index.ts';

export const HANDSHAKE_VERSION = 1;
export const AUTHENTICATE_VERSION = 2;

export function handshakeFrame(correlationId: number, mechanism: string, version = HANDSHAKE_VERSION): Buffer {
  return encodeRequest(ApiKey.SASL_HANDSHAKE, version, correlationId, 'raw', { mechanism });
}

export function authenticateFrame(correlationId: number, authBytes: Buffer): Buffer {
  return encodeRequest(ApiKey.SASL_AUTHENTICATE, AUTHENTICATE_VERSION, correlationId, 'raw', { authBytes });
}

function body<T>(apiKey: number, version: number, frame: Buffer): T {
  const header = readResponseHeader(frame, responseHeaderVersion(apiKey, version));
  return decodeResponseBody(apiKey, version, frame, header.bodyOffset) as T;
}

export function handshakeResponse(frame: Buffer, version = HANDSHAKE_VERSION): SaslHandshakeResponse {
  return body(ApiKey.SASL_HANDSHAKE, version, frame);
}

export function authenticateResponse(frame: Buffer): SaslAuthenticateResponse {
  return body(ApiKey.SASL_AUTHENTICATE, AUTHENTICATE_VERSION, frame);
}

export function plainMessage(user: string, password: string, authzid = ''): Buffer {
  return Buffer.from(`${authzid}\u0000${user}\u0000${password}`, 'utf8');
}

export function oauthMessage(token: string): Buffer {
  return Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`, 'utf8');
}

/** A signing key and the JWKS that publishes its public half. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

export function signingKey(kid: string, alg: 'RS256' | 'ES256'): SigningKey {
  const { privateKey, publicKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

export function jwksOf(keys: readonly SigningKey[]): string {
  return JSON.stringify({ keys: keys.map((k) => k.jwk) });
}

/** A signed JWT; times in seconds since the epoch. */
export function jwt(key: SigningKey, claims: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ alg: key.alg, typ: 'JWT', kid: key.kid })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const input = Buffer.from(`${header}.${payload}`);
  const signature =
    key.alg === 'RS256'
      ? sign('sha256', input, key.privateKey)
      : sign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${signature.toString('base64url')}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** The client side of SCRAM (RFC 5802) for raw exchanges: its messages and the proof it sent. */
export class ScramClient {
  readonly #hash: 'sha256' | 'sha512';
  readonly #user: string;
  readonly #password: string;
  readonly #nonce = randomBytes(18).toString('base64url');
  #authMessage = '';
  #saltedPassword = Buffer.alloc(0);
  /** The base64 proof of the client-final message: a secret that must never be logged. */
  proof = '';

  constructor(mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', user: string, password: string) {
    this.#hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
    this.#user = user;
    this.#password = password;
  }

  first(): Buffer {
    return Buffer.from(`n,,n=${this.#user.replaceAll('=', '=3D').replaceAll(',', '=2C')},r=${this.#nonce}`);
  }

  final(serverFirst: Buffer): Buffer {
    const text = serverFirst.toString();
    const fields = Object.fromEntries(text.split(',').map((f) => [f[0], f.slice(2)]));
    const bytes = this.#hash === 'sha256' ? 32 : 64;
    this.#saltedPassword = pbkdf2Sync(
      this.#password,
      Buffer.from(fields.s!, 'base64'),
      Number(fields.i),
      bytes,
      this.#hash,
    );
    const clientKey = createHmac(this.#hash, this.#saltedPassword).update('Client Key').digest();
    const storedKey = createHash(this.#hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${fields.r}`;
    this.#authMessage = `${this.first().toString().slice(3)},${text},${withoutProof}`;
    const signature = createHmac(this.#hash, storedKey).update(this.#authMessage).digest();
    this.proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!)).toString('base64');
    return Buffer.from(`${withoutProof},p=${this.proof}`);
  }

  /** The server signature the server-final message must carry. */
  expectedServerFinal(): string {
    const serverKey = createHmac(this.#hash, this.#saltedPassword).update('Server Key').digest();
    return `v=${createHmac(this.#hash, serverKey).update(this.#authMessage).digest('base64')}`;
  }
}
