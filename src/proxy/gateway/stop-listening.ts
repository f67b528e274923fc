import type { Server } from 'node:net';

/**
 * Stops a listener from accepting connections, leaving the connections it already accepted alone.
 * `server.close(callback)` would only call back once every accepted connection has ended, but
 * shutdown closes listeners *before* draining those connections (lifecycle.md §8), so this resolves
 * as soon as the listening socket is closed: `close()` stops listening synchronously.
 */
export function stopListening(server: Server): Promise<void> {
  if (server.listening) {
    // Errors here mean "not listening", which is the state we want; the callback may come much later.
    server.close(() => {});
  }
  return Promise.resolve();
}
