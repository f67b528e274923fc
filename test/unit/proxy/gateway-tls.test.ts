// Rotating a gateway's certificate at run time: usable material is served to the next client,
// unusable material is logged and the previous certificate kept (issue 12 fault 1, client side).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connect } from 'node:tls';
import type { GatewayTls } from '../../../src/config/model.ts';
import { StructuredLogger } from '../../../src/observability/logger.ts';
import { GatewayTlsContext } from '../../../src/proxy/gateway/gateway-tls.ts';
import { createCertificateAuthority, type IssuedCertificate, issueCertificate } from '../../../testbed/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-gateway-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ca = createCertificateAuthority(join(dir, 'ca'), 'switchyard-gateway-tls-test-ca');
const first = issueCertificate(ca, join(dir, 'issued'), 'first');
const second = issueCertificate(ca, join(dir, 'issued'), 'second');

const active = join(dir, 'active');
mkdirSync(active);
const settings: GatewayTls = {
  key: { certificateFile: join(active, 'gateway.pem'), privateKeyFile: join(active, 'gateway-key.pem') },
};

/** Puts an issued certificate (or only its key) in place the way a certificate manager does: by renames. */
function install(certificate: IssuedCertificate, parts: 'certificate and key' | 'key only'): void {
  const replace = (from: string, to: string): void => {
    copyFileSync(from, `${to}.new`);
    renameSync(`${to}.new`, to);
  };
  if (parts === 'certificate and key') replace(certificate.certFile, settings.key.certificateFile);
  replace(certificate.keyFile, settings.key.privateKeyFile);
}

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

/** Starts a gateway TLS server and returns a function giving the certificate name a client sees. */
async function gateway(context: GatewayTlsContext): Promise<() => Promise<string>> {
  const server = context.createServer((socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  const { port } = server.address() as AddressInfo;
  return async () => {
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(ca.certFile) });
    await once(socket, 'secureConnect');
    const name = String(socket.getPeerCertificate().subject?.CN);
    socket.destroy();
    return name;
  };
}

test('issue 12 fault 1: a gateway rotation to a key that does not match keeps the previous certificate and logs why', async (t) => {
  install(first, 'certificate and key');
  const { logger, next } = recordingLogger();
  const context = new GatewayTlsContext(settings, logger);
  context.watchFiles();
  t.after(() => context.close());
  const served = await gateway(context);
  assert.equal(await served(), 'first');

  const kept = next('cannot reload gateway TLS certificates; keeping the previous ones');
  install(second, 'key only');
  assert.match(String((await kept).error), /does not match the certificate/);
  assert.equal(await served(), 'first');

  const reloaded = next('reloaded gateway TLS certificates');
  install(second, 'certificate and key');
  await reloaded;
  assert.equal(await served(), 'second', 'files replaced by a rename are seen');
});
