// The server side of one SASL exchange per mechanism, as SaslTermination runs it: each client
// message (SASL_AUTHENTICATE auth bytes) gives a challenge, a success with the identity, or a
// failure worded as a Kafka broker words it (the client shows that text to its user).

import { randomBytes } from 'node:crypto';
import type { CredentialStore } from './credential-store.ts';
import type { JwtVerifier } from './jwt-verifier.ts';
import { parseOAuthBearerResponse } from './oauthbearer.ts';
import { hashPlainPassword, type PlainHash, parsePlain, verifyPlainPassword } from './plain.ts';
import { isScramMechanism, parseClientFirst, type ScramMechanism, ScramServerExchange } from './scram.ts';

export const SUPPORTED_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SupportedMechanism = (typeof SUPPORTED_MECHANISMS)[number];

/** Who authenticated. */
export interface Identity {
  readonly user: string;
  readonly groups: readonly string[];
  /** When the credential itself expires (a token's exp), milliseconds since the epoch. */
  readonly expiresAtMs?: number;
}

export type StepOutcome =
  | { readonly kind: 'challenge'; readonly bytes: Buffer }
  | { readonly kind: 'success'; readonly bytes: Buffer; readonly identity: Identity }
  /** `message` goes to the client; `reason` to the proxy's debug log (never a secret). */
  | { readonly kind: 'failure'; readonly message: string; readonly reason: string }
  /** RFC 7628 §3.2.2: an error sent as a challenge; the client's next message (%x01) ends in failure. */
  | { readonly kind: 'errorChallenge'; readonly bytes: Buffer; readonly message: string; readonly reason: string };

export interface Authenticators {
  readonly store: CredentialStore | undefined;
  readonly jwt: JwtVerifier | undefined;
}

/** One exchange: `step` takes each client message in turn. */
export interface SaslExchange {
  step(clientMessage: Buffer): Promise<StepOutcome>;
}

/** The message Kafka sends for a SaslException (invalid credentials, details withheld). */
function invalidCredentials(mechanism: string, reauthenticating: boolean): string {
  return `Authentication failed during ${reauthenticating ? 're-authentication' : 'authentication'} due to invalid credentials with SASL mechanism ${mechanism}`;
}

export function startExchange(
  mechanism: SupportedMechanism,
  authenticators: Authenticators,
  reauthenticating: boolean,
): SaslExchange {
  if (mechanism === 'PLAIN') return new PlainExchange(authenticators.store!);
  if (mechanism === 'OAUTHBEARER') return new OAuthBearerExchange(authenticators.jwt!);
  return new ScramExchange(mechanism, authenticators.store!, reauthenticating);
}

let decoy: Promise<PlainHash> | undefined;

/** A hash no password is known for, with the default cost, made once. */
function decoyHash(): Promise<PlainHash> {
  decoy ??= hashPlainPassword(randomBytes(32).toString('base64'));
  return decoy;
}

class PlainExchange implements SaslExchange {
  readonly #store: CredentialStore;

  constructor(store: CredentialStore) {
    this.#store = store;
  }

  async step(clientMessage: Buffer): Promise<StepOutcome> {
    const plain = parsePlain(clientMessage);
    if (typeof plain === 'string') return { kind: 'failure', message: plain, reason: 'malformed PLAIN message' };
    if (plain.user === '') {
      return { kind: 'failure', message: 'Authentication failed: username not specified', reason: 'no user name' };
    }
    if (plain.password === '') {
      return { kind: 'failure', message: 'Authentication failed: password not specified', reason: 'no password' };
    }
    if (plain.authzid !== '' && plain.authzid !== plain.user) {
      return {
        kind: 'failure',
        message: 'Authentication failed: Client requested an authorization id that is different from username',
        reason: 'authorization id differs from the user name',
      };
    }
    const user = this.#store.user(plain.user);
    const hash = user?.plain;
    // An unknown user costs the same hashing as a known one: timing must not tell them apart.
    const matches = await verifyPlainPassword(plain.password, hash ?? (await decoyHash()));
    if (hash === undefined || !matches) {
      return {
        kind: 'failure',
        message: 'Authentication failed: Invalid username or password',
        reason: user === undefined ? 'unknown user' : hash === undefined ? 'no PLAIN credential' : 'wrong password',
      };
    }
    return { kind: 'success', bytes: Buffer.alloc(0), identity: { user: user!.name, groups: user!.groups } };
  }
}

class ScramExchange implements SaslExchange {
  readonly #mechanism: ScramMechanism;
  readonly #store: CredentialStore;
  readonly #reauthenticating: boolean;
  #server: ScramServerExchange | undefined;
  #done = false;

  constructor(mechanism: ScramMechanism, store: CredentialStore, reauthenticating: boolean) {
    this.#mechanism = mechanism;
    this.#store = store;
    this.#reauthenticating = reauthenticating;
  }

  async step(clientMessage: Buffer): Promise<StepOutcome> {
    const fail = (reason: string): StepOutcome => ({
      kind: 'failure',
      message: invalidCredentials(this.#mechanism, this.#reauthenticating),
      reason,
    });
    if (this.#done) return fail('message after the exchange ended');
    if (this.#server === undefined) {
      let first: ReturnType<typeof parseClientFirst>;
      try {
        first = parseClientFirst(clientMessage);
      } catch (error) {
        return fail((error as Error).message);
      }
      if (first.authzid !== undefined && first.authzid !== first.user) {
        return {
          kind: 'failure',
          message: 'Authentication failed: Client requested an authorization id that is different from username',
          reason: 'authorization id differs from the user name',
        };
      }
      // Delegation tokens (Kafka's tokenauth extension) are the broker's; the proxy has none.
      if (first.extensions.get('tokenauth') === 'true') return fail('delegation token authentication is not supported');
      const credential = this.#store.user(first.user)?.scram.get(this.#mechanism);
      if (credential === undefined) return fail('unknown user or no credential for the mechanism');
      this.#server = new ScramServerExchange(this.#mechanism, first, credential);
      return { kind: 'challenge', bytes: this.#server.serverFirst() };
    }
    this.#done = true;
    let serverFinal: Buffer | undefined;
    try {
      serverFinal = this.#server.verifyClientFinal(clientMessage);
    } catch (error) {
      return fail((error as Error).message);
    }
    if (serverFinal === undefined) return fail('wrong proof');
    const user = this.#server.client.user;
    return { kind: 'success', bytes: serverFinal, identity: { user, groups: this.#store.user(user)?.groups ?? [] } };
  }
}

const INVALID_TOKEN = '{"status":"invalid_token"}';

class OAuthBearerExchange implements SaslExchange {
  readonly #jwt: JwtVerifier;
  #errorSent: string | undefined;

  constructor(jwt: JwtVerifier) {
    this.#jwt = jwt;
  }

  async step(clientMessage: Buffer): Promise<StepOutcome> {
    if (this.#errorSent !== undefined) {
      // The client's answer to our error challenge: %x01, then the exchange fails.
      return { kind: 'failure', message: this.#errorSent, reason: 'client acknowledged the error' };
    }
    const response = parseOAuthBearerResponse(clientMessage);
    if (typeof response === 'string') return { kind: 'failure', message: response, reason: 'malformed message' };
    const verdict = await this.#jwt.verify(response.token);
    if (!verdict.ok) {
      this.#errorSent = INVALID_TOKEN;
      return {
        kind: 'errorChallenge',
        bytes: Buffer.from(INVALID_TOKEN, 'utf8'),
        message: INVALID_TOKEN,
        reason: verdict.reason,
      };
    }
    if (response.authzid !== '' && response.authzid !== verdict.principal) {
      return {
        kind: 'failure',
        message: `Authentication failed: Client requested an authorization id (${response.authzid}) that is different from the token's principal name (${verdict.principal})`,
        reason: 'authorization id differs from the principal',
      };
    }
    return {
      kind: 'success',
      bytes: Buffer.alloc(0),
      identity: { user: verdict.principal, groups: verdict.groups, expiresAtMs: verdict.expiresAtMs },
    };
  }
}

export function isSupportedMechanism(mechanism: string): mechanism is SupportedMechanism {
  return mechanism === 'PLAIN' || mechanism === 'OAUTHBEARER' || isScramMechanism(mechanism);
}
