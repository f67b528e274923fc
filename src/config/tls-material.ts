// Reading TLS files into the options of a secure context, and deciding whether they are usable:
// files readable, certificates parseable, keys decryptable with the configured password and
// matching their certificate, trust stores holding certificates. The configuration loader reports
// the problems at the YAML keys that name the files; the proxy uses the same function when it
// (re)loads the files at run time, so "usable" means the same thing at both moments.

import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SecureContext, SecureContextOptions } from 'node:tls';
import { lazyTls } from './lazy-tls.ts';

/** The TLS files of one side of the proxy (absolute paths), as in the configuration model. */
export interface TlsFiles {
  /** Certificate chain (PEM), leaf first. With `privateKeyFile`, or neither. */
  readonly certificateFile?: string;
  readonly privateKeyFile?: string;
  /** Passphrase of an encrypted private key. Never appears in a message. */
  readonly password?: string;
  /** CA certificates (PEM) to verify the peer with. */
  readonly trustFile?: string;
}

/** Which configured file a problem is about. */
export type TlsFileRole = 'certificateFile' | 'privateKeyFile' | 'trustFile';

export interface TlsProblem {
  readonly role: TlsFileRole;
  readonly message: string;
}

export type TlsMaterialResult =
  | { readonly ok: true; readonly options: SecureContextOptions; readonly secureContext: SecureContext }
  | { readonly ok: false; readonly problems: readonly TlsProblem[] };

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads and checks the files, returning the secure context built from them and its options, or
 * every problem found. Synchronous: it runs at configuration load and on a
 * file change, never per connection.
 */
export function readTlsMaterial(files: TlsFiles): TlsMaterialResult {
  const problems: TlsProblem[] = [];
  const read = (role: TlsFileRole, noun: string, file: string): Buffer | undefined => {
    try {
      return readFileSync(file);
    } catch (error) {
      problems.push({ role, message: `Cannot read ${noun} '${file}': ${fileError(error)}` });
      return undefined;
    }
  };

  let leaf: X509Certificate | undefined;
  let cert: Buffer | undefined;
  if (files.certificateFile !== undefined) {
    cert = read('certificateFile', 'TLS certificate file', files.certificateFile);
    if (cert !== undefined) {
      leaf = parseCertificates(cert, 'certificateFile', `TLS certificate file '${files.certificateFile}'`, problems)[0];
    }
  }

  let key: Buffer | undefined;
  let keyObject: KeyObject | undefined;
  if (files.privateKeyFile !== undefined) {
    key = read('privateKeyFile', 'TLS private key file', files.privateKeyFile);
    if (key !== undefined) keyObject = parsePrivateKey(key, files.privateKeyFile, files.password, problems);
  }
  if (leaf !== undefined && keyObject !== undefined && !leaf.checkPrivateKey(keyObject)) {
    problems.push({
      role: 'privateKeyFile',
      message: `TLS private key file '${files.privateKeyFile}' does not match the certificate in '${files.certificateFile}'`,
    });
  }

  let ca: Buffer | undefined;
  if (files.trustFile !== undefined) {
    ca = read('trustFile', 'TLS trust store file', files.trustFile);
    if (ca !== undefined) parseCertificates(ca, 'trustFile', `TLS trust store file '${files.trustFile}'`, problems);
  }

  if (problems.length > 0) return { ok: false, problems };
  const options: SecureContextOptions = {
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(files.password !== undefined ? { passphrase: files.password } : {}),
    ...(ca !== undefined ? { ca } : {}),
  };
  // The checks above give precise messages; building the context is the final word on whether
  // OpenSSL takes the material (an unsupported key type, for instance).
  try {
    return { ok: true, options, secureContext: lazyTls().createSecureContext(options) };
  } catch (error) {
    const role: TlsFileRole = key !== undefined ? 'privateKeyFile' : ca !== undefined ? 'trustFile' : 'certificateFile';
    return { ok: false, problems: [{ role, message: `TLS material is not usable: ${(error as Error).message}` }] };
  }
}

/** Every problem in one line, for logs and error messages at run time. */
export function describeTlsProblems(problems: readonly TlsProblem[]): string {
  return problems.map((p) => p.message).join('; ');
}

function fileError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'the file does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory, not a file';
    default:
      return (error as Error).message;
  }
}

/** Parses every PEM certificate of a file; reports a file with none or with one that does not parse. */
function parseCertificates(pem: Buffer, role: TlsFileRole, subject: string, problems: TlsProblem[]): X509Certificate[] {
  const blocks = pem.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    problems.push({ role, message: `${subject} holds no PEM certificate ('-----BEGIN CERTIFICATE-----')` });
    return [];
  }
  const certificates: X509Certificate[] = [];
  for (const [index, block] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(block));
    } catch (error) {
      const which = blocks.length === 1 ? 'its certificate' : `certificate ${index + 1} of ${blocks.length}`;
      problems.push({ role, message: `${subject}: ${which} cannot be parsed: ${(error as Error).message}` });
      return [];
    }
  }
  return certificates;
}

function parsePrivateKey(
  pem: Buffer,
  file: string,
  password: string | undefined,
  problems: TlsProblem[],
): KeyObject | undefined {
  const subject = `TLS private key file '${file}'`;
  const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/.test(pem.toString('latin1'));
  if (encrypted && password === undefined) {
    problems.push({ role: 'privateKeyFile', message: `${subject} is encrypted, but no password is configured` });
    return undefined;
  }
  try {
    // An empty passphrase for an unencrypted key is ignored; for an encrypted one it fails below.
    return createPrivateKey({ key: pem, format: 'pem', passphrase: password ?? '' });
  } catch (error) {
    // The password never appears: OpenSSL's reason ("bad decrypt") is enough to act on.
    const message = encrypted
      ? `${subject} cannot be decrypted with the configured password (${(error as Error).message})`
      : `${subject} holds no usable PEM private key (${(error as Error).message})`;
    problems.push({ role: 'privateKeyFile', message });
    return undefined;
  }
}

/** Whether two results of readTlsMaterial() hold the same bytes: a touched file is no rotation. */
export function sameTlsMaterial(a: SecureContextOptions, b: SecureContextOptions): boolean {
  const same = (x: unknown, y: unknown): boolean =>
    x === y || (Buffer.isBuffer(x) && Buffer.isBuffer(y) && x.equals(y));
  return same(a.cert, b.cert) && same(a.key, b.key) && same(a.ca, b.ca) && a.passphrase === b.passphrase;
}
