// The credential store of SaslTermination: a JSON file of users, each with salted SCRAM
// credentials and a scrypt hash for PLAIN (never a password), and optional groups. The file is
// watched: a change that parses replaces the users, one that does not is logged and the last
// good users stay (docs/security.md#credential-store).

import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '../observability/logger.ts';
import type { PlainHash } from './plain.ts';
import { MIN_SCRAM_ITERATIONS, SCRAM_MECHANISMS, type ScramCredential, type ScramMechanism } from './scram.ts';

/** One user of the store. */
export interface StoredUser {
  readonly name: string;
  readonly groups: readonly string[];
  readonly scram: ReadonlyMap<ScramMechanism, ScramCredential>;
  readonly plain: PlainHash | undefined;
}

/** A credential file that cannot be used; the message names the file and the offending key, never a value. */
export class CredentialFileError extends Error {
  override readonly name = 'CredentialFileError';
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses the text of a credential file; throws CredentialFileError naming `file` and the key. */
export function parseCredentialFile(text: string, file: string): Map<string, StoredUser> {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the fault: hashes must not reach the logs.
    throw new CredentialFileError(`${file}: not valid JSON`);
  }
  const fail = (where: string, what: string): never => {
    throw new CredentialFileError(`${file}: ${where}: ${what}`);
  };
  if (!isObject(root) || !isObject(root.users)) fail('(top level)', 'expected an object with a "users" object');
  const users = new Map<string, StoredUser>();
  for (const [name, entry] of Object.entries((root as { users: Json }).users)) {
    const at = `users.${JSON.stringify(name)}`;
    if (name === '') fail(at, 'a user name must not be empty');
    if (!isObject(entry)) fail(at, 'expected an object');
    const user = entry as Json;
    for (const key of Object.keys(user)) {
      if (key !== 'groups' && key !== 'PLAIN' && !(SCRAM_MECHANISMS as readonly string[]).includes(key)) {
        fail(`${at}.${key}`, 'unknown key (groups, PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)');
      }
    }
    const groups = user.groups ?? [];
    if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string' || g === '')) {
      fail(`${at}.groups`, 'expected an array of non-empty strings');
    }
    const scram = new Map<ScramMechanism, ScramCredential>();
    for (const mechanism of SCRAM_MECHANISMS) {
      const raw = user[mechanism];
      if (raw === undefined) continue;
      const where = `${at}.${mechanism}`;
      if (!isObject(raw)) fail(where, 'expected an object');
      const value = raw as Json;
      const iterations = value.iterations;
      if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS) {
        fail(`${where}.iterations`, `expected an integer of at least ${MIN_SCRAM_ITERATIONS}`);
      }
      const bytes = mechanism === 'SCRAM-SHA-256' ? 32 : 64;
      scram.set(mechanism, {
        salt: base64Of(value.salt, `${where}.salt`, undefined, fail),
        iterations: iterations as number,
        storedKey: base64Of(value.storedKey, `${where}.storedKey`, bytes, fail),
        serverKey: base64Of(value.serverKey, `${where}.serverKey`, bytes, fail),
      });
    }
    let plain: PlainHash | undefined;
    if (user.PLAIN !== undefined) {
      const value = user.PLAIN;
      const where = `${at}.PLAIN`;
      if (!isObject(value)) fail(where, 'expected an object');
      const p = value as Json;
      if (p.algorithm !== 'scrypt') fail(`${where}.algorithm`, 'expected "scrypt"');
      for (const key of ['n', 'r', 'p'] as const) {
        const v = p[key];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
          fail(`${where}.${key}`, 'expected a positive integer');
      }
      const n = p.n as number;
      if ((n & (n - 1)) !== 0 || n < 1024 || n > 1 << 20)
        fail(`${where}.n`, 'expected a power of two from 1024 to 2^20');
      plain = {
        algorithm: 'scrypt',
        n,
        r: p.r as number,
        p: p.p as number,
        salt: base64Of(p.salt, `${where}.salt`, undefined, fail),
        hash: base64Of(p.hash, `${where}.hash`, undefined, fail),
      };
    }
    users.set(name, { name, groups: Object.freeze([...(groups as string[])]), scram, plain });
  }
  return users;
}

function base64Of(value: unknown, where: string, bytes: number | undefined, fail: (w: string, m: string) => never) {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) fail(where, 'expected base64 text');
  const buffer = Buffer.from(value as string, 'base64');
  if (buffer.length < 8 || (bytes !== undefined && buffer.length !== bytes)) {
    fail(where, bytes === undefined ? 'too short' : `expected ${bytes} bytes`);
  }
  return buffer;
}

/** The JSON text of a credential file with `users` (what `switchyard credentials add` writes). */
export function formatCredentialFile(users: Iterable<StoredUser>): string {
  const out: Record<string, Json> = {};
  for (const user of [...users].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const entry: Json = {};
    if (user.groups.length > 0) entry.groups = [...user.groups];
    for (const [mechanism, c] of user.scram) {
      entry[mechanism] = {
        salt: c.salt.toString('base64'),
        iterations: c.iterations,
        storedKey: c.storedKey.toString('base64'),
        serverKey: c.serverKey.toString('base64'),
      };
    }
    if (user.plain !== undefined) {
      const p = user.plain;
      entry.PLAIN = {
        algorithm: p.algorithm,
        n: p.n,
        r: p.r,
        p: p.p,
        salt: p.salt.toString('base64'),
        hash: p.hash.toString('base64'),
      };
    }
    out[user.name] = entry;
  }
  return `${JSON.stringify({ users: out }, null, 2)}\n`;
}

export type ReloadOutcome =
  | { readonly ok: true; readonly users: number }
  | { readonly ok: false; readonly error: string };

/** Reloads are debounced: editors write a file in several steps. */
const RELOAD_DEBOUNCE_MS = 100;

/**
 * A credential file, loaded once and watched. Lookups always answer from the last good version.
 * Users of one store are shared by every session of the filter definition that opened it.
 */
export class CredentialStore {
  readonly file: string;
  #users: ReadonlyMap<string, StoredUser>;
  readonly #logger: Logger;
  #watcher: FSWatcher | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #listeners = new Set<(outcome: ReloadOutcome) => void>();

  private constructor(file: string, users: ReadonlyMap<string, StoredUser>, logger: Logger) {
    this.file = file;
    this.#users = users;
    this.#logger = logger;
  }

  /** Loads `file` (throws CredentialFileError when it is unusable) and starts watching its folder. */
  static async open(file: string, logger: Logger): Promise<CredentialStore> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new CredentialFileError(
        `${file}: cannot read the credential store (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const store = new CredentialStore(file, parseCredentialFile(text, file), logger);
    store.#watch();
    return store;
  }

  get size(): number {
    return this.#users.size;
  }

  user(name: string): StoredUser | undefined {
    return this.#users.get(name);
  }

  /** Calls `listener` after every reload attempt; returns the unsubscribe function. */
  onReload(listener: (outcome: ReloadOutcome) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }

  // The folder, not the file: an editor's or a secret mount's atomic rename replaces the file's inode.
  #watch(): void {
    const name = basename(this.file);
    this.#watcher = watch(dirname(this.file), (_event, changed) => {
      if (changed !== null && changed !== name && !changed.startsWith('..')) return;
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => void this.#reload(), RELOAD_DEBOUNCE_MS);
    });
    this.#watcher.on('error', (error) => {
      this.#logger.warn('credential store watch failed; changes are no longer picked up', {
        file: this.file,
        error: error.message,
      });
    });
  }

  async #reload(): Promise<void> {
    this.#timer = undefined;
    let outcome: ReloadOutcome;
    try {
      const users = parseCredentialFile(await readFile(this.file, 'utf8'), this.file);
      this.#users = users;
      outcome = { ok: true, users: users.size };
      this.#logger.info('credential store reloaded', { file: this.file, users: users.size });
    } catch (error) {
      const message =
        error instanceof CredentialFileError
          ? error.message
          : `${this.file}: cannot read the credential store (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
      outcome = { ok: false, error: message };
      this.#logger.warn('credential store not reloaded; the last good version stays in use', { error: message });
    }
    for (const listener of this.#listeners) listener(outcome);
  }
}
