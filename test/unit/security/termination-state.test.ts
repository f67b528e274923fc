// SaslTermination's session states: the edges a broker's authenticator and KIP-368 allow, and
// nothing else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IllegalSaslTransitionError, TerminationStateMachine } from '../../../src/filters/sasl-termination/state.ts';

test('authentication, re-authentication and expiry follow their edges', () => {
  const machine = new TerminationStateMachine();
  for (const next of [
    'authenticate',
    'authenticated',
    'reauthenticate',
    'authenticated',
    'expired',
    'reauthenticate',
    'failed',
  ] as const) {
    machine.to(next);
    assert.equal(machine.state, next);
  }
});

test('a transition outside the edges throws and leaves the state as it was', () => {
  const machine = new TerminationStateMachine();
  assert.throws(() => machine.to('authenticated'), IllegalSaslTransitionError);
  assert.equal(machine.state, 'handshake');
  machine.to('failed');
  for (const next of ['handshake', 'authenticate', 'authenticated', 'expired'] as const) {
    assert.throws(() => machine.to(next), IllegalSaslTransitionError);
  }
});
