// SASL requests as raw frames and their decoded responses, for tests that check the exact error
// codes and messages a client receives; and JWTs signed with keys the test generates.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
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
