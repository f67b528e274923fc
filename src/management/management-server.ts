// The management HTTP endpoint (lifecycle.md §10): /livez, /readyz, /metrics and /status, and,
// when enabled, the read-only admin page at /ui with its JSON at /api/status (docs/operations.md).
// It only renders what its source reports; the proxy (or the supervisor) owns the state.

import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ReloadOutcome } from '../proxy/lifecycle/reload.ts';
import { type AdminView, adminStatus } from './admin-status.ts';

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
  /** What the admin page shows; called only when the page is enabled. */
  adminView(): Promise<AdminView>;
  /** Present only when `management.reload` is on: what `POST /reload` runs. */
  reload?(): Promise<ReloadOutcome>;
}

export interface ManagementOptions {
  /** Serve the admin page (/ui, /ui/app.js, /ui/style.css) and /api/status. Default false. */
  readonly ui?: boolean;
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
  private readonly ui: boolean;
  /** The admin page's files by request path, read once when the endpoint starts. */
  private assets: ReadonlyMap<string, Reply> = new Map();

  constructor(source: ManagementSource, address: ManagementAddress, options: ManagementOptions = {}) {
    this.source = source;
    this.requested = address;
    this.ui = options.ui ?? false;
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
    if (this.ui) this.assets = await readAssets();
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

  /** Only POST changes anything; the request body is ignored (the file on disk is what is loaded). */
  private async handleReload(
    request: IncomingMessage,
    response: ServerResponse,
    reload: () => Promise<ReloadOutcome>,
  ): Promise<void> {
    request.resume();
    if (request.method !== 'POST') {
      response.setHeader('Allow', 'POST');
      send(response, request, 405, 'application/json', JSON.stringify({ status: 'method not allowed' }));
      return;
    }
    try {
      const { status, contentType, body } = await reloadReply(reload);
      send(response, request, status, contentType, body);
    } catch (error) {
      send(response, request, 500, 'application/json', JSON.stringify({ status: 'error', message: String(error) }));
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.setHeader('Cache-Control', 'no-store');
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/reload' && this.source.reload !== undefined) {
      await this.handleReload(request, response, this.source.reload.bind(this.source));
      return;
    }
    const asset = this.assets.get(path ?? '');
    const route =
      asset !== undefined ? async () => asset : (ROUTES[path ?? ''] ?? (this.ui ? UI_ROUTES[path ?? ''] : undefined));
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
      const { status, contentType, body, headers } = await route(this.source);
      for (const [name, value] of Object.entries(headers ?? {})) response.setHeader(name, value);
      send(response, request, status, contentType, body);
    } catch (error) {
      send(response, request, 500, 'application/json', JSON.stringify({ status: 'error', message: String(error) }));
    }
  }
}

/** Reply of POST /reload: the outcome, 200 when it was applied, 422 when it was not (or only partly). */
async function reloadReply(reload: () => Promise<ReloadOutcome>): Promise<Reply> {
  const outcome = await reload();
  return { status: outcome.ok ? 200 : 422, contentType: 'application/json', body: JSON.stringify(outcome) };
}

interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
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

const UI_ROUTES: Readonly<Record<string, (source: ManagementSource) => Promise<Reply>>> = {
  '/api/status': async (source) => {
    const [view, metrics] = await Promise.all([source.adminView(), source.metricsText()]);
    return {
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify(adminStatus(view, metrics, Date.now())),
    };
  },
};

/** The page is self-contained: its own script and style only, never framed, nothing inline. */
const PAGE_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const ASSETS: readonly { readonly file: string; readonly paths: readonly string[]; readonly contentType: string }[] = [
  { file: 'index.html', paths: ['/ui', '/ui/'], contentType: 'text/html; charset=utf-8' },
  { file: 'app.js', paths: ['/ui/app.js'], contentType: 'text/javascript; charset=utf-8' },
  { file: 'style.css', paths: ['/ui/style.css'], contentType: 'text/css; charset=utf-8' },
];

/** The page ships as plain files beside this module (./ui): no build step, read once. */
async function readAssets(): Promise<ReadonlyMap<string, Reply>> {
  const assets = new Map<string, Reply>();
  for (const { file, paths, contentType } of ASSETS) {
    const body = await readFile(new URL(`./ui/${file}`, import.meta.url), 'utf8');
    for (const path of paths) assets.set(path, { status: 200, contentType, body, headers: PAGE_HEADERS });
  }
  return assets;
}

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
