// The `switchyard` command as a process: exit codes, output, signals and fatal errors (L65–L75).
// Gateways and the management endpoint bind 127.0.0.1 with free ports; no Kafka is needed.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect, listen, metadataRequest, silentBroker } from './network.ts';
import { runCommand, startCommand } from './spawn.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));

function configFile(name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

function proxyConfig(options: {
  upstreamPort: number;
  gatewayPort?: number;
  drainTimeout?: string;
  extra?: string;
}): string {
  return `${options.extra ?? ''}
management:
  bindAddress: 127.0.0.1
  port: 0
clusterDefinitions:
  - name: upstream
    bootstrapServers: 127.0.0.1:${options.upstreamPort}
virtualClusters:
  - name: demo
    drainTimeout: ${options.drainTimeout ?? '10s'}
    target:
      cluster: upstream
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${options.gatewayPort ?? 0}
`;
}

const FINAL = /^Switchyard stopped: outcome=(\w+), uptime=[\d.]+s, exit code (\d+)$/;

test('L75: --help and --version print to stdout and exit 0', async () => {
  const help = await runCommand(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage:\n {2}switchyard \[run\] --config <file>/);
  const version = await runCommand(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^switchyard \d+\.\d+\.\d+\n$/);
});

test('L75: an unknown option or a missing --config exits 1 with the usage on stderr', async () => {
  const unknown = await runCommand(['--config', 'x.yaml', '--frobnicate']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Unknown option '--frobnicate'/);
  assert.match(unknown.stderr, /Usage:/);
  assert.equal(unknown.stdout, '');
  const missing = await runCommand(['run']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /missing --config <file>\n\nUsage:/);
});

test('L65: an invalid configuration exits 1, prints every error with file, line, column and path, binds nothing', async () => {
  const file = configFile(
    'invalid.yaml',
    `management:
  port: 99999
virtualClusters:
  - name: demo
    drainTimeout: 10
    target:
      cluster: nowhere
    gateways: []
`,
  );
  const result = await runCommand(['--config', file]);
  assert.equal(result.code, 1);
  const errors = result.stderr.split('\n').filter((line) => line.includes(': error: '));
  assert.ok(errors.length >= 2, result.stderr);
  for (const line of errors) assert.match(line, new RegExp(`^${file}:\\d+:\\d+: error: .+ \\(at \\S+\\)$`));
  assert.match(result.stderr, /management\.port must be an integer from 0 to 65535, but is 99999/);
  assert.ok(!result.stdout.includes('starting'), 'nothing was started');
  assert.match(result.lines.at(-1)?.msg ?? '', FINAL);
  assert.equal(FINAL.exec(result.lines.at(-1)?.msg ?? '')?.[1], 'startup_failed');
});

test('L73: validate exits 0 for a valid file with warnings and 1 for an invalid one', async () => {
  const valid = configFile(
    'valid-with-warnings.yaml',
    `${proxyConfig({ upstreamPort: 9 })}network:
  proxy:
    shutdownTimeout: 15s
`,
  );
  const ok = await runCommand(['validate', '--config', valid]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /warning: network\.proxy\.shutdownTimeout is accepted for compatibility and ignored/);
  assert.equal(ok.stdout, 'configuration is valid (1 warnings)\n');

  const invalid = configFile('invalid-for-validate.yaml', 'virtualClusters: 3\n');
  const bad = await runCommand(['validate', '--config', invalid]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^configuration is invalid: \d+ errors, 0 warnings\n$/m);
});

test('L66: a startup failure (gateway port in use) exits 1 and leaves no port bound', async () => {
  const occupier = createServer();
  const busyPort = await listen(occupier);
  try {
    const file = configFile('port-in-use.yaml', proxyConfig({ upstreamPort: 9, gatewayPort: busyPort }));
    const result = await runCommand(['--config', file]);
    assert.equal(result.code, 1);
    const failure = result.lines.find((l) => l.msg?.startsWith('Switchyard failed to start'));
    assert.ok(failure, result.stdout);
    assert.match(
      failure.msg ?? '',
      new RegExp(
        `bind virtual cluster 'demo' gateway 'ports': cannot bind gateway 'ports' of virtual cluster 'demo' to 127\\.0\\.0\\.1:${busyPort}`,
      ),
    );
    assert.equal(
      FINAL.exec(result.lines.at(-1)?.msg ?? '')
        ?.slice(1)
        .join(' '),
      'startup_failed 1',
    );
  } finally {
    occupier.close();
  }
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`L67/L68: ${signal} stops the proxy gracefully and exits 0 with the final line (L74)`, async () => {
    const broker = await silentBroker();
    try {
      const file = configFile(`graceful-${signal}.yaml`, proxyConfig({ upstreamPort: broker.port }));
      const proxy = startCommand(['--config', file]);
      await proxy.waitForLine((l) => l.msg?.startsWith('Switchyard started') ?? false);
      proxy.child.kill(signal);
      const result = await proxy.exit;
      assert.equal(result.code, 0);
      assert.ok(
        result.lines.some(
          (l) => l.msg === `received ${signal}: shutting down gracefully (send it again to exit immediately)`,
        ),
      );
      assert.equal(
        FINAL.exec(result.lines.at(-1)?.msg ?? '')
          ?.slice(1)
          .join(' '),
        'clean 0',
      );
    } finally {
      await broker.close();
    }
  });
}

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`L69: a second ${signal} during the drain exits at once with ${code}`, async () => {
    const broker = await silentBroker();
    try {
      const file = configFile(`forced-${signal}.yaml`, proxyConfig({ upstreamPort: broker.port, drainTimeout: '60s' }));
      const proxy = startCommand(['--config', file]);
      const started = await proxy.waitForLine((l) => l.msg?.startsWith('Switchyard started') ?? false);
      const address = (started.bootstrapAddresses as Record<string, string[]>).demo?.[0];
      assert.ok(address);
      const client = await connect(address);
      client.write(metadataRequest(1));
      // The request is in flight once the proxy has connected upstream.
      await broker.connected;
      proxy.child.kill(signal);
      await proxy.waitForLine((l) => l.msg === 'Switchyard stopping');
      proxy.child.kill(signal);
      const result = await proxy.exit;
      client.destroy();
      assert.equal(result.code, code);
      assert.ok(
        result.lines.some((l) => l.level === 'warn' && l.msg === `received ${signal} again: exiting immediately`),
      );
    } finally {
      await broker.close();
    }
  });
}

const injectFatal = ['--import', new URL('./fixtures/inject-fatal.mjs', import.meta.url).href];

test('L72: a fatal uncaught error after startup logs it, shuts down gracefully and exits 2', async () => {
  const broker = await silentBroker();
  try {
    const file = configFile('fatal-after.yaml', proxyConfig({ upstreamPort: broker.port }));
    const proxy = startCommand(['--config', file], { nodeArgs: injectFatal, env: { SWITCHYARD_TEST_FATAL: 'signal' } });
    await proxy.waitForLine((l) => l.msg?.startsWith('Switchyard started') ?? false);
    proxy.child.kill('SIGUSR2');
    const result = await proxy.exit;
    assert.equal(result.code, 2);
    const fatal = result.lines.find((l) => l.msg === 'fatal error: injected fatal error after startup');
    assert.ok(fatal);
    assert.equal(fatal.level, 'error');
    assert.match(String((fatal.error as { stack?: string }).stack), /injected fatal error/);
    assert.ok(
      result.lines.some((l) => l.msg === 'Switchyard stopping'),
      'a graceful shutdown ran',
    );
    assert.equal(
      FINAL.exec(result.lines.at(-1)?.msg ?? '')
        ?.slice(1)
        .join(' '),
      'fatal 2',
    );
  } finally {
    await broker.close();
  }
});

test('L72: a fatal uncaught error before STARTED exits 1', async () => {
  const file = configFile('fatal-before.yaml', proxyConfig({ upstreamPort: 9 }));
  const result = await runCommand(['--config', file], {
    nodeArgs: injectFatal,
    env: { SWITCHYARD_TEST_FATAL: 'startup' },
  });
  assert.equal(result.code, 1);
  assert.ok(result.lines.some((l) => l.msg === 'fatal error: injected fatal error before startup'));
  assert.ok(!result.lines.some((l) => l.msg?.startsWith('Switchyard started')));
  assert.equal(
    FINAL.exec(result.lines.at(-1)?.msg ?? '')
      ?.slice(1)
      .join(' '),
    'fatal 1',
  );
});

test('issue 12 fault 6: validate exits 1 for TLS files that do not exist, naming each at its key', async () => {
  const file = configFile(
    'missing-tls-files.yaml',
    proxyConfig({ upstreamPort: 9 }).replace(
      'bootstrapServers: 127.0.0.1:9',
      `bootstrapServers: 127.0.0.1:9
    tls:
      trust: { storeFile: no-such-ca.pem }
      key: { certificateFile: no-such-client.pem, privateKeyFile: no-such-client-key.pem }`,
    ),
  );
  const result = await runCommand(['validate', '--config', file]);
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, '');
  const errors = result.stderr.split('\n').filter((line) => line.includes(': error: '));
  assert.deepEqual(
    errors.map((line) => /: error: (Cannot read TLS [a-z ]+ file)/.exec(line)?.[1]),
    ['Cannot read TLS trust store file', 'Cannot read TLS certificate file', 'Cannot read TLS private key file'],
  );
  assert.match(
    errors[0]!,
    new RegExp(`^${file}:\\d+:\\d+: error: .*'${dir}/no-such-ca\\.pem': the file does not exist`),
  );
  assert.match(result.stderr, /^configuration is invalid: 3 errors, 0 warnings$/m);
});
