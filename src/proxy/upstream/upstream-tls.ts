import type { SecureContext, SecureContextOptions } from 'node:tls';
import type { UpstreamTls } from '../../config/model.ts';
import { describeTlsProblems, readTlsMaterial, sameTlsMaterial, type TlsFiles } from '../../config/tls-material.ts';
import type { Logger } from '../../observability/logger.ts';
import { TlsFileWatcher } from '../tls-file-watcher.ts';

/** What an upstream connection needs for TLS: a secure context built already, and whether to verify. */
export interface UpstreamTlsOptions {
  /** Read when a connection starts: connections opened after a rotation use the new material. */
  readonly secureContext: SecureContext;
  /** Skip certificate verification. For tests only; the configuration loader warns about it. */
  readonly insecure: boolean;
}

/**
 * The TLS material of one upstream cluster, loaded once and shared by every connection to it
 * rather than read and parsed per connection. When a certificate, key or trust file changes on
 * disk it is reloaded; material that is not usable (a key that does not decrypt or does not match
 * its certificate, a half-written file) is logged and the last good material stays in use, so a
 * bad rotation never fails a connection that the previous material could make.
 */
export class UpstreamTlsMaterial implements UpstreamTlsOptions {
  readonly insecure: boolean;
  readonly #cluster: string;
  readonly #files: TlsFiles;
  readonly #logger: Logger;
  readonly #watcher: TlsFileWatcher;
  #secureContext: SecureContext;
  /** What the current secure context was built from, to tell a real change from a touch. */
  #loaded: SecureContextOptions;

  /** Loads the material of a cluster's `tls` settings; throws, with every reason, if it is not usable. */
  static load(cluster: string, settings: UpstreamTls, logger: Logger): UpstreamTlsMaterial {
    return new UpstreamTlsMaterial(cluster, settings, logger);
  }

  private constructor(cluster: string, settings: UpstreamTls, logger: Logger) {
    this.#cluster = cluster;
    this.#logger = logger;
    this.insecure = settings.trust?.insecure ?? false;
    const { key, trust } = settings;
    this.#files = {
      ...(key !== undefined ? { certificateFile: key.certificateFile, privateKeyFile: key.privateKeyFile } : {}),
      ...(key?.password !== undefined ? { password: key.password } : {}),
      ...(trust?.storeFile !== undefined ? { trustFile: trust.storeFile } : {}),
    };
    const result = readTlsMaterial(this.#files);
    if (!result.ok) {
      throw new Error(
        `the TLS material of cluster '${cluster}' is not usable: ${describeTlsProblems(result.problems)}`,
      );
    }
    this.#loaded = result.options;
    this.#secureContext = result.secureContext;
    const { certificateFile, privateKeyFile, trustFile } = this.#files;
    const files = [certificateFile, privateKeyFile, trustFile].filter((file) => file !== undefined);
    this.#watcher = new TlsFileWatcher(files, () => this.#reload(), logger);
  }

  get secureContext(): SecureContext {
    return this.#secureContext;
  }

  /** Starts watching the certificate, key and trust files for changes. */
  watchFiles(): void {
    this.#watcher.start();
  }

  /** Stops watching; the current secure context stays usable for connections still opening. */
  close(): void {
    this.#watcher.close();
  }

  #reload(): void {
    const result = readTlsMaterial(this.#files);
    if (!result.ok) {
      this.#logger.warn('cannot reload upstream TLS material; keeping the previous material', {
        cluster: this.#cluster,
        reason: describeTlsProblems(result.problems),
      });
      return;
    }
    if (sameTlsMaterial(result.options, this.#loaded)) return;
    this.#secureContext = result.secureContext;
    this.#loaded = result.options;
    this.#logger.info('reloaded upstream TLS material', { cluster: this.#cluster });
  }
}
