// Certificates for TLS listeners and clients, generated at runtime with `openssl` into a cluster's
// own folder: a throwaway CA per cluster, and certificates it signs for 127.0.0.1 / localhost.
// EC P-256 keys because they are generated instantly; keys are unencrypted PKCS#8 PEM, which
// Kafka reads directly (ssl.keystore.type=PEM) as do kafkajs, librdkafka and Node.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificateAuthority {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface IssuedCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The private key followed by the certificate and the CA: what a Java PEM keystore reads. */
  readonly keystoreFile: string;
}

const validDays = '30';

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function ecKeyArgs(): string[] {
  return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
}

export function createCertificateAuthority(dir: string, commonName: string): CertificateAuthority {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca-key.pem');
  openssl([
    'req',
    '-x509',
    ...ecKeyArgs(),
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    validDays,
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certFile, keyFile };
}

/**
 * Issues a certificate for 127.0.0.1 and localhost (plus `extraDnsNames`, e.g. `*.vc.example.test`
 * for an SNI gateway), usable by servers and clients alike.
 */
export function issueCertificate(
  ca: CertificateAuthority,
  dir: string,
  name: string,
  extraDnsNames: readonly string[] = [],
): IssuedCertificate {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}-key.pem`);
  const keystoreFile = join(dir, `${name}-keystore.pem`);
  const csrFile = join(dir, `${name}.csr`);
  const extensionsFile = join(dir, `${name}.ext`);
  writeFileSync(
    extensionsFile,
    [
      `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost', ...extraDnsNames.map((dns) => `DNS:${dns}`)].join(',')}`,
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth,clientAuth',
      '',
    ].join('\n'),
  );
  openssl(['req', '-new', ...ecKeyArgs(), '-keyout', keyFile, '-out', csrFile, '-subj', `/CN=${name}`]);
  openssl([
    'x509',
    '-req',
    '-in',
    csrFile,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    validDays,
    '-extfile',
    extensionsFile,
    '-out',
    certFile,
  ]);
  rmSync(csrFile);
  rmSync(extensionsFile);
  writeFileSync(
    keystoreFile,
    `${[keyFile, certFile, ca.certFile].map((file) => readFileSync(file, 'utf8').trimEnd()).join('\n')}\n`,
  );
  return { certFile, keyFile, keystoreFile };
}
