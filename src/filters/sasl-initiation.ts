// SaslInitiation (saslRole: initiate): a route filter that authenticates the proxy to the route's
// cluster on every upstream connection the route opens, before any request of the client is
// written to it, and again before the broker's session lifetime ends (KIP-368). The client's
// identity is not involved (routing.md §6.13): clients authenticate, if at all, on the virtual
// cluster's chain (SaslTermination), and their own SASL requests never reach this route's broker.
// Written against the public Filter API.

import { isAbsolute, resolve } from 'node:path';
import type {
  Filter,
  FilterContext,
  FilterFactory,
  RequestHeader,
  SaslHandshakeResponse,
  UpstreamConnectionContext,
} from '../filter/index.ts';
import { FilterResults, KafkaError } from '../filter/index.ts';
import { PluginConfigurationError } from '../plugins/errors.ts';
import { ApiKey } from '../protocol/generated/api-keys.ts';
import { ErrorCode } from '../protocol/generated/error-codes.ts';
import { authenticateUpstream, type InitiationCredentials } from '../security/sasl-client/authenticator.ts';
import { renewalDelay } from '../security/sasl-client/exchange.ts';
import { ClientCredentialsTokens, FileTokens } from '../security/sasl-client/oauthbearer.ts';
import { checkSecret, type SecretSource } from '../security/sasl-client/secrets.ts';

export interface SaslInitiationConfig {
  readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';
  /** PLAIN and SCRAM: the user, and where its password is (one of the two). */
  readonly username?: string;
  readonly passwordFile?: string;
  readonly passwordEnv?: string;
  /** PLAIN only: act as this user (the broker must allow it); default none. */
  readonly authorizationId?: string;
  /** OAUTHBEARER: a file holding the token, read at each authentication… */
  readonly tokenFile?: string;
  /** …or a token endpoint (client-credentials grant) with the client's id and secret. */
  readonly tokenEndpoint?: string;
  readonly clientId?: string;
  readonly clientSecretFile?: string;
  readonly clientSecretEnv?: string;
  readonly scope?: string;
}

interface InitData {
  readonly credentials: InitiationCredentials;
  /** Whether a refused client SASL request was logged at warn already (then debug: clients choose how often). */
  refusalLogged?: boolean;
}

const CLIENT_SASL_REFUSED =
  'this route authenticates the proxy to the cluster itself (SaslInitiation); clients authenticate to the proxy with SaslTermination on the virtual cluster, not through to this cluster';

class SaslInitiationFilter implements Filter {
  readonly interests = [ApiKey.SASL_HANDSHAKE, ApiKey.SASL_AUTHENTICATE];
  readonly #init: InitData;
  #warned = false;

  constructor(init: InitData) {
    this.#init = init;
  }

  async onUpstreamConnection(connection: UpstreamConnectionContext, context: FilterContext) {
    const { credentials } = this.#init;
    const lifetimeMs = await authenticateUpstream(connection, credentials);
    context.logger.debug('authenticated to the broker', {
      broker: connection.broker,
      mechanism: credentials.mechanism,
      renewal: connection.renewal,
      sessionLifetimeMs: lifetimeMs,
    });
    return renewalDelay(lifetimeMs);
  }

  /**
   * A client trying to authenticate through: refused, since the broker's connection is already
   * the proxy's. A client's handshake gets no mechanism at all, which clients report clearly
   * ("mechanism not enabled in the server, enabled mechanisms are []").
   */
  onSaslHandshakeRequest(_header: RequestHeader, _request: unknown, context: FilterContext) {
    this.#warnOnce(context);
    const response: SaslHandshakeResponse = { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [] };
    return FilterResults.respond(response);
  }

  onSaslAuthenticateRequest(_header: RequestHeader, _request: unknown, context: FilterContext) {
    this.#warnOnce(context);
    return FilterResults.respondWithError(new KafkaError(ErrorCode.ILLEGAL_SASL_STATE, CLIENT_SASL_REFUSED));
  }

  /**
   * Once per connection; at warn only the first time for this filter definition, since a client
   * that has not authenticated decides how often this happens.
   */
  #warnOnce(context: FilterContext): void {
    if (this.#warned) return;
    this.#warned = true;
    const message = `refused a client's SASL request: ${CLIENT_SASL_REFUSED}`;
    if (this.#init.refusalLogged) {
      context.logger.debug(message);
      return;
    }
    this.#init.refusalLogged = true;
    context.logger.warn(`${message} (further refusals are logged at debug level)`);
  }
}

const SECRET_SOURCE = { type: 'string', minLength: 1 } as const;

export const SaslInitiation: FilterFactory<SaslInitiationConfig, InitData> = {
  saslRole: 'initiate',
  configSchema: {
    type: 'object',
    required: ['mechanism'],
    additionalProperties: false,
    properties: {
      mechanism: { enum: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] },
      username: { type: 'string', minLength: 1 },
      passwordFile: SECRET_SOURCE,
      passwordEnv: SECRET_SOURCE,
      authorizationId: { type: 'string' },
      tokenFile: SECRET_SOURCE,
      tokenEndpoint: { type: 'string', minLength: 1 },
      clientId: { type: 'string', minLength: 1 },
      clientSecretFile: SECRET_SOURCE,
      clientSecretEnv: SECRET_SOURCE,
      scope: { type: 'string' },
    },
  },
  initialize(context, config) {
    const path = (file: string): string => (isAbsolute(file) ? file : resolve(context.configurationDirectory, file));
    const only = (keys: readonly (keyof SaslInitiationConfig)[], what: string): void => {
      for (const key of Object.keys(config) as (keyof SaslInitiationConfig)[]) {
        if (key !== 'mechanism' && !keys.includes(key)) {
          throw new PluginConfigurationError(`'${key}' does not apply to ${what}`, `/${key}`);
        }
      }
    };
    /** Exactly one of a file or an environment variable, checked now so that a typo fails the start. */
    const secret = (
      fileKey: 'passwordFile' | 'clientSecretFile',
      envKey: 'passwordEnv' | 'clientSecretEnv',
    ): SecretSource => {
      const file = config[fileKey];
      const env = config[envKey];
      if ((file === undefined) === (env === undefined)) {
        throw new PluginConfigurationError(`exactly one of '${fileKey}' or '${envKey}' is required`);
      }
      const source: SecretSource =
        file !== undefined ? { kind: 'file', path: path(file) } : { kind: 'env', name: env! };
      try {
        checkSecret(source);
      } catch (error) {
        throw new PluginConfigurationError((error as Error).message, `/${file !== undefined ? fileKey : envKey}`);
      }
      return source;
    };
    const { mechanism } = config;
    if (mechanism !== 'OAUTHBEARER') {
      only(
        ['username', 'passwordFile', 'passwordEnv', ...(mechanism === 'PLAIN' ? (['authorizationId'] as const) : [])],
        mechanism,
      );
      if (config.username === undefined) throw new PluginConfigurationError(`'username' is required for ${mechanism}`);
      const password = secret('passwordFile', 'passwordEnv');
      const credentials: InitiationCredentials =
        mechanism === 'PLAIN'
          ? { mechanism, username: config.username, password, authorizationId: config.authorizationId }
          : { mechanism, username: config.username, password };
      return { credentials };
    }
    if (config.tokenFile !== undefined) {
      only(['tokenFile'], 'OAUTHBEARER with a token file');
      const tokenFile = path(config.tokenFile);
      try {
        checkSecret({ kind: 'file', path: tokenFile });
      } catch (error) {
        throw new PluginConfigurationError((error as Error).message, '/tokenFile');
      }
      return { credentials: { mechanism, tokens: new FileTokens(tokenFile) } };
    }
    only(
      ['tokenEndpoint', 'clientId', 'clientSecretFile', 'clientSecretEnv', 'scope'],
      'OAUTHBEARER with a token endpoint',
    );
    if (config.tokenEndpoint === undefined || config.clientId === undefined) {
      throw new PluginConfigurationError("OAUTHBEARER needs 'tokenFile', or 'tokenEndpoint' with 'clientId'");
    }
    let endpoint: URL;
    try {
      endpoint = new URL(config.tokenEndpoint);
    } catch {
      throw new PluginConfigurationError('not a URL', '/tokenEndpoint');
    }
    // The client secret travels to the endpoint: in clear only to this machine.
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(endpoint.hostname);
    if (endpoint.protocol !== 'https:' && !(endpoint.protocol === 'http:' && loopback)) {
      throw new PluginConfigurationError(
        'the token endpoint must be an https URL (http only on loopback)',
        '/tokenEndpoint',
      );
    }
    const clientSecret = secret('clientSecretFile', 'clientSecretEnv');
    const tokens = new ClientCredentialsTokens({
      endpoint,
      clientId: config.clientId,
      clientSecret,
      scope: config.scope,
    });
    return { credentials: { mechanism, tokens } };
  },
  createFilter(_context, init) {
    return new SaslInitiationFilter(init);
  },
};
