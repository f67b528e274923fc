// The Kafka side of a SASL exchange the proxy makes itself on an upstream connection: one
// SASL_HANDSHAKE naming the mechanism, then SASL_AUTHENTICATE rounds carrying the mechanism's
// bytes. Used by the SaslInitiation filter and by the replay of a client's pass-through exchange.

import type { ApiMessage, RequestHeader } from '../../pipeline/types.ts';
import { ApiKey } from '../../protocol/generated/api-keys.ts';
import { ErrorCode, errorCodeName } from '../../protocol/generated/error-codes.ts';
import type { SaslAuthenticateRequest } from '../../protocol/generated/messages/sasl-authenticate-request.ts';
import type { SaslAuthenticateResponse } from '../../protocol/generated/messages/sasl-authenticate-response.ts';
import type { SaslHandshakeRequest } from '../../protocol/generated/messages/sasl-handshake-request.ts';
import type { SaslHandshakeResponse } from '../../protocol/generated/messages/sasl-handshake-response.ts';
import { OWN_SASL_AUTHENTICATE_VERSION, OWN_SASL_HANDSHAKE_VERSION } from '../../protocol/own-versions.ts';

const CLIENT_ID = 'switchyard';

/** Sends one request on the connection being authenticated (a filter's UpstreamConnectionContext). */
export interface SaslTransport {
  sendRequest<T extends ApiMessage = ApiMessage>(header: RequestHeader, request: ApiMessage): Promise<T>;
}

/** Why the broker refused an exchange: its error code and message, never the bytes sent. */
export class SaslExchangeError extends Error {
  override readonly name = 'SaslExchangeError';
}

/** One SASL_HANDSHAKE; rejects when the broker does not enable `mechanism`. */
export async function handshake(
  channel: SaslTransport,
  mechanism: string,
  version = OWN_SASL_HANDSHAKE_VERSION,
): Promise<void> {
  const request: SaslHandshakeRequest = { mechanism };
  const response = await channel.sendRequest<SaslHandshakeResponse>(
    { requestApiKey: ApiKey.SASL_HANDSHAKE, requestApiVersion: version, correlationId: 0, clientId: CLIENT_ID },
    request,
  );
  if (response.errorCode !== ErrorCode.NONE) {
    const enabled = response.mechanisms.length > 0 ? response.mechanisms.join(', ') : 'none';
    throw new SaslExchangeError(
      `the broker refused SASL mechanism ${mechanism} (${errorName(response.errorCode)}; enabled: ${enabled})`,
    );
  }
}

/** The broker's answer to one SASL_AUTHENTICATE round. */
export interface AuthenticateResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly authBytes: Buffer;
  /** 0 when the broker sets no limit (or the version carries none). */
  readonly sessionLifetimeMs: number;
}

/** One SASL_AUTHENTICATE round; the caller decides what an error means for its mechanism. */
export async function authenticate(
  channel: SaslTransport,
  authBytes: Buffer,
  version = OWN_SASL_AUTHENTICATE_VERSION,
): Promise<AuthenticateResult> {
  const request: SaslAuthenticateRequest = { authBytes };
  const response = await channel.sendRequest<SaslAuthenticateResponse>(
    { requestApiKey: ApiKey.SASL_AUTHENTICATE, requestApiVersion: version, correlationId: 0, clientId: CLIENT_ID },
    request,
  );
  return {
    errorCode: response.errorCode,
    errorMessage: response.errorMessage,
    authBytes: response.authBytes,
    sessionLifetimeMs: Number(response.sessionLifetimeMs ?? 0),
  };
}

/** Throws the broker's refusal of an authenticate round, in words that name no secret. */
export function refused(mechanism: string, result: AuthenticateResult): SaslExchangeError {
  if (result.errorCode === ErrorCode.NONE) {
    // OAUTHBEARER's refusal: a JSON challenge naming the problem (status, scope), before the error.
    const challenge = result.authBytes.toString('utf8', 0, Math.min(result.authBytes.length, 200));
    return new SaslExchangeError(`the broker refused ${mechanism} authentication: ${challenge}`);
  }
  const detail = result.errorMessage ? `: ${result.errorMessage}` : '';
  return new SaslExchangeError(
    `the broker refused ${mechanism} authentication (${errorName(result.errorCode)})${detail}`,
  );
}

/**
 * When to authenticate again before the broker's session lifetime ends (KIP-368): at a random
 * point between 85% and 95% of it, as Kafka's own clients do, so that many connections
 * authenticated together do not all renew at once. Undefined when the broker sets no limit.
 */
export function renewalDelay(sessionLifetimeMs: number, random: () => number = Math.random): number | undefined {
  if (!(sessionLifetimeMs > 0)) return undefined;
  return Math.floor(sessionLifetimeMs * (0.85 + 0.1 * random()));
}

function errorName(code: number): string {
  return errorCodeName(code) ?? `error code ${code}`;
}
