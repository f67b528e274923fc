// `switchyard run --watch`: a reload when the configuration file, or a file it names whose change
// needs one, changes on disk. The folders are watched, not the files: editors and Kubernetes
// replace files by renaming (a ConfigMap update swaps a symbolic link to a new folder), which a
// watch on the old file would never see.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ProxyConfigurationModel } from '../config/model.ts';
import { namedFiles } from '../config/named-files.ts';
import type { Logger } from '../observability/logger.ts';
import { TlsFileWatcher } from '../proxy/tls-file-watcher.ts';

export class ConfigurationWatch {
  readonly #file: string;
  readonly #onChange: () => void;
  readonly #logger: Logger;
  #files: readonly string[] = [];
  #watcher: TlsFileWatcher | null = null;
  /** The contents last seen: folder events that change nothing in these files do not reload. */
  #snapshot = '';

  constructor(file: string, onChange: () => void, logger: Logger) {
    this.#file = resolve(file);
    this.#onChange = onChange;
    this.#logger = logger;
  }

  /** Starts (or restarts, after a reload changed the files named) watching for `model`. */
  async watch(model: ProxyConfigurationModel): Promise<void> {
    const named = namedFiles(model);
    this.#files = [this.#file, ...named.filter((file) => !file.rotatesInPlace).map((file) => file.path)];
    this.#snapshot = await this.#read();
    this.#watcher?.close();
    this.#watcher = new TlsFileWatcher(this.#files, () => void this.#check(), this.#logger, 'the configuration files');
    this.#watcher.start();
    this.#logger.info('watching the configuration for changes', {
      files: this.#files,
      rotatedWithoutReload: named.filter((file) => file.rotatesInPlace).map((file) => file.path),
    });
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = null;
  }

  async #check(): Promise<void> {
    const snapshot = await this.#read();
    if (snapshot === this.#snapshot) return;
    this.#snapshot = snapshot;
    this.#onChange();
  }

  /** A file that cannot be read (in the middle of a swap) counts as changed; the reload says why. */
  async #read(): Promise<string> {
    const parts = await Promise.all(
      this.#files.map((file) => readFile(file, 'utf8').catch((error: Error) => `unreadable: ${error.message}`)),
    );
    return parts.join('\0');
  }
}
