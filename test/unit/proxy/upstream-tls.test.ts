// The TLS material of an upstream cluster: loaded once, presented by every connection, reloaded
// when its files change, and kept when a change makes it unusable (issue 12 fault 1). The peer is
// a real TLS server that requires a client certificate and reports which one it got.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createServer, type TLSSocket } from 'node:tls';
import type { UpstreamTls } from '../../../src/config/model.ts';
import { StructuredLogger } from '../../../src/observability/logger.ts';
import { UpstreamConnection } from '../../../src/proxy/upstream/upstream-connection.ts';
import { UpstreamTlsMaterial } from '../../../src/proxy/upstream/upstream-tls.ts';
import { createCertificateAuthority, type IssuedCertificate, issueCertificate } from '../../../testbed/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-upstream-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ca = createCertificateAuthority(join(dir, 'ca'), 'switchyard-upstream-tls-test-ca');
const issued = join(dir, 'issued');
const broker = issueCertificate(ca, issued, 'broker');
const first = issueCertificate(ca, issued, 'first');
const second = issueCertificate(ca, issued, 'second');

/** The files the configuration names, in a folder of their own; tests copy issued ones over them. */
const active = join(dir, 'active');
mkdirSync(active);
const certificateFile = join(active, 'client.pem');
const privateKeyFile = join(active, 'client-key.pem');
const settings: UpstreamTls = {
  trust: { storeFile: ca.certFile, insecure: false },
  key: { certificateFile, privateKeyFile },
};

function install(certificate: IssuedCertificate, parts: 'certificate and key' | 'key only'): void {
  if (parts === 'certificate and key') copyFileSync(certificate.certFile, certificateFile);
  copyFileSync(certificate.keyFile, privateKeyFile);
}

/** A logger that keeps its lines and lets a test wait for a message. */
function recordingLogger() {
  const waiting = new Map<string, (line: Record<string, unknown>) => void>();
  const logger = new StructuredLogger({
    level: 'debug',
    format: 'json',
    sink: {
      write: (text: string) => {
        const line = JSON.parse(text) as Record<string, unknown>;
        waiting.get(String(line.msg))?.(line);
        waiting.delete(String(line.msg));
      },
    },
  });
  const next = (message: string): Promise<Record<string, unknown>> =>
    new Promise((resolve) => waiting.set(message, resolve));
  return { logger, next };
}

// The peer: a TLS server that requires a client certificate from the test CA, and hands the
// common name of each client certificate it accepts to whoever waits for the next connection.
const clients: ((commonName: string) => void)[] = [];
const peer = createServer(
  {
    cert: readFileSync(broker.certFile),
    key: readFileSync(broker.keyFile),
    ca: readFileSync(ca.certFile),
    requestCert: true,
    rejectUnauthorized: true,
  },
  (socket: TLSSocket) => {
    clients.shift()?.(String(socket.getPeerCertificate().subject?.CN));
    socket.end();
  },
);
peer.listen(0, '127.0.0.1');
await once(peer, 'listening');
after(() => peer.close());
const peerAddress = peer.address();
assert.ok(peerAddress && typeof peerAddress !== 'string');

/** Opens one upstream connection with `material` and returns the certificate name the peer saw. */
async function presentedBy(material: UpstreamTlsMaterial): Promise<string> {
  const seen = new Promise<string>((resolve) => clients.push(resolve));
  const connection = new UpstreamConnection({
    address: { host: '127.0.0.1', port: (peerAddress as { port: number }).port },
    tls: material,
    maxFrameBytes: 1024,
    connectTimeoutMs: 5000,
    observer: { onWriteBackpressure: () => {}, onClosed: () => {} },
  });
  const name = await seen;
  connection.close();
  return name;
}

test('every connection presents the client certificate loaded once, even after the files are gone', async () => {
  install(first, 'certificate and key');
  const material = UpstreamTlsMaterial.load('secure', settings, recordingLogger().logger);
  rmSync(privateKeyFile);
  assert.equal(await presentedBy(material), 'first');
  assert.equal(await presentedBy(material), 'first');
});

test('material that is not usable at load fails with every reason', () => {
  install(first, 'certificate and key');
  install(second, 'key only');
  assert.throws(
    () => UpstreamTlsMaterial.load('secure', settings, recordingLogger().logger),
    new RegExp(
      `^Error: the TLS material of cluster 'secure' is not usable: TLS private key file '${privateKeyFile}' does not match the certificate in '${certificateFile}'$`,
    ),
  );
});

test('issue 12 fault 1: a rotation to a key that does not match keeps the last good material and logs why', async (t) => {
  install(first, 'certificate and key');
  const { logger, next } = recordingLogger();
  const material = UpstreamTlsMaterial.load('secure', settings, logger);
  material.watchFiles();
  t.after(() => material.close());
  const kept = next('cannot reload upstream TLS material; keeping the previous material');
  install(second, 'key only');
  const warning = await kept;
  assert.equal(warning.level, 'warn');
  assert.equal(warning.cluster, 'secure');
  assert.match(String(warning.reason), /does not match the certificate/);
  assert.equal(await presentedBy(material), 'first', 'new connections still use the last good material');
});

test('a rotation to usable material is used by the next connection', async (t) => {
  install(first, 'certificate and key');
  const { logger, next } = recordingLogger();
  const material = UpstreamTlsMaterial.load('secure', settings, logger);
  material.watchFiles();
  t.after(() => material.close());
  assert.equal(await presentedBy(material), 'first');
  const reloaded = next('reloaded upstream TLS material');
  install(second, 'certificate and key');
  await reloaded;
  assert.equal(await presentedBy(material), 'second');
});
