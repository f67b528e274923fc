// TLS files named by the configuration are read and checked when it loads (issue 12 faults 1 and
// 6): a configuration whose certificates, keys or trust stores cannot be used is invalid, with
// each problem reported at the YAML key that names the file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertHas, load, rejected, tlsFiles } from './helpers.ts';

const GATEWAY = `
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: "localhost:9192" }`;

/** A configuration with one cluster whose `tls` block is `tls` (indented under the cluster). */
function upstream(tls: string): string {
  return `clusterDefinitions:
  - name: secure
    bootstrapServers: kafka:9093
    tls:
${tls}
virtualClusters:
  - name: demo
    target: { cluster: secure }${GATEWAY}
`;
}

test('issue 12 fault 1: an upstream private key with a wrong password makes the configuration invalid', async () => {
  const lines = await rejected(
    upstream(`      key:
        certificateFile: certs/proxy.pem
        privateKeyFile: certs/proxy-key-encrypted.pem
        password: not-the-password`),
    tlsFiles(),
  );
  assert.equal(lines.length, 1);
  assert.match(
    lines[0]!,
    /^test\.yaml:7:25: error: TLS private key file '.*\/certs\/proxy-key-encrypted\.pem' cannot be decrypted with the configured password \(.*\) \(at clusterDefinitions\[0\]\.tls\.key\.privateKeyFile\)$/,
  );
  assert.doesNotMatch(lines[0]!, /not-the-password/, 'the password never appears in a message');
});

test('issue 12 fault 1: an upstream private key that does not match its certificate makes the configuration invalid', async () => {
  const dir = tlsFiles();
  const lines = await rejected(
    upstream(`      key:
        certificateFile: certs/proxy.pem
        privateKeyFile: client-key.pem`),
    dir,
  );
  assert.deepEqual(lines, [
    `test.yaml:7:25: error: TLS private key file '${dir}/client-key.pem' does not match the certificate in '${dir}/certs/proxy.pem' (at clusterDefinitions[0].tls.key.privateKeyFile)`,
  ]);
});

test('issue 12 fault 1: an encrypted private key without a password makes the configuration invalid', async () => {
  const dir = tlsFiles();
  const lines = await rejected(
    upstream(`      key: { certificateFile: certs/proxy.pem, privateKeyFile: certs/proxy-key-encrypted.pem }`),
    dir,
  );
  assert.deepEqual(lines, [
    `test.yaml:5:64: error: TLS private key file '${dir}/certs/proxy-key-encrypted.pem' is encrypted, but no password is configured (at clusterDefinitions[0].tls.key.privateKeyFile)`,
  ]);
});

test('issue 12 fault 1: an encrypted private key with its password loads', async () => {
  const { model } = await load(
    upstream(`      key:
        certificateFile: certs/proxy.pem
        privateKeyFile: certs/proxy-key-encrypted.pem
        password: secret`),
    tlsFiles(),
  );
  assert.equal(model.clusters.get('secure')?.tls?.key?.password, 'secret');
});

test('issue 12 fault 6: TLS files that do not exist make the configuration invalid, each at its own key', async () => {
  const dir = tlsFiles();
  const lines = await rejected(
    upstream(`      trust: { storeFile: missing-ca.pem }
      key:
        certificateFile: missing.pem
        privateKeyFile: missing-key.pem`),
    dir,
  );
  assert.deepEqual(lines, [
    `test.yaml:5:27: error: Cannot read TLS trust store file '${dir}/missing-ca.pem': the file does not exist (at clusterDefinitions[0].tls.trust.storeFile)`,
    `test.yaml:7:26: error: Cannot read TLS certificate file '${dir}/missing.pem': the file does not exist (at clusterDefinitions[0].tls.key.certificateFile)`,
    `test.yaml:8:25: error: Cannot read TLS private key file '${dir}/missing-key.pem': the file does not exist (at clusterDefinitions[0].tls.key.privateKeyFile)`,
  ]);
});

test('files that hold no certificate or key, or a directory, make the configuration invalid', async () => {
  const dir = tlsFiles();
  const lines = await rejected(
    upstream(`      trust: { storeFile: certs }
      key:
        certificateFile: not-pem.txt
        privateKeyFile: not-pem.txt`),
    dir,
  );
  assert.equal(lines.length, 3);
  assert.equal(
    lines[0],
    `test.yaml:5:27: error: Cannot read TLS trust store file '${dir}/certs': it is a directory, not a file (at clusterDefinitions[0].tls.trust.storeFile)`,
  );
  assert.equal(
    lines[1],
    `test.yaml:7:26: error: TLS certificate file '${dir}/not-pem.txt' holds no PEM certificate ('-----BEGIN CERTIFICATE-----') (at clusterDefinitions[0].tls.key.certificateFile)`,
  );
  assert.match(
    lines[2]!,
    /^test\.yaml:8:25: error: TLS private key file '.*\/not-pem\.txt' holds no usable PEM private key \(.*\) \(at clusterDefinitions\[0\]\.tls\.key\.privateKeyFile\)$/,
  );
});

test('a trust store whose certificate does not parse makes the configuration invalid', async () => {
  const dir = tlsFiles();
  const lines = await rejected(upstream('      trust: { storeFile: not-pem.txt }'), dir);
  assert.deepEqual(lines, [
    `test.yaml:5:27: error: TLS trust store file '${dir}/not-pem.txt' holds no PEM certificate ('-----BEGIN CERTIFICATE-----') (at clusterDefinitions[0].tls.trust.storeFile)`,
  ]);
});

test('gateway TLS files are checked as upstream ones are', async () => {
  const dir = tlsFiles();
  const lines = await rejected(
    `clusterDefinitions:
  - { name: main, bootstrapServers: "kafka:9092" }
virtualClusters:
  - name: demo
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode: { bootstrapAddress: "localhost:9192" }
        tls:
          key: { certificateFile: certs/proxy.pem, privateKeyFile: client-key.pem }
          trust: { storeFile: missing-clients.pem, clientAuth: REQUIRED }
`,
    dir,
  );
  assert.deepEqual(lines, [
    `test.yaml:10:68: error: TLS private key file '${dir}/client-key.pem' does not match the certificate in '${dir}/certs/proxy.pem' (at virtualClusters[0].gateways[0].tls.key.privateKeyFile)`,
    `test.yaml:11:31: error: Cannot read TLS trust store file '${dir}/missing-clients.pem': the file does not exist (at virtualClusters[0].gateways[0].tls.trust.storeFile)`,
  ]);
});

test("the TLS files of a deprecated 'targetCluster' are checked too", async () => {
  const dir = tlsFiles();
  const lines = await rejected(
    `virtualClusters:
  - name: demo
    targetCluster:
      bootstrapServers: kafka:9093
      tls: { trust: { storeFile: missing-ca.pem } }${GATEWAY}
`,
    dir,
  );
  assertHas(
    lines,
    `test.yaml:5:34: error: Cannot read TLS trust store file '${dir}/missing-ca.pem': the file does not exist (at virtualClusters[0].targetCluster.tls.trust.storeFile)`,
  );
});
