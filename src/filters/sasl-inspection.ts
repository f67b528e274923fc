// SaslInspection: the client's SASL exchange still goes to the broker; the proxy reads along and,
// when the broker accepts the exchange, reports who the client is (FilterContext.saslAuthenticated):
// PLAIN's authorization id or user, SCRAM's user from the client-first message, OAUTHBEARER's
// `sub` (or a configured claim) of the token. The token is not verified here: it is trusted
// only because the broker accepted it. Re-authentication (KIP-368) reports the new identity.

import type {
  Filter,
  FilterContext,
  FilterFactory,
  FilterInterest,
  RequestFilterResult,
  RequestHeader,
  ResponseFilterResult,
  ResponseHeader,
} from '../filter/index.ts';
import { FilterResults } from '../filter/index.ts';
import type { JsonSchema } from '../plugins/kinds.ts';
import { ApiKey } from '../protocol/generated/api-keys.ts';
import { ErrorCode } from '../protocol/generated/error-codes.ts';
import type { SaslAuthenticateRequest } from '../protocol/generated/messages/sasl-authenticate-request.ts';
import type { SaslAuthenticateResponse } from '../protocol/generated/messages/sasl-authenticate-response.ts';
import type { SaslHandshakeRequest } from '../protocol/generated/messages/sasl-handshake-request.ts';
import type { SaslHandshakeResponse } from '../protocol/generated/messages/sasl-handshake-response.ts';
import { decodeJwt, parseOAuthBearerResponse, stringClaim, stringsClaim } from '../security/oauthbearer.ts';
import { parsePlain } from '../security/plain.ts';
import { isScramMechanism, parseClientFirst } from '../security/scram.ts';
import { saslSubject } from '../security/subject.ts';

export interface SaslInspectionConfig {
  readonly oauthbearer?: { readonly principalClaim?: string; readonly groupsClaim?: string };
}

interface Claims {
  readonly principalClaim: string;
  readonly groupsClaim: string | undefined;
}

const INTERESTS: readonly FilterInterest[] = [ApiKey.SASL_HANDSHAKE, ApiKey.SASL_AUTHENTICATE];

/** How many successful SASL_AUTHENTICATE responses complete an exchange, by mechanism. */
function completesAt(mechanism: string): number {
  return isScramMechanism(mechanism) ? 2 : 1;
}

class SaslInspectionFilter implements Filter {
  readonly interests = INTERESTS;
  readonly #claims: Claims;
  /** The mechanism of the exchange under way (from the client's handshake). */
  #mechanism: string | undefined;
  /** Who the client claims to be in the exchange under way; reported once the broker agrees. */
  #candidate: { readonly user: string; readonly groups: readonly string[] } | undefined;
  /** SASL_AUTHENTICATE requests of this exchange and successful responses so far. */
  #requests = 0;
  #accepted = 0;

  constructor(claims: Claims) {
    this.#claims = claims;
  }

  onSaslHandshakeRequest(header: RequestHeader, request: SaslHandshakeRequest, context: FilterContext) {
    if (header.requestApiVersion === 0) {
      // v0 is followed by raw SASL frames without Kafka headers, which the proxy cannot carry.
      // Info, not warn: an unauthenticated client must not be able to fill the logs with warnings.
      context.logger.info(
        'SASL_HANDSHAKE v0 (raw SASL frames) is not supported; the client must use SASL_HANDSHAKE v1 and SASL_AUTHENTICATE',
      );
      return FilterResults.respond({
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        mechanisms: [],
      } satisfies SaslHandshakeResponse).withCloseConnection();
    }
    this.#mechanism = request.mechanism;
    this.#candidate = undefined;
    this.#requests = 0;
    this.#accepted = 0;
    return FilterResults.forward() as RequestFilterResult;
  }

  onSaslHandshakeResponse(_header: ResponseHeader, response: SaslHandshakeResponse): ResponseFilterResult {
    if (response.errorCode !== ErrorCode.NONE) this.#mechanism = undefined;
    return FilterResults.forward();
  }

  onSaslAuthenticateRequest(_header: RequestHeader, request: SaslAuthenticateRequest): RequestFilterResult {
    const mechanism = this.#mechanism;
    this.#requests++;
    // Only an exchange's first message names the client.
    if (mechanism !== undefined && this.#requests === 1) this.#candidate = this.#claimed(mechanism, request.authBytes);
    return FilterResults.forward() as RequestFilterResult;
  }

  onSaslAuthenticateResponse(
    _header: ResponseHeader,
    response: SaslAuthenticateResponse,
    context: FilterContext,
  ): ResponseFilterResult {
    const mechanism = this.#mechanism;
    if (mechanism === undefined) return FilterResults.forward();
    if (response.errorCode !== ErrorCode.NONE) {
      this.#candidate = undefined;
      return FilterResults.forward();
    }
    this.#accepted++;
    // An OAUTHBEARER error arrives as a successful response carrying the RFC 7628 JSON error.
    const done =
      mechanism === 'OAUTHBEARER' ? response.authBytes.length === 0 : this.#accepted === completesAt(mechanism);
    if (!done) return FilterResults.forward();
    const candidate = this.#candidate;
    this.#mechanism = undefined;
    this.#candidate = undefined;
    if (candidate === undefined) {
      context.logger.info('the broker accepted a SASL exchange whose identity the proxy cannot read', { mechanism });
      return FilterResults.forward();
    }
    context.saslAuthenticated(mechanism, saslSubject(candidate.user, candidate.groups));
    context.logger.info('client authenticated to the broker', { mechanism, user: candidate.user });
    return FilterResults.forward();
  }

  #claimed(mechanism: string, bytes: Buffer): { user: string; groups: readonly string[] } | undefined {
    if (mechanism === 'PLAIN') {
      const plain = parsePlain(bytes);
      if (typeof plain === 'string') return undefined;
      const user = plain.authzid !== '' ? plain.authzid : plain.user;
      return user === '' ? undefined : { user, groups: [] };
    }
    if (isScramMechanism(mechanism)) {
      try {
        const first = parseClientFirst(bytes);
        // With a delegation token `n=` is the token's id; the broker's principal is its owner,
        // which the exchange does not name.
        return first.extensions.get('tokenauth') === 'true' ? undefined : { user: first.user, groups: [] };
      } catch {
        return undefined; // the broker refuses it too
      }
    }
    if (mechanism === 'OAUTHBEARER') {
      const response = parseOAuthBearerResponse(bytes);
      const claims = typeof response === 'string' ? undefined : decodeJwt(response.token)?.claims;
      const user = claims === undefined ? undefined : stringClaim(claims, this.#claims.principalClaim);
      if (user === undefined) return undefined;
      const groupsClaim = this.#claims.groupsClaim;
      return { user, groups: groupsClaim === undefined ? [] : stringsClaim(claims!, groupsClaim) };
    }
    return undefined;
  }
}

const configSchema: JsonSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    oauthbearer: {
      type: 'object',
      additionalProperties: false,
      properties: {
        principalClaim: { type: 'string', minLength: 1, default: 'sub' },
        groupsClaim: { type: 'string', minLength: 1 },
      },
    },
  },
};

export const SaslInspection: FilterFactory<SaslInspectionConfig | null, Claims> = {
  configSchema,
  saslRole: 'inspect',
  initialize: (_context, config) => ({
    principalClaim: config?.oauthbearer?.principalClaim ?? 'sub',
    groupsClaim: config?.oauthbearer?.groupsClaim,
  }),
  createFilter: (_context, claims) => new SaslInspectionFilter(claims),
};
