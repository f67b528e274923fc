// OAUTHBEARER for the proxy's own upstream connections (RFC 7628 as Kafka uses it): the client's
// one message carrying a bearer token, and where the token comes from: a file kept fresh by
// something else (a Kubernetes projected token, a sidecar), or an OAuth 2 token endpoint with the
// client-credentials grant (RFC 6749 §4.4), cached until shortly before it expires.

import { readSecret, type SecretSource } from './secrets.ts';

/** The client's initial response: GS2 header, then `auth=Bearer <token>` between ^A separators. */
export function oauthBearerMessage(token: string): Buffer {
  return Buffer.from(`n,,\u0001auth=Bearer ${token}\u0001\u0001`, 'utf8');
}

/** The OAUTHBEARER client's answer to an error challenge: a lone separator, after which the server fails the exchange. */
export const OAUTHBEARER_ERROR_ACK = Buffer.from('\u0001', 'utf8');

export interface TokenSource {
  /** A token valid now; rejects with a reason that names no secret. */
  token(): Promise<string>;
}

/** A token read from a file at each use. */
export class FileTokens implements TokenSource {
  readonly #source: SecretSource;
  constructor(path: string) {
    this.#source = { kind: 'file', path };
  }
  token(): Promise<string> {
    return readSecret(this.#source);
  }
}

export interface ClientCredentialsOptions {
  readonly endpoint: URL;
  readonly clientId: string;
  readonly clientSecret: SecretSource;
  readonly scope?: string;
  /** How long the token endpoint may take. */
  readonly timeoutMs?: number;
  /** Tests only. */
  readonly now?: () => number;
}

/** Without `expires_in` or a JWT `exp`, a token is reused this long. */
const DEFAULT_LIFETIME_MS = 60_000;
/** A token is replaced once this share of its lifetime has passed… */
const REFRESH_AT = 0.8;
/** …or when less than this is left, whichever comes first. */
const MIN_REMAINING_MS = 5_000;

/**
 * Tokens from a token endpoint (client-credentials grant), shared by every connection of the
 * route: fetched once, reused until 80% of their lifetime has passed, fetched again by the first
 * connection that needs one after that (one request at a time, whoever asks meanwhile waits for
 * it). A broker session authenticated with a token lasts at most as long as the token, and is
 * renewed (KIP-368) before it ends, by which time a fresh token is here.
 */
export class ClientCredentialsTokens implements TokenSource {
  readonly #options: ClientCredentialsOptions;
  readonly #now: () => number;
  #cached: { readonly token: string; readonly refreshAt: number; readonly expiresAt: number } | undefined;
  #fetching: Promise<string> | undefined;

  constructor(options: ClientCredentialsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  token(): Promise<string> {
    const cached = this.#cached;
    if (cached !== undefined && this.#now() < cached.refreshAt) return Promise.resolve(cached.token);
    this.#fetching ??= this.#fetch().finally(() => {
      this.#fetching = undefined;
    });
    return this.#fetching;
  }

  async #fetch(): Promise<string> {
    const { endpoint, clientId, scope } = this.#options;
    const secret = await readSecret(this.#options.clientSecret);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope !== undefined) form.set('scope', scope);
    // RFC 6749 §2.3.1: the client's id and secret form-encoded, then as HTTP Basic credentials.
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
    const started = this.#now();
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new Error(
        `the token endpoint ${endpoint.origin}${endpoint.pathname} did not answer: ${(error as Error).message}`,
      );
    }
    let body: Record<string, unknown>;
    try {
      body = (await response.json()) as Record<string, unknown>;
    } catch {
      throw new Error(
        `the token endpoint ${endpoint.origin}${endpoint.pathname} answered ${response.status} without JSON`,
      );
    }
    if (!response.ok || typeof body.access_token !== 'string' || body.access_token.length === 0) {
      // The error fields of RFC 6749 §5.2 name the problem; the body is not echoed whole.
      const reason = typeof body.error === 'string' ? `: ${body.error}` : '';
      throw new Error(
        `the token endpoint ${endpoint.origin}${endpoint.pathname} answered ${response.status} without a token${reason}`,
      );
    }
    const token = body.access_token;
    const lifetime = lifetimeMs(body.expires_in, token, started);
    const expiresAt = started + lifetime;
    const refreshAt = Math.min(started + lifetime * REFRESH_AT, expiresAt - MIN_REMAINING_MS);
    this.#cached = { token, refreshAt, expiresAt };
    return token;
  }
}

/** From `expires_in` (seconds), else from the JWT's `exp`, else the default. */
function lifetimeMs(expiresIn: unknown, token: string, now: number): number {
  if (typeof expiresIn === 'number' && expiresIn > 0) return expiresIn * 1000;
  const exp = jwtExpiry(token);
  if (exp !== undefined && exp * 1000 > now) return exp * 1000 - now;
  return DEFAULT_LIFETIME_MS;
}

/** The `exp` claim of a JWT, read without verifying anything (only to know when to refresh). */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}
