// SaslTermination: the proxy is the client's SASL server (PLAIN, SCRAM-SHA-256/512 against the
// credential store, OAUTHBEARER against a JWKS). The client's exchange never reaches a broker.
// It answers as a Kafka broker's SaslServerAuthenticator does: before authentication only
// API_VERSIONS (forwarded), SASL_HANDSHAKE and SASL_AUTHENTICATE are accepted; the same error
// codes and messages; a delay before a failure is sent; a session lifetime (KIP-368) reported to
// the client and enforced. Once authenticated, the filter sees only SASL requests, so the rest of
// the session costs nothing.

import type {
  ApiMessage,
  Filter,
  FilterContext,
  FilterFactory,
  FilterInterest,
  RequestFilterResult,
  RequestHeader,
} from '../../filter/index.ts';
import { FilterResults, KafkaError } from '../../filter/index.ts';
import { ApiKey, apiKeyName } from '../../protocol/generated/api-keys.ts';
import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import type { SaslAuthenticateRequest } from '../../protocol/generated/messages/sasl-authenticate-request.ts';
import type { SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate-response.ts';
import type { SaslHandshakeRequest } from '../../protocol/generated/messages/sasl-handshake-request.ts';
import type { SaslHandshakeResponse } from '../../protocol/generated/messages/sasl-handshake-response.ts';
import {
  type Identity,
  isSupportedMechanism,
  type SaslExchange,
  type SupportedMechanism,
  startExchange,
} from '../../security/sasl-exchanges.ts';
import { saslSubject } from '../../security/subject.ts';
import { configSchema, type SaslTerminationConfig, setUp, type TerminationSetup, tearDown } from './config.ts';
import { TerminationStateMachine } from './state.ts';

/** After authentication only a re-authentication concerns the filter. */
const AUTHENTICATED_INTERESTS: readonly FilterInterest[] = [ApiKey.SASL_HANDSHAKE, ApiKey.SASL_AUTHENTICATE];

const EMPTY = Buffer.alloc(0);

class SaslTerminationFilter implements Filter {
  readonly #setup: TerminationSetup;
  readonly #context: FilterContext;
  readonly #state = new TerminationStateMachine();
  #mechanism: SupportedMechanism | undefined;
  #exchange: SaslExchange | undefined;
  /** The identity of the last successful authentication (re-authentication must keep its user). */
  #identity: Identity | undefined;
  /** Set when a re-authentication asked for another mechanism: Kafka fails it at its first token. */
  #badMechanism: string | undefined;
  #expiry: ReturnType<typeof setTimeout> | undefined;

  constructor(setup: TerminationSetup, context: FilterContext) {
    this.#setup = setup;
    this.#context = context;
  }

  /** Every API until authenticated (to refuse what comes too early), then SASL only. */
  get interests(): readonly FilterInterest[] | undefined {
    const state = this.#state.state;
    return state === 'authenticated' || state === 'reauthenticate' ? AUTHENTICATED_INTERESTS : undefined;
  }

  onRequest(
    apiKey: ApiKey,
    header: RequestHeader,
    request: ApiMessage,
  ): RequestFilterResult | Promise<RequestFilterResult> {
    switch (this.#state.state) {
      case 'handshake':
        if (apiKey === ApiKey.API_VERSIONS) return FilterResults.forward() as RequestFilterResult;
        if (apiKey === ApiKey.SASL_HANDSHAKE) return this.#handshake(header, request as SaslHandshakeRequest, false);
        // A broker closes without answering (IllegalSaslStateException during the handshake).
        this.#context.logger.debug('request before SASL authentication; closing the connection', {
          api: apiKeyName(apiKey),
        });
        this.#state.to('failed');
        return FilterResults.drop().withCloseConnection() as RequestFilterResult;
      case 'authenticate':
      case 'reauthenticate':
        if (apiKey === ApiKey.SASL_AUTHENTICATE) return this.#authenticate(header, request as SaslAuthenticateRequest);
        // The previous authentication holds until the re-authentication ends: other APIs go on.
        if (this.#state.state === 'reauthenticate' && apiKey !== ApiKey.SASL_HANDSHAKE) {
          return FilterResults.forward() as RequestFilterResult;
        }
        this.#state.to('failed');
        return FilterResults.respondWithError(
          new KafkaError(
            ErrorCode.ILLEGAL_SASL_STATE,
            `Unexpected Kafka request of type ${apiKeyName(apiKey)} during SASL authentication.`,
          ),
        ).withCloseConnection();
      case 'authenticated':
        if (apiKey === ApiKey.SASL_HANDSHAKE) return this.#handshake(header, request as SaslHandshakeRequest, true);
        if (apiKey === ApiKey.SASL_AUTHENTICATE) {
          return this.#authenticateResponse({
            errorCode: ErrorCode.ILLEGAL_SASL_STATE,
            errorMessage: 'SaslAuthenticate request received after successful authentication',
            authBytes: EMPTY,
            sessionLifetimeMs: 0n,
          });
        }
        return FilterResults.forward() as RequestFilterResult;
      case 'expired':
        if (apiKey === ApiKey.SASL_HANDSHAKE) return this.#handshake(header, request as SaslHandshakeRequest, true);
        this.#context.logger.info('SASL session lifetime exceeded without re-authentication; closing the connection');
        this.#state.to('failed');
        return FilterResults.drop().withCloseConnection() as RequestFilterResult;
      case 'failed':
        return FilterResults.drop().withCloseConnection() as RequestFilterResult;
    }
  }

  close(): void {
    if (this.#expiry !== undefined) clearTimeout(this.#expiry);
  }

  #handshake(header: RequestHeader, request: SaslHandshakeRequest, reauthenticating: boolean): RequestFilterResult {
    const mechanisms = [...this.#setup.mechanisms];
    const answer = (errorCode: number): RequestFilterResult =>
      FilterResults.respond({ errorCode, mechanisms } satisfies SaslHandshakeResponse);
    if (header.requestApiVersion === 0) {
      // v0 is followed by raw SASL frames without Kafka headers: the proxy reads Kafka frames only.
      // Info, not warn: an unauthenticated client must not be able to fill the logs with warnings.
      this.#context.logger.info(
        'SASL_HANDSHAKE v0 (raw SASL frames) is not supported; the client must use SASL_HANDSHAKE v1 and SASL_AUTHENTICATE',
      );
      this.#state.to('failed');
      return answer(ErrorCode.UNSUPPORTED_VERSION).withCloseConnection();
    }
    const mechanism = request.mechanism;
    if (!isSupportedMechanism(mechanism) || !this.#setup.mechanisms.includes(mechanism)) {
      this.#context.logger.debug('client asked for a SASL mechanism that is not enabled', {
        mechanism: mechanism.slice(0, 40),
      });
      this.#state.to('failed');
      return answer(ErrorCode.UNSUPPORTED_SASL_MECHANISM).withCloseConnection();
    }
    this.#badMechanism =
      reauthenticating && mechanism !== this.#mechanism
        ? `SASL mechanism '${mechanism}' requested by client is not supported for re-authentication of mechanism '${this.#mechanism}'`
        : undefined;
    if (!reauthenticating) this.#mechanism = mechanism;
    this.#exchange = startExchange(mechanism, this.#setup.authenticators, reauthenticating);
    this.#state.to(reauthenticating ? 'reauthenticate' : 'authenticate');
    this.#context.interestsChanged();
    return answer(ErrorCode.NONE);
  }

  async #authenticate(header: RequestHeader, request: SaslAuthenticateRequest): Promise<RequestFilterResult> {
    const reauthenticating = this.#state.state === 'reauthenticate';
    if (this.#badMechanism !== undefined)
      return this.#fail(this.#badMechanism, 'mechanism changed on re-authentication');
    const outcome = await this.#exchange!.step(request.authBytes);
    switch (outcome.kind) {
      case 'challenge':
        return this.#authenticateResponse({
          errorCode: 0,
          errorMessage: null,
          authBytes: outcome.bytes,
          sessionLifetimeMs: 0n,
        });
      case 'errorChallenge':
        this.#context.logger.debug('OAUTHBEARER token refused', { reason: outcome.reason });
        return this.#authenticateResponse({
          errorCode: 0,
          errorMessage: null,
          authBytes: outcome.bytes,
          sessionLifetimeMs: 0n,
        });
      case 'failure':
        return this.#fail(outcome.message, outcome.reason);
      case 'success': {
        const previous = this.#identity;
        if (reauthenticating && previous !== undefined && previous.user !== outcome.identity.user) {
          return this.#fail(
            `Cannot change principals during re-authentication from User.${previous.user}: User.${outcome.identity.user}`,
            'another user on re-authentication',
          );
        }
        return this.#succeed(header, outcome.bytes, outcome.identity, reauthenticating);
      }
    }
  }

  #succeed(header: RequestHeader, bytes: Buffer, identity: Identity, reauthenticating: boolean): RequestFilterResult {
    this.#identity = identity;
    const lifetimeMs = this.#lifetimeMs(identity);
    if (this.#expiry !== undefined) clearTimeout(this.#expiry);
    this.#expiry = undefined;
    if (lifetimeMs > 0) {
      this.#expiry = setTimeout(() => this.#expire(), lifetimeMs);
      this.#expiry.unref();
    }
    this.#state.to('authenticated');
    this.#context.interestsChanged();
    this.#context.saslAuthenticated(this.#mechanism!, saslSubject(identity.user, identity.groups));
    this.#setup.successes.inc();
    this.#context.logger.info(reauthenticating ? 'client re-authenticated by SASL' : 'client authenticated by SASL', {
      mechanism: this.#mechanism,
      user: identity.user,
    });
    return this.#authenticateResponse({
      errorCode: 0,
      errorMessage: null,
      authBytes: bytes,
      // Only v1+ carries it; clients that send v0 cannot re-authenticate and are closed at expiry.
      sessionLifetimeMs: header.requestApiVersion >= 1 ? BigInt(lifetimeMs) : 0n,
    });
  }

  /** Kafka's rule: the smaller of the configured lifetime and the credential's own expiry. */
  #lifetimeMs(identity: Identity): number {
    const configured = this.#setup.sessionLifetimeMs;
    if (identity.expiresAtMs === undefined) return configured;
    const untilExpiry = Math.max(1, identity.expiresAtMs - Date.now());
    return configured > 0 ? Math.min(configured, untilExpiry) : untilExpiry;
  }

  #expire(): void {
    this.#expiry = undefined;
    // A re-authentication under way when the lifetime ends decides the session by its outcome.
    if (this.#state.state !== 'authenticated') return;
    this.#state.to('expired');
    this.#context.interestsChanged();
  }

  async #fail(message: string, reason: string): Promise<RequestFilterResult> {
    this.#state.to('failed');
    this.#setup.failures.inc();
    this.#context.logger.info('SASL authentication failed', { mechanism: this.#mechanism, reason });
    // A broker delays failed authentications too, so a client cannot guess passwords at full speed.
    if (this.#setup.failureDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#setup.failureDelayMs));
    return this.#authenticateResponse({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: message,
      authBytes: EMPTY,
      sessionLifetimeMs: 0n,
    }).withCloseConnection();
  }

  #authenticateResponse(response: SaslAuthenticateResponse): RequestFilterResult {
    return FilterResults.respond(response);
  }
}

export const SaslTermination: FilterFactory<SaslTerminationConfig, TerminationSetup> = {
  configSchema,
  saslRole: 'terminate',
  initialize: (context, config) => setUp(context, config),
  createFilter: (context, setup) => new SaslTerminationFilter(setup, context),
  close: (setup) => tearDown(setup),
};
