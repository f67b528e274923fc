import { type FSWatcher, readFileSync, watch } from 'node:fs';
import type { Server, Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type SecureContext, type TLSSocket } from 'node:tls';
import type { GatewayTls } from '../../config/model.ts';
import type { Logger } from '../../observability/logger.ts';

/**
 * The TLS side of a gateway: servers that terminate client TLS with the configured key and chain,
 * optionally verifying client certificates. When a certificate, key or trust file changes on disk,
 * the secure context is rebuilt and every server of the gateway switches to it for new
 * connections, so certificates can be rotated without a restart.
 */
export class GatewayTlsContext {
  readonly #settings: GatewayTls;
  readonly #logger: Logger;
  readonly #servers = new Set<Server & { setSecureContext(options: object): void }>();
  #watchers: FSWatcher[] = [];
  #reloadTimer: NodeJS.Timeout | undefined;
  #secureContext: SecureContext;

  constructor(settings: GatewayTls, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger;
    this.#secureContext = createSecureContext(this.#contextOptions());
  }

  /** The secure context for the current files (SNI selection uses it directly). */
  get secureContext(): SecureContext {
    return this.#secureContext;
  }

  createServer(accept: (socket: Socket) => void): Server {
    const clientAuth = this.#settings.trust?.clientAuth ?? 'NONE';
    const server = createTlsServer(
      {
        ...this.#contextOptions(),
        requestCert: clientAuth !== 'NONE',
        rejectUnauthorized: clientAuth === 'REQUIRED',
      },
      (socket: TLSSocket) => accept(socket),
    );
    server.on('tlsClientError', (error) => this.#logger.debug('client TLS handshake failed', { error: error.message }));
    this.#servers.add(server);
    server.once('close', () => this.#servers.delete(server));
    return server;
  }

  /** Starts watching the key, chain and trust files for changes. */
  watchFiles(): void {
    const files = [this.#settings.key.certificateFile, this.#settings.key.privateKeyFile];
    if (this.#settings.trust) files.push(this.#settings.trust.storeFile);
    for (const file of files) {
      try {
        const watcher = watch(file, () => this.#scheduleReload());
        watcher.unref();
        this.#watchers.push(watcher);
      } catch (error) {
        this.#logger.warn('cannot watch TLS file for changes', { file, error: (error as Error).message });
      }
    }
  }

  close(): void {
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
    clearTimeout(this.#reloadTimer);
  }

  #scheduleReload(): void {
    // Editors and cert managers write files in several steps; reload once they are done.
    clearTimeout(this.#reloadTimer);
    this.#reloadTimer = setTimeout(() => this.#reload(), 200);
    this.#reloadTimer.unref();
  }

  #reload(): void {
    try {
      const options = this.#contextOptions();
      this.#secureContext = createSecureContext(options);
      for (const server of this.#servers) server.setSecureContext(options);
      this.#logger.info('reloaded gateway TLS certificates', { certificateFile: this.#settings.key.certificateFile });
    } catch (error) {
      // Keep serving with the previous certificates: a half-written file must not break TLS.
      this.#logger.warn('cannot reload gateway TLS certificates; keeping the previous ones', {
        error: (error as Error).message,
      });
    }
  }

  #contextOptions(): { cert: Buffer; key: Buffer; passphrase?: string; ca?: Buffer } {
    const { key, trust } = this.#settings;
    return {
      cert: readFileSync(key.certificateFile),
      key: readFileSync(key.privateKeyFile),
      ...(key.password !== undefined ? { passphrase: key.password } : {}),
      ...(trust ? { ca: readFileSync(trust.storeFile) } : {}),
    };
  }
}
