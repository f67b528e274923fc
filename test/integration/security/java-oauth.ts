// The Java console producer with OAUTHBEARER: either Kafka's unsecured login (an unsigned token
// for a given `sub`, what brokers configured for unsecured JWTs accept) or a signed token read
// from a file through Kafka's OAuthBearerLoginCallbackHandler (its token endpoint may be a file).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runJavaTool } from '../../../testbed/index.ts';
import { ClientError } from '../../helpers/clients/common.ts';
import { firstErrorLine } from '../../helpers/clients/java-console.ts';

const MODULE = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule';

export type JavaOAuthLogin = { readonly unsecuredSub: string } | { readonly token: string };

export async function javaOAuthProduce(
  bootstrapServers: string,
  topic: string,
  values: readonly string[],
  login: JavaOAuthLogin,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-java-oauth-'));
  try {
    const properties: Record<string, string> = {
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'OAUTHBEARER',
    };
    const systemProperties: Record<string, string> = {};
    if ('unsecuredSub' in login) {
      properties['sasl.jaas.config'] = `${MODULE} required unsecuredLoginStringClaim_sub="${login.unsecuredSub}";`;
    } else {
      const tokenFile = join(dir, 'token.jwt');
      writeFileSync(tokenFile, login.token);
      const url = pathToFileURL(tokenFile).href;
      properties['sasl.jaas.config'] = `${MODULE} required;`;
      properties['sasl.login.callback.handler.class'] =
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler';
      properties['sasl.oauthbearer.token.endpoint.url'] = url;
      systemProperties['org.apache.kafka.sasl.oauthbearer.allowed.urls'] = url;
    }
    const configFile = join(dir, 'client.properties');
    writeFileSync(
      configFile,
      Object.entries(properties)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const result = await runJavaTool(
      'org.apache.kafka.tools.ConsoleProducer',
      [
        '--bootstrap-server',
        bootstrapServers,
        '--topic',
        topic,
        '--command-config',
        configFile,
        '--max-block-ms',
        '20000',
      ],
      { input: `${values.join('\n')}\n`, timeoutMs: 40_000, systemProperties },
    );
    if (result.exitCode !== 0 || /\bERROR\b/.test(result.stderr)) {
      throw new ClientError('console-producer', 'produce', firstErrorLine(result.stderr, result.exitCode), {
        output: result.stderr,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
