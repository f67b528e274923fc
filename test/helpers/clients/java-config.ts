// The client properties file every Kafka Java tool reads (--command-config), written for one
// connection into a temp folder that the caller deletes when the tool has finished.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KafkaConnection } from './common.ts';

export interface JavaClientConfig {
  readonly file: string;
  dispose(): void;
}

const jaasModules = {
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  'SCRAM-SHA-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'SCRAM-SHA-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
} as const;

/** JAAS option values are double-quoted; backslashes and quotes inside must be escaped. */
function jaasQuote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Java properties escape: backslashes would otherwise be eaten by the loader. */
function propertyValue(value: string): string {
  return value.replaceAll('\\', '\\\\');
}

export function writeJavaClientConfig(
  connection: KafkaConnection,
  extra: Readonly<Record<string, string>> = {},
): JavaClientConfig {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-java-client-'));
  const { tls, sasl } = connection;
  const properties: Record<string, string> = {
    'security.protocol': sasl ? (tls ? 'SASL_SSL' : 'SASL_PLAINTEXT') : tls ? 'SSL' : 'PLAINTEXT',
  };
  if (tls) {
    properties['ssl.truststore.type'] = 'PEM';
    properties['ssl.truststore.location'] = tls.caFile;
    if (tls.certFile && tls.keyFile) {
      // A Java PEM keystore is one file: the private key followed by the certificate.
      const keystore = join(dir, 'keystore.pem');
      writeFileSync(keystore, `${readFileSync(tls.keyFile, 'utf8').trimEnd()}\n${readFileSync(tls.certFile, 'utf8')}`);
      properties['ssl.keystore.type'] = 'PEM';
      properties['ssl.keystore.location'] = keystore;
    }
  }
  if (sasl) {
    properties['sasl.mechanism'] = sasl.mechanism;
    properties['sasl.jaas.config'] =
      `${jaasModules[sasl.mechanism]} required username=${jaasQuote(sasl.username)} password=${jaasQuote(sasl.password)};`;
  }
  Object.assign(properties, extra);
  const file = join(dir, 'client.properties');
  writeFileSync(
    file,
    `${Object.entries(properties)
      .map(([key, value]) => `${key}=${propertyValue(value)}`)
      .join('\n')}\n`,
  );
  return { file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
