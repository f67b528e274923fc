import type { Server, Socket } from 'node:net';
import type { SecureContext, SecureContextOptions, TLSSocket } from 'node:tls';
import { lazyTls } from '../../config/lazy-tls.ts';
import type { GatewayTls } from '../../config/model.ts';
import { describeTlsProblems, readTlsMaterial, sameTlsMaterial } from '../../config/tls-material.ts';
import type { Logger } from '../../observability/logger.ts';
import { TlsFileWatcher } from '../tls-file-watcher.ts';

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
  readonly #watcher: TlsFileWatcher;
  #secureContext: SecureContext;
  /** What the current secure context was built from: the last material that was usable. */
  #options: SecureContextOptions;

  constructor(settings: GatewayTls, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger;
    const result = this.#read();
    if (!result.ok) throw new Error(`gateway TLS material is not usable: ${describeTlsProblems(result.problems)}`);
    this.#options = result.options;
    this.#secureContext = result.secureContext;
    const { key, trust } = settings;
    const files = [key.certificateFile, key.privateKeyFile, ...(trust ? [trust.storeFile] : [])];
    this.#watcher = new TlsFileWatcher(files, () => this.#reload(), logger);
  }

  /** The secure context for the current files (SNI selection uses it directly). */
  get secureContext(): SecureContext {
    return this.#secureContext;
  }

  createServer(accept: (socket: Socket) => void): Server {
    const clientAuth = this.#settings.trust?.clientAuth ?? 'NONE';
    const server = lazyTls().createServer(
      {
        ...this.#options,
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
    this.#watcher.start();
  }

  close(): void {
    this.#watcher.close();
  }

  #reload(): void {
    const result = this.#read();
    if (!result.ok) {
      // Keep serving with the previous certificates: a half-written file must not break TLS.
      this.#logger.warn('cannot reload gateway TLS certificates; keeping the previous ones', {
        error: describeTlsProblems(result.problems),
      });
      return;
    }
    if (sameTlsMaterial(result.options, this.#options)) return;
    this.#options = result.options;
    this.#secureContext = result.secureContext;
    for (const server of this.#servers) server.setSecureContext(result.options);
    this.#logger.info('reloaded gateway TLS certificates', { certificateFile: this.#settings.key.certificateFile });
  }

  #read(): ReturnType<typeof readTlsMaterial> {
    const { key, trust } = this.#settings;
    return readTlsMaterial({
      certificateFile: key.certificateFile,
      privateKeyFile: key.privateKeyFile,
      ...(key.password !== undefined ? { password: key.password } : {}),
      ...(trust ? { trustFile: trust.storeFile } : {}),
    });
  }
}
