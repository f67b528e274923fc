// The package as its users get it: `npm pack` of this repository, the tarball installed into an
// empty project, the installed `switchyard` command run, and the project in ./project (a filter
// and a router written against the installed package) type-checked, validated and run
// (docs/design/2026-12-03-package.md). Every .ts file of ./project is type-checked and every .yaml
// in it validated by the installed command, which loads the plugins it names; the filter and the
// router also run in front of a real broker. The installed proxy also runs as the container image runs it:
// as a non-root user on a read-only root file system. The package's dependencies come from the
// npm registry (or npm's cache).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { kafkajsConsume, kafkajsCreateTopics, kafkajsProduce } from '../../helpers/clients/kafkajs.ts';
import { useKafkaCluster } from '../../helpers/kafka-cluster.ts';
import { freePortBlock } from '../../helpers/switchyard.ts';
import { runCommand, startCommand } from '../../unit/cli/spawn.ts';

const exec = promisify(execFile);
const repo = join(import.meta.dirname, '..', '..', '..');
const fixture = join(import.meta.dirname, 'project');
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

const work = mkdtempSync(join(tmpdir(), 'switchyard-package-'));
// Readable by the unprivileged user of the read-only test, as an image's files are.
chmodSync(work, 0o755);
after(() => rmSync(work, { recursive: true, force: true }));
const project = join(work, 'project');
cpSync(fixture, project, { recursive: true });
// The installed command starts through its `#!/usr/bin/env node`, which must find this Node 24
// rather than an older one the machine may ship.
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };

interface PackedFile {
  readonly path: string;
}

async function packAndInstall(): Promise<readonly PackedFile[]> {
  const { stdout } = await exec('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo, env });
  const [packed] = JSON.parse(stdout) as { filename: string; files: PackedFile[] }[];
  await exec(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(work, packed!.filename),
      // What a TypeScript project has next to the package; its declarations refer to Node's types.
      `@types/node@${manifest.devDependencies['@types/node']}`,
    ],
    { cwd: project, env },
  );
  return packed!.files;
}

const [cluster, packedFiles] = await Promise.all([
  useKafkaCluster({ brokers: 1, name: 'installed-package' }),
  packAndInstall(),
]);
const switchyard = join(project, 'node_modules', '.bin', 'switchyard');
const command = { executable: switchyard, cwd: project, env };

test('the tarball carries the compiled package, its command and the user documentation, nothing else', () => {
  const paths = packedFiles.map((file) => file.path);
  const unexpected = paths.filter(
    (path) =>
      !['README.md', 'package.json', 'bin/switchyard.js'].includes(path) &&
      !/^dist\/.+\.(js|d\.ts)$/.test(path) &&
      !/^dist\/management\/ui\/[^/]+\.(html|css)$/.test(path) &&
      !/^docs\/[^/]+\.md$/.test(path),
  );
  assert.deepEqual(unexpected, []);
  for (const asset of ['index.html', 'app.js', 'style.css']) {
    assert.ok(paths.includes(`dist/management/ui/${asset}`), `the admin page's ${asset} is packed`);
  }
  assert.ok(paths.includes('dist/index.js') && paths.includes('dist/index.d.ts'), paths.join('\n'));
  assert.ok(paths.includes('dist/cli/main.js'), paths.join('\n'));
});

test('the installed switchyard command prints the package version', async () => {
  const result = await runCommand(['--version'], command);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, `switchyard ${manifest.version}\n`);
});

test("the installed command validates every configuration of the project, loading the project's plugins", async () => {
  const configurations = readdirSync(fixture).filter((name) => name.endsWith('.yaml'));
  assert.ok(configurations.length > 0);
  for (const configuration of configurations) {
    const result = await runCommand(['validate', '--config', configuration], command);
    assert.equal(result.code, 0, `${configuration}: ${result.stderr}`);
    assert.equal(result.stdout, 'configuration is valid (0 warnings)\n');
  }
});

test("the installed command enforces a project filter's configSchema, with file and line", async () => {
  const valid = readFileSync(join(fixture, 'filter.yaml'), 'utf8');
  writeFileSync(join(project, 'invalid.yaml'), valid.replace('{ prefix: internal- }', '{ prefx: internal- }'));
  const result = await runCommand(['validate', '--config', 'invalid.yaml'], command);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /^invalid\.yaml:\d+:\d+: error: Filter 'no-internal-topics' has invalid config .*required property 'prefix'/m,
  );
});

test('a project written against the installed package type-checks, declarations included', async () => {
  // The repository's own compiler; the project's tsconfig leaves skipLibCheck off, so the
  // package's declaration files are checked too.
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  const { stdout } = await exec(process.execPath, [tsc, '-p', project], { env });
  assert.equal(stdout, '');
});

test("the installed proxy runs the project's filter in front of a real broker", async () => {
  const port = await freePortBlock(3);
  writeFileSync(
    join(project, 'run.yaml'),
    `management: { bindAddress: 127.0.0.1, port: 0, ui: { enabled: true } }
filterDefinitions:
  - name: no-internal-topics
    type: ./no-internal-topics.ts#NoInternalTopics
    config: { prefix: internal- }
clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: orders
    target: { cluster: main }
    filters: [no-internal-topics]
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}
`,
  );
  const proxy = startCommand(['--config', 'run.yaml'], command);
  try {
    const listening = await proxy.waitForLine((l) => l.msg?.startsWith('management endpoint listening on') ?? false);
    await proxy.waitForLine((l) => l.msg?.startsWith('Switchyard started') ?? false);
    // The admin page's files are part of the package, next to the compiled endpoint.
    const management = `http://${listening.msg?.slice('management endpoint listening on '.length)}`;
    for (const path of ['/ui', '/ui/app.js', '/ui/style.css', '/api/status']) {
      assert.equal((await fetch(`${management}${path}`)).status, 200, path);
    }
    const via = { bootstrapServers: `127.0.0.1:${port}` };
    await assert.rejects(kafkajsCreateTopics(via, [{ name: 'internal-audit' }]), (error: Error) => {
      // kafkajs collects the per-topic errors of CREATE_TOPICS in an aggregate.
      const topicErrors = (error.cause as { errors?: { type: string }[] }).errors ?? [];
      assert.deepEqual(
        topicErrors.map((e) => e.type),
        ['POLICY_VIOLATION'],
      );
      return true;
    });
    await kafkajsCreateTopics(via, [{ name: 'orders-1' }]);
  } finally {
    proxy.child.kill('SIGTERM');
  }
  const result = await proxy.exit;
  assert.equal(result.code, 0, result.stderr);
});

test("the installed proxy routes a producer and a consumer through the project's router", async () => {
  const port = await freePortBlock(3);
  writeFileSync(
    join(project, 'routed.yaml'),
    `clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
routerDefinitions:
  - name: one-route
    type: ./one-route.ts#OneRoute
    config: { route: main }
    routes:
      - { name: main, id: 0, target: { cluster: main } }
virtualClusters:
  - name: routed
    target: { router: one-route }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${port}
`,
  );
  const proxy = startCommand(['--config', 'routed.yaml'], command);
  try {
    await proxy.waitForLine((l) => l.msg?.startsWith('Switchyard started') ?? false);
    const via = { bootstrapServers: `127.0.0.1:${port}` };
    await kafkajsCreateTopics(via, [{ name: 'routed-1' }]);
    await kafkajsProduce(via, 'routed-1', [{ value: 'through the router' }]);
    const consumed = await kafkajsConsume(via, { topic: 'routed-1', count: 1, groupId: 'routed-readers' });
    assert.deepEqual(
      consumed.map((record) => record.value),
      ['through the router'],
    );
  } finally {
    proxy.child.kill('SIGTERM');
  }
  const result = await proxy.exit;
  assert.equal(result.code, 0, result.stderr);
});

/** The container image's user (docs/kubernetes.md). */
const IMAGE_USER = '1000';

test('the installed proxy runs as a non-root user on a read-only root file system, as in its container image', {
  skip: process.getuid?.() === 0 ? false : 'needs root, to mount the root file system read-only (unshare)',
}, async () => {
  writeFileSync(
    join(project, 'read-only.yaml'),
    `clusterDefinitions:
  - name: main
    bootstrapServers: ${cluster.bootstrapServers}
virtualClusters:
  - name: orders
    target: { cluster: main }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${await freePortBlock(3)}
`,
  );
  // A private mount namespace whose root is a read-only view of this machine's, and the image's
  // user instead of root: what a pod with readOnlyRootFilesystem and runAsUser gives the image.
  const confine = `mount --rbind / / && mount -o remount,ro,bind / && exec setpriv --reuid ${IMAGE_USER} --regid ${IMAGE_USER} --clear-groups "$@"`;
  const proxy = startCommand(
    ['--mount', '--propagation', 'private', 'sh', '-c', confine, 'sh', switchyard, '--config', 'read-only.yaml'],
    {
      ...command,
      executable: 'unshare',
    },
  );
  try {
    await proxy.waitForLine((l) => l.msg?.startsWith('Switchyard started') ?? false);
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${proxy.child.pid}/status`, 'utf8'))?.[1];
    assert.equal(uid, IMAGE_USER);
  } finally {
    proxy.child.kill('SIGTERM');
  }
  const result = await proxy.exit;
  assert.equal(result.code, 0, result.stdout + result.stderr);
});
