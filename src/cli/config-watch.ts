// `switchyard run --watch`: a reload when the configuration file, or a file it names whose change
// needs one, changes on disk. The folders are watched, not the files: editors and Kubernetes
// replace files by renaming (a ConfigMap update swaps a symbolic link to a new folder), which a
// watch on the old file would never see.
//
// No change may be lost between a load and the watch that follows it: the files are recorded
// *before* each load (baseline()), and every (re)start of the watch compares the disk with that
// record at once. A change made while the proxy started or reloaded therefore causes a reload,
// even though no folder event arrived after the watch began; at worst a change made between the
// record and the load costs one reload that finds nothing to do.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ProxyConfigurationModel } from '../config/model.ts';
import { namedFiles } from '../config/named-files.ts';
import type { Logger } from '../observability/logger.ts';
import { TlsFileWatcher } from '../proxy/tls-file-watcher.ts';

export class ConfigurationWatch {
  readonly #file: string;
  readonly #logger: Logger;
  #onChange: () => void = () => {};
  #files: readonly string[];
  #watcher: TlsFileWatcher | null = null;
  /** Each file's contents as last recorded: events that change none of them do not reload. */
  #snapshot = new Map<string, string>();
  #closed = false;

  constructor(file: string, logger: Logger) {
    this.#file = resolve(file);
    this.#files = [this.#file];
    this.#logger = logger;
  }

  /** Records the watched files as they are now; called before the configuration is (re)loaded. */
  async baseline(): Promise<void> {
    this.#snapshot = await this.#read(this.#files);
  }

  /**
   * Starts (or restarts, after a reload changed the files named) watching the files of `model`,
   * calling `onChange` when they differ from the record; then compares them once at once.
   */
  async watch(model: ProxyConfigurationModel, onChange: () => void): Promise<void> {
    const named = namedFiles(model);
    const files = [this.#file, ...named.filter((file) => !file.rotatesInPlace).map((file) => file.path)];
    const added = await this.#read(files.filter((file) => !this.#snapshot.has(file)));
    if (this.#closed) return;
    // Files no longer named are forgotten: named again later, they are read afresh.
    this.#snapshot = new Map(files.map((file) => [file, this.#snapshot.get(file) ?? (added.get(file) as string)]));
    this.#files = files;
    this.#onChange = onChange;
    this.#watcher?.close();
    this.#watcher = new TlsFileWatcher(files, () => void this.#check(), this.#logger, 'the configuration files');
    this.#watcher.start();
    this.#logger.info('watching the configuration for changes', {
      files,
      rotatedWithoutReload: named.filter((file) => file.rotatesInPlace).map((file) => file.path),
    });
    await this.#check();
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = null;
  }

  async #check(): Promise<void> {
    const files = this.#files;
    const now = await this.#read(files);
    if (this.#closed || files.every((file) => now.get(file) === this.#snapshot.get(file))) return;
    this.#snapshot = now;
    this.#onChange();
  }

  /** A file that cannot be read (in the middle of a swap) counts as changed; the reload says why. */
  async #read(files: readonly string[]): Promise<Map<string, string>> {
    const contents = await Promise.all(
      files.map((file) => readFile(file, 'utf8').catch((error: Error) => `unreadable: ${error.message}`)),
    );
    return new Map(files.map((file, index) => [file, contents[index] as string]));
  }
}
