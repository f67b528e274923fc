import { SwitchyardError } from '../errors.ts';

/** The client session closed while a filter's out-of-band request was pending, or before it was sent. */
export class SessionClosedError extends SwitchyardError {
  constructor(sessionId: string) {
    super('ERR_SESSION_CLOSED', `session ${sessionId} is closed`);
  }
}
