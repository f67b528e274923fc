// Where the proxy's own upstream credentials come from: a file, read again at every use so that
// replacing it rotates the secret without a restart, or an environment variable. Never inline in
// the configuration, and never in a message.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export type SecretSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'env'; readonly name: string };

/** Trailing line breaks are not part of a secret (files written by `echo`, Kubernetes secrets). */
function trimmed(text: string): string {
  return text.replace(/[\r\n]+$/, '');
}

/** The secret's current value; rejects naming the file or variable, never the value. */
export async function readSecret(source: SecretSource): Promise<string> {
  if (source.kind === 'env') return checkedEnv(source.name);
  let text: string;
  try {
    text = await readFile(source.path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the secret file '${source.path}': ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const value = trimmed(text);
  if (value.length === 0) throw new Error(`the secret file '${source.path}' is empty`);
  return value;
}

/** Checks at start-up that the secret can be read (what readSecret() would fail with later). */
export function checkSecret(source: SecretSource): void {
  if (source.kind === 'env') {
    checkedEnv(source.name);
    return;
  }
  let text: string;
  try {
    text = readFileSync(source.path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read the secret file '${source.path}': ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  if (trimmed(text).length === 0) throw new Error(`the secret file '${source.path}' is empty`);
}

function checkedEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.length === 0) throw new Error(`the environment variable '${name}' is not set`);
  return value;
}
