// Client certificates with a chosen subject and subject alternative names, for tests of mTLS
// principals: signed by a testbed CA (the gateway trusts it), or self-signed when only the DER
// matters. Generated with `openssl` like the testbed's own certificates.
import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CertificateAuthority } from '../../testbed/index.ts';

export interface ClientCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate's DER, as a gateway's peer certificate carries it (`raw`). */
  readonly der: Buffer;
}

export interface ClientCertificateOptions {
  /** openssl's `-subj` form, most general first: `/O=Acme/OU=Payments/CN=alice`. */
  readonly subject: string;
  /** openssl's subjectAltName entries: `DNS:…`, `URI:…`, `email:…`. */
  readonly altNames?: readonly string[];
  /** Signs the certificate; self-signed without. */
  readonly ca?: CertificateAuthority;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Writes `<name>.pem` and `<name>-key.pem` into `dir`. */
export function clientCertificate(dir: string, name: string, options: ClientCertificateOptions): ClientCertificate {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile];
  const subject = ['-utf8', '-multivalue-rdn', '-subj', options.subject];
  if (options.ca === undefined) {
    const altNames = options.altNames?.length ? ['-addext', `subjectAltName=${options.altNames.join(',')}`] : [];
    openssl(['req', '-x509', ...key, ...subject, ...altNames, '-days', '2', '-out', certFile]);
  } else {
    const csrFile = join(dir, `${name}.csr`);
    const extensionsFile = join(dir, `${name}.ext`);
    writeFileSync(
      extensionsFile,
      [
        ...(options.altNames?.length ? [`subjectAltName=${options.altNames.join(',')}`] : []),
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=clientAuth',
        '',
      ].join('\n'),
    );
    openssl(['req', '-new', ...key, ...subject, '-out', csrFile]);
    openssl([
      'x509',
      '-req',
      '-in',
      csrFile,
      '-CA',
      options.ca.certFile,
      '-CAkey',
      options.ca.keyFile,
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      '2',
      '-extfile',
      extensionsFile,
      '-out',
      certFile,
    ]);
    rmSync(csrFile);
    rmSync(extensionsFile);
  }
  return { certFile, keyFile, der: new X509Certificate(readFileSync(certFile)).raw };
}
