import { type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../observability/logger.ts';

/** Files change in several writes (editors, certificate managers): act once they settle. */
const SETTLE_MS = 200;

/**
 * Watches the folders of a set of TLS files and calls `onChange` once a burst of changes has
 * settled, so that certificates can be rotated without a restart. Folders rather than files: a
 * file replaced by a rename (an atomic write, a Kubernetes secret update) is a new file, which a
 * watch on the old one would never report. Anything else changing in those folders also calls
 * `onChange`, which therefore has to tell a real change of material from noise.
 */
export class TlsFileWatcher {
  readonly #files: readonly string[];
  readonly #onChange: () => void;
  readonly #logger: Logger;
  readonly #what: string;
  #watchers: FSWatcher[] = [];
  #timer: NodeJS.Timeout | undefined;

  /** `what` names the files in log lines: the configuration watch reuses this class. */
  constructor(files: readonly string[], onChange: () => void, logger: Logger, what = 'TLS files') {
    this.#what = what;
    this.#files = files;
    this.#onChange = onChange;
    this.#logger = logger;
  }

  start(): void {
    for (const folder of new Set(this.#files.map((file) => dirname(file)))) {
      try {
        const watcher = watch(folder, () => this.#schedule());
        watcher.on('error', (error) =>
          this.#logger.warn(`stopped watching ${this.#what}`, { folder, error: error.message }),
        );
        watcher.unref();
        this.#watchers.push(watcher);
      } catch (error) {
        this.#logger.warn(`cannot watch ${this.#what} for changes`, { folder, error: (error as Error).message });
      }
    }
  }

  close(): void {
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(this.#onChange, SETTLE_MS);
    this.#timer.unref();
  }
}
