// Verification of the JWTs OAUTHBEARER clients present to SaslTermination: signature against a
// JWKS (a file or an HTTPS URL, cached, refreshed on a period and when an unknown key id shows
// up), then expiry, not-before, issuer and audience with a clock skew.

import { createPublicKey, constants as cryptoConstants, type KeyObject, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from '../observability/logger.ts';
import { decodeJwt, stringClaim, stringsClaim } from './oauthbearer.ts';

export interface JwtVerifierOptions {
  /** A JWKS file path (absolute) or an https:// URL. */
  readonly jwks: string;
  /** PEM CA file trusted for an https JWKS, besides the system's. */
  readonly jwksCaFile?: string;
  readonly refreshMs: number;
  readonly issuer?: string;
  readonly audience?: string;
  readonly clockSkewSeconds: number;
  readonly principalClaim: string;
  readonly groupsClaim?: string;
}

export type JwtVerdict =
  | {
      readonly ok: true;
      readonly principal: string;
      readonly groups: readonly string[];
      /** The token's expiry, milliseconds since the epoch. */
      readonly expiresAtMs: number;
    }
  /** `reason` is for the proxy's own debug log: it names what failed, never the token. */
  | { readonly ok: false; readonly reason: string };

/** Algorithms accepted; `none` and HMAC ones never are (a JWKS holds public keys). */
const ALGORITHMS: Record<string, { hash: string; ec?: true; pss?: true }> = {
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  PS256: { hash: 'sha256', pss: true },
  PS384: { hash: 'sha384', pss: true },
  PS512: { hash: 'sha512', pss: true },
  ES256: { hash: 'sha256', ec: true },
  ES384: { hash: 'sha384', ec: true },
  ES512: { hash: 'sha512', ec: true },
};

/** An unknown key id refreshes the JWKS at most this often (a flood of made-up ids costs nothing). */
const UNKNOWN_KID_REFRESH_MS = 10_000;
const JWKS_MAX_BYTES = 1024 * 1024;
const JWKS_TIMEOUT_MS = 10_000;

interface KeySet {
  readonly byKid: ReadonlyMap<string, KeyObject>;
  readonly all: readonly KeyObject[];
}

export class JwtVerifier {
  readonly #options: JwtVerifierOptions;
  readonly #logger: Logger;
  #keys: KeySet = { byKid: new Map(), all: [] };
  #loadedAt = 0;
  #loading: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: JwtVerifierOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
  }

  /** Loads the JWKS (rejects with a clear reason when it cannot), then refreshes it periodically. */
  async start(): Promise<void> {
    this.#keys = await this.#fetchKeys();
    this.#loadedAt = Date.now();
    this.#timer = setInterval(() => void this.#refresh(), this.#options.refreshMs);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  async verify(token: string, nowMs: number = Date.now()): Promise<JwtVerdict> {
    const jwt = decodeJwt(token);
    if (jwt === undefined) return { ok: false, reason: 'not a compact JWS' };
    const alg = jwt.header.alg;
    const algorithm = typeof alg === 'string' ? ALGORITHMS[alg] : undefined;
    if (algorithm === undefined) return { ok: false, reason: `algorithm ${String(alg).slice(0, 16)} not accepted` };
    const kid = typeof jwt.header.kid === 'string' ? jwt.header.kid : undefined;
    let key = this.#keyFor(kid);
    if (key === undefined && kid !== undefined && nowMs - this.#loadedAt >= UNKNOWN_KID_REFRESH_MS) {
      await this.#refresh();
      key = this.#keyFor(kid);
    }
    if (key === undefined) return { ok: false, reason: 'no JWKS key for the token' };
    let valid: boolean;
    try {
      valid = verify(
        algorithm.hash,
        Buffer.from(jwt.signingInput, 'ascii'),
        algorithm.ec
          ? { key, dsaEncoding: 'ieee-p1363' }
          : algorithm.pss
            ? {
                key,
                padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
                saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
              }
            : key,
        jwt.signature,
      );
    } catch {
      valid = false;
    }
    if (!valid) return { ok: false, reason: 'bad signature' };
    const { claims } = jwt;
    const skewMs = this.#options.clockSkewSeconds * 1000;
    const exp = claims.exp;
    if (typeof exp !== 'number') return { ok: false, reason: 'no exp claim' };
    if (exp * 1000 + skewMs <= nowMs) return { ok: false, reason: 'expired' };
    const nbf = claims.nbf;
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf * 1000 - skewMs > nowMs)) {
      return { ok: false, reason: 'not valid yet' };
    }
    const { issuer, audience } = this.#options;
    if (issuer !== undefined && claims.iss !== issuer) return { ok: false, reason: 'wrong issuer' };
    if (audience !== undefined && !stringsClaim(claims, 'aud').includes(audience)) {
      return { ok: false, reason: 'wrong audience' };
    }
    const principal = stringClaim(claims, this.#options.principalClaim);
    if (principal === undefined) return { ok: false, reason: `no ${this.#options.principalClaim} claim` };
    const groups = this.#options.groupsClaim === undefined ? [] : stringsClaim(claims, this.#options.groupsClaim);
    return { ok: true, principal, groups, expiresAtMs: exp * 1000 };
  }

  #keyFor(kid: string | undefined): KeyObject | undefined {
    if (kid !== undefined) return this.#keys.byKid.get(kid);
    // A token without a key id fits a JWKS of one key only.
    return this.#keys.all.length === 1 ? this.#keys.all[0] : undefined;
  }

  /** One refresh at a time; a failure keeps the keys in use and is logged. */
  #refresh(): Promise<void> {
    this.#loading ??= this.#fetchKeys()
      .then(
        (keys) => {
          this.#keys = keys;
        },
        (error: Error) => {
          this.#logger.warn('JWKS refresh failed; the keys loaded before stay in use', { error: error.message });
        },
      )
      .finally(() => {
        this.#loadedAt = Date.now();
        this.#loading = undefined;
      });
    return this.#loading;
  }

  async #fetchKeys(): Promise<KeySet> {
    const source = this.#options.jwks;
    const text = source.startsWith('https://') ? await this.#download(source) : await readFile(source, 'utf8');
    return keySetOf(text, source);
  }

  async #download(url: string): Promise<string> {
    const ca = this.#options.jwksCaFile === undefined ? undefined : await readFile(this.#options.jwksCaFile, 'utf8');
    return new Promise((resolve, reject) => {
      // `node:https` (and with it `node:tls`) loads only when a key set is fetched: see config/lazy-tls.ts.
      const request = process
        .getBuiltinModule('node:https')
        .get(url, { timeout: JWKS_TIMEOUT_MS, ...(ca === undefined ? {} : { ca }) }, (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            reject(new Error(`JWKS ${url} answered HTTP ${response.statusCode}`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > JWKS_MAX_BYTES) {
              request.destroy(new Error(`JWKS ${url} is larger than ${JWKS_MAX_BYTES} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          response.on('error', reject);
        });
      request.on('timeout', () =>
        request.destroy(new Error(`JWKS ${url} did not answer within ${JWKS_TIMEOUT_MS} ms`)),
      );
      request.on('error', reject);
    });
  }
}

/** The public keys of a JWKS document; keys of other uses or unknown types are skipped. */
export function keySetOf(text: string, source: string): KeySet {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error(`JWKS ${source} is not valid JSON`);
  }
  const keys = (document as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new Error(`JWKS ${source} has no "keys" array`);
  const byKid = new Map<string, KeyObject>();
  const all: KeyObject[] = [];
  for (const jwk of keys as Record<string, unknown>[]) {
    if (typeof jwk !== 'object' || jwk === null || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') continue;
    // Only the public members: a JWKS that carries private ones must not make us hold them.
    const { kty, n, e, crv, x, y } = jwk;
    const publicPart = kty === 'RSA' ? { kty, n, e } : { kty, crv, x, y };
    let key: KeyObject;
    try {
      key = createPublicKey({ key: publicPart as never, format: 'jwk' });
    } catch {
      continue;
    }
    all.push(key);
    if (typeof jwk.kid === 'string') byKid.set(jwk.kid, key);
  }
  if (all.length === 0) throw new Error(`JWKS ${source} holds no usable RSA or EC signing key`);
  return { byKid, all };
}
