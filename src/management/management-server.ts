// The management HTTP endpoint (lifecycle.md §10): /livez, /readyz, /metrics and /status.
// It only renders what its source reports; the proxy (or the supervisor) owns the state.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Readiness {
  readonly ready: boolean;
  /** Why not ready, e.g. "proxy state is starting", "virtual cluster 'orders' is draining". */
  readonly reasons: readonly string[];
}

/** What the endpoint serves; implemented by KafkaProxy and by the multi-worker supervisor. */
export interface ManagementSource {
  readiness(): Readiness;
  status(): Promise<unknown>;
  metricsText(): Promise<string>;
}

export interface ManagementAddress {
  readonly host: string;
  readonly port: number;
}

const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The state of the endpoint's listener. */
type ListenerState =
  | { readonly kind: 'idle' }
  | { readonly kind: 'listening'; readonly server: Server }
  | { readonly kind: 'closed' };

export class ManagementServer {
  private readonly source: ManagementSource;
  private readonly requested: ManagementAddress;
  private listener: ListenerState = { kind: 'idle' };

  constructor(source: ManagementSource, address: ManagementAddress) {
    this.source = source;
    this.requested = address;
  }

  /** "host:port" as configured, for step names and logs. */
  get configuredAddress(): string {
    return formatAddress(this.requested.host, this.requested.port);
  }

  /** The address actually bound (which matters for port 0). */
  address(): ManagementAddress {
    if (this.listener.kind !== 'listening') throw new Error('the management endpoint is not listening');
    const info = this.listener.server.address() as AddressInfo;
    return { host: info.address, port: info.port };
  }

  async listen(): Promise<void> {
    if (this.listener.kind !== 'idle') throw new Error(`the management endpoint is ${this.listener.kind}`);
    // Loaded here rather than at start: node:http adds some 15 MB to the process, which a proxy
    // without a management endpoint never needs.
    const { createServer } = await import('node:http');
    // close() may have run while node:http loaded (TypeScript cannot see that across the await).
    const now = this.listener as ListenerState;
    if (now.kind !== 'idle') throw new Error(`the management endpoint is ${now.kind}`);
    const server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.requested.host, port: this.requested.port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.listener = { kind: 'listening', server };
  }

  /** Closes the listener and every open HTTP connection, including idle keep-alive ones. */
  async close(): Promise<void> {
    const listener = this.listener;
    this.listener = { kind: 'closed' };
    if (listener.kind !== 'listening') return;
    const closed = new Promise<void>((resolve, reject) =>
      listener.server.close((error) => (error === undefined ? resolve() : reject(error))),
    );
    listener.server.closeAllConnections();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    const path = (request.url ?? '/').split('?')[0];
    const route = ROUTES[path ?? ''];
    if (route === undefined) {
      send(response, request, 404, 'application/json', JSON.stringify({ status: 'not found' }));
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      send(response, request, 405, 'application/json', JSON.stringify({ status: 'method not allowed' }));
      return;
    }
    try {
      const { status, contentType, body } = await route(this.source);
      send(response, request, status, contentType, body);
    } catch (error) {
      send(response, request, 500, 'application/json', JSON.stringify({ status: 'error', message: String(error) }));
    }
  }
}

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

const ROUTES: Readonly<Record<string, (source: ManagementSource) => Promise<Reply>>> = {
  '/livez': async () => ({ status: 200, contentType: 'application/json', body: JSON.stringify({ status: 'live' }) }),
  '/readyz': async (source) => {
    const { ready, reasons } = source.readiness();
    return ready
      ? { status: 200, contentType: 'application/json', body: JSON.stringify({ status: 'ready' }) }
      : { status: 503, contentType: 'application/json', body: JSON.stringify({ status: 'not ready', reasons }) };
  },
  '/metrics': async (source) => ({ status: 200, contentType: METRICS_CONTENT_TYPE, body: await source.metricsText() }),
  '/status': async (source) => ({
    status: 200,
    contentType: 'application/json',
    body: JSON.stringify(await source.status()),
  }),
};

function send(
  response: ServerResponse,
  request: IncomingMessage,
  status: number,
  contentType: string,
  body: string,
): void {
  response.statusCode = status;
  response.setHeader('Content-Type', contentType);
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(request.method === 'HEAD' ? undefined : body);
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
