// `switchyard credentials add --file FILE --user USER`: adds or replaces a user of a
// SaslTermination credential store. The password comes from standard input (never an argument,
// which other users of the machine can read); the file gets salted SCRAM credentials and a scrypt
// hash, never the password. The file is replaced atomically, so a watching proxy sees either the
// old or the new version.

import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  CredentialFileError,
  formatCredentialFile,
  parseCredentialFile,
  type StoredUser,
} from '../security/credential-store.ts';
import { hashPlainPassword, type PlainHash } from '../security/plain.ts';
import {
  MIN_SCRAM_ITERATIONS,
  SCRAM_MECHANISMS,
  type ScramCredential,
  type ScramMechanism,
  scramCredential,
} from '../security/scram.ts';

export const CREDENTIALS_USAGE = `Usage:
  switchyard credentials add --file <file> --user <name> [--iterations <n>] [--mechanisms <list>] [--group <name>]...

Reads the password from standard input (the first line) and writes the user's SCRAM-SHA-256,
SCRAM-SHA-512 and PLAIN hashes into the credential file (created when missing).

Options:
      --file <file>        The credential store (JSON) that SaslTermination's 'credentials' names.
      --user <name>        The user to add or replace.
      --iterations <n>     SCRAM iterations (default 8192, at least ${MIN_SCRAM_ITERATIONS}).
      --mechanisms <list>  Comma-separated subset of PLAIN,SCRAM-SHA-256,SCRAM-SHA-512 (default all).
      --group <name>       A group of the user (repeatable); PrincipalRouter can route by it.
`;

const MECHANISMS = ['PLAIN', ...SCRAM_MECHANISMS] as const;

export interface CredentialsAddOptions {
  readonly file: string;
  readonly user: string;
  readonly iterations: number;
  readonly mechanisms: readonly (typeof MECHANISMS)[number][];
  readonly groups: readonly string[];
}

/** Parses the arguments after `credentials`; a message when they are wrong. */
export function parseCredentialsArguments(argv: readonly string[]): CredentialsAddOptions | string {
  if (argv[0] !== 'add') return `unknown credentials command '${argv[0] ?? ''}' (expected 'add')`;
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv.slice(1)],
      options: {
        file: { type: 'string' },
        user: { type: 'string' },
        iterations: { type: 'string' },
        mechanisms: { type: 'string' },
        group: { type: 'string', multiple: true },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return (error as Error).message;
  }
  const file = values.file as string | undefined;
  const user = values.user as string | undefined;
  if (file === undefined || file === '') return '--file is required';
  if (user === undefined || user === '') return '--user is required';
  const iterations = values.iterations === undefined ? 8192 : Number(values.iterations);
  if (!Number.isInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS) {
    return `--iterations must be an integer of at least ${MIN_SCRAM_ITERATIONS}`;
  }
  const mechanisms = values.mechanisms === undefined ? [...MECHANISMS] : (values.mechanisms as string).split(',');
  for (const mechanism of mechanisms) {
    if (!(MECHANISMS as readonly string[]).includes(mechanism)) {
      return `unknown mechanism '${mechanism}' (${MECHANISMS.join(', ')})`;
    }
  }
  return {
    file,
    user,
    iterations,
    mechanisms: mechanisms as CredentialsAddOptions['mechanisms'],
    groups: (values.group as string[] | undefined) ?? [],
  };
}

/** The user entry for `password` (every requested hash computed here). */
export async function credentialsFor(options: CredentialsAddOptions, password: string): Promise<StoredUser> {
  const scram = new Map<ScramMechanism, ScramCredential>();
  for (const mechanism of SCRAM_MECHANISMS) {
    if (options.mechanisms.includes(mechanism)) {
      scram.set(mechanism, scramCredential(mechanism, password, options.iterations, randomBytes(32)));
    }
  }
  const plain: PlainHash | undefined = options.mechanisms.includes('PLAIN')
    ? await hashPlainPassword(password)
    : undefined;
  return { name: options.user, groups: options.groups, scram, plain };
}

/** Adds (or replaces) the user in the file; returns the number of users it holds now. */
export async function addCredentials(options: CredentialsAddOptions, password: string): Promise<number> {
  let users = new Map<string, StoredUser>();
  try {
    users = parseCredentialFile(await readFile(options.file, 'utf8'), options.file);
  } catch (error) {
    if (error instanceof CredentialFileError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  users.set(options.user, await credentialsFor(options, password));
  const temporary = `${options.file}.${process.pid}.tmp`;
  await writeFile(temporary, formatCredentialFile(users.values()), { mode: 0o600 });
  await rename(temporary, options.file);
  return users.size;
}

/** Reads the password: the first line of standard input, without its line end. */
async function readPassword(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk as Buffer));
  const text = Buffer.concat(chunks).toString('utf8');
  const end = text.search(/\r?\n/);
  return end < 0 ? text : text.slice(0, end);
}

/** Runs the command; returns the exit code. */
export async function runCredentials(
  argv: readonly string[],
  io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(CREDENTIALS_USAGE);
    return 0;
  }
  const options = parseCredentialsArguments(argv);
  if (typeof options === 'string') {
    io.stderr.write(`switchyard credentials: ${options}\n\n${CREDENTIALS_USAGE}`);
    return 1;
  }
  const password = await readPassword(io.stdin);
  if (password === '') {
    io.stderr.write('switchyard credentials: no password on standard input\n');
    return 1;
  }
  try {
    const count = await addCredentials(options, password);
    io.stdout.write(`${options.file}: user '${options.user}' written (${count} users)\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`switchyard credentials: ${(error as Error).message}\n`);
    return 1;
  }
}
