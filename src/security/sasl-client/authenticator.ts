// One complete SASL exchange of the proxy with a broker, for each mechanism SaslInitiation offers.
// Resolves with the broker's session lifetime (KIP-368; 0 when unlimited). Every failure message
// names the mechanism, the user and the broker's reason, never a password, token or proof.

import { ErrorCode } from '../../protocol/generated/error-codes.ts';
import { authenticate, handshake, refused, type SaslTransport } from './exchange.ts';
import { OAUTHBEARER_ERROR_ACK, oauthBearerMessage, type TokenSource } from './oauthbearer.ts';
import { plainMessage } from './plain.ts';
import { ScramClient, type ScramMechanism } from './scram.ts';
import { readSecret, type SecretSource } from './secrets.ts';

export type InitiationCredentials =
  | {
      readonly mechanism: 'PLAIN';
      readonly username: string;
      readonly password: SecretSource;
      readonly authorizationId?: string;
    }
  | { readonly mechanism: ScramMechanism; readonly username: string; readonly password: SecretSource }
  | { readonly mechanism: 'OAUTHBEARER'; readonly tokens: TokenSource };

/** Authenticates the connection behind `channel`; resolves with the session lifetime in ms. */
export async function authenticateUpstream(
  channel: SaslTransport,
  credentials: InitiationCredentials,
): Promise<number> {
  const { mechanism } = credentials;
  switch (credentials.mechanism) {
    case 'PLAIN': {
      const password = await readSecret(credentials.password);
      await handshake(channel, mechanism);
      const result = await authenticate(
        channel,
        plainMessage(credentials.username, password, credentials.authorizationId),
      );
      if (result.errorCode !== ErrorCode.NONE) throw refused(`PLAIN (user '${credentials.username}')`, result);
      return result.sessionLifetimeMs;
    }
    case 'SCRAM-SHA-256':
    case 'SCRAM-SHA-512': {
      const password = await readSecret(credentials.password);
      const label = `${mechanism} (user '${credentials.username}')`;
      const scram = new ScramClient(credentials.mechanism, credentials.username, password);
      await handshake(channel, mechanism);
      const first = await authenticate(channel, scram.first());
      if (first.errorCode !== ErrorCode.NONE) throw refused(label, first);
      const final = await authenticate(channel, await scram.final(first.authBytes));
      if (final.errorCode !== ErrorCode.NONE) throw refused(label, final);
      try {
        scram.verify(final.authBytes);
      } catch (error) {
        throw new Error(`${label}: ${(error as Error).message}`);
      }
      return final.sessionLifetimeMs;
    }
    case 'OAUTHBEARER': {
      const token = await credentials.tokens.token();
      await handshake(channel, mechanism);
      const result = await authenticate(channel, oauthBearerMessage(token));
      if (result.errorCode === ErrorCode.NONE && result.authBytes.length === 0) return result.sessionLifetimeMs;
      if (result.errorCode === ErrorCode.NONE) {
        // An error challenge (JSON naming the problem): acknowledge it so the broker ends the
        // exchange, and report the challenge, which carries no token.
        await authenticate(channel, OAUTHBEARER_ERROR_ACK).catch(() => undefined);
      }
      throw refused('OAUTHBEARER', result);
    }
  }
}
