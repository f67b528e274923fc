// The states of one session of SaslTermination and their edges, modelled on a Kafka broker's
// SaslServerAuthenticator plus KIP-368 re-authentication. An edge not listed throws.

export type TerminationState =
  /** Waiting for API_VERSIONS or SASL_HANDSHAKE; anything else closes the connection. */
  | 'handshake'
  /** Mechanism chosen; only SASL_AUTHENTICATE may follow. */
  | 'authenticate'
  | 'authenticated'
  /** A re-authentication's handshake was answered; the previous identity still holds. */
  | 'reauthenticate'
  /** The session lifetime passed without re-authentication: only a new handshake is accepted. */
  | 'expired'
  /** Authentication failed: the connection closes. */
  | 'failed';

const EDGES: Readonly<Record<TerminationState, readonly TerminationState[]>> = {
  handshake: ['authenticate', 'failed'],
  authenticate: ['authenticated', 'failed'],
  // A re-authentication handshake can be refused outright (mechanism not enabled, v0).
  authenticated: ['reauthenticate', 'expired', 'failed'],
  reauthenticate: ['authenticated', 'failed'],
  expired: ['reauthenticate', 'failed'],
  failed: [],
};

export class IllegalSaslTransitionError extends Error {
  override readonly name = 'IllegalSaslTransitionError';
}

export class TerminationStateMachine {
  #state: TerminationState = 'handshake';

  get state(): TerminationState {
    return this.#state;
  }

  to(next: TerminationState): void {
    if (!EDGES[this.#state].includes(next)) {
      throw new IllegalSaslTransitionError(`SASL termination cannot go from '${this.#state}' to '${next}'`);
    }
    this.#state = next;
  }
}
