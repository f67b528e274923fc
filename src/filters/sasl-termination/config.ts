// SaslTermination's configuration: its JSON Schema and what initialize() builds from it (the
// credential store and the JWT verifier, shared by every session of the filter definition).

import { isAbsolute, resolve } from 'node:path';
import type { FilterFactoryContext } from '../../filter/index.ts';
import { PluginConfigurationError } from '../../plugins/errors.ts';
import type { JsonSchema } from '../../plugins/kinds.ts';
import { CredentialStore } from '../../security/credential-store.ts';
import { JwtVerifier } from '../../security/jwt-verifier.ts';
import { type Authenticators, SUPPORTED_MECHANISMS, type SupportedMechanism } from '../../security/sasl-exchanges.ts';

export interface SaslTerminationConfig {
  readonly mechanisms: readonly SupportedMechanism[];
  /** Path of the credential store (PLAIN and SCRAM), relative to the configuration file. */
  readonly credentials?: string;
  readonly oauthbearer?: {
    readonly jwks: string;
    readonly jwksCaFile?: string;
    readonly jwksRefreshMs?: number;
    readonly issuer?: string;
    readonly audience?: string;
    readonly clockSkewSeconds?: number;
    readonly principalClaim?: string;
    readonly groupsClaim?: string;
  };
  readonly failureDelayMs?: number;
  readonly sessionLifetimeMs?: number;
}

export const configSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['mechanisms'],
  properties: {
    mechanisms: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...SUPPORTED_MECHANISMS] } },
    credentials: { type: 'string', minLength: 1 },
    oauthbearer: {
      type: 'object',
      additionalProperties: false,
      required: ['jwks'],
      properties: {
        jwks: { type: 'string', minLength: 1 },
        jwksCaFile: { type: 'string', minLength: 1 },
        jwksRefreshMs: { type: 'integer', minimum: 10_000, default: 3_600_000 },
        issuer: { type: 'string', minLength: 1 },
        audience: { type: 'string', minLength: 1 },
        clockSkewSeconds: { type: 'integer', minimum: 0, maximum: 600, default: 30 },
        principalClaim: { type: 'string', minLength: 1, default: 'sub' },
        groupsClaim: { type: 'string', minLength: 1 },
      },
    },
    // Kafka's connection.failed.authentication.delay.ms defaults to 100 ms too.
    failureDelayMs: { type: 'integer', minimum: 0, maximum: 10_000, default: 100 },
    sessionLifetimeMs: { type: 'integer', minimum: 0, default: 0 },
  },
};

/** What every session of one SaslTermination definition shares. */
export interface TerminationSetup {
  readonly mechanisms: readonly SupportedMechanism[];
  readonly authenticators: Authenticators;
  readonly failureDelayMs: number;
  /** 0: no limit besides a token's expiry. */
  readonly sessionLifetimeMs: number;
  readonly successes: { inc(): void };
  readonly failures: { inc(): void };
}

export async function setUp(context: FilterFactoryContext, config: SaslTerminationConfig): Promise<TerminationSetup> {
  const needsStore = config.mechanisms.some((m) => m !== 'OAUTHBEARER');
  const needsJwt = config.mechanisms.includes('OAUTHBEARER');
  if (needsStore && config.credentials === undefined) {
    throw new PluginConfigurationError('PLAIN and SCRAM need a credential store: set credentials', '/credentials');
  }
  if (needsJwt && config.oauthbearer === undefined) {
    throw new PluginConfigurationError('OAUTHBEARER needs oauthbearer.jwks', '/oauthbearer');
  }
  const path = (file: string) => (isAbsolute(file) ? file : resolve(context.configurationDirectory, file));
  let store: CredentialStore | undefined;
  if (needsStore) {
    try {
      store = await CredentialStore.open(path(config.credentials!), context.logger);
    } catch (error) {
      throw new PluginConfigurationError((error as Error).message, '/credentials');
    }
  }
  let jwt: JwtVerifier | undefined;
  if (needsJwt) {
    const o = config.oauthbearer!;
    jwt = new JwtVerifier(
      {
        jwks: o.jwks.startsWith('https://') ? o.jwks : path(o.jwks),
        ...(o.jwksCaFile === undefined ? {} : { jwksCaFile: path(o.jwksCaFile) }),
        refreshMs: o.jwksRefreshMs ?? 3_600_000,
        ...(o.issuer === undefined ? {} : { issuer: o.issuer }),
        ...(o.audience === undefined ? {} : { audience: o.audience }),
        clockSkewSeconds: o.clockSkewSeconds ?? 30,
        principalClaim: o.principalClaim ?? 'sub',
        ...(o.groupsClaim === undefined ? {} : { groupsClaim: o.groupsClaim }),
      },
      context.logger,
    );
    try {
      await jwt.start();
    } catch (error) {
      store?.close();
      throw new PluginConfigurationError(`cannot load the JWKS: ${(error as Error).message}`, '/oauthbearer/jwks');
    }
  }
  return {
    mechanisms: config.mechanisms,
    authenticators: { store, jwt },
    failureDelayMs: config.failureDelayMs ?? 100,
    sessionLifetimeMs: config.sessionLifetimeMs ?? 0,
    successes: context.metrics.counter('authentication_successes_total', 'SASL authentications the proxy accepted.'),
    failures: context.metrics.counter('authentication_failures_total', 'SASL authentications the proxy refused.'),
  };
}

export function tearDown(setup: TerminationSetup): void {
  setup.authenticators.store?.close();
  setup.authenticators.jwt?.close();
}
