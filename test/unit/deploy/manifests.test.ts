// The Kubernetes manifests (deploy/kubernetes/) and the Helm chart (deploy/helm/switchyard/) as a
// cluster would receive them: every object passes the Kubernetes API's JSON schemas with unknown
// fields rejected (kubernetes-validate --strict, installed by `npm run setup`), the ServiceMonitor
// passes the Prometheus Operator's schema, and the objects fit Switchyard's configuration: probes
// and metrics on its management port, every gateway port opened and exposed, every file it names
// mounted from a Secret, and a grace period longer than the drain. The chart's tests need Helm,
// which `npm run setup` builds where Go is installed; without it they are skipped, saying so.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfiguration } from '../../../src/config/index.ts';
import { configurationModel, type ProxyConfigurationModel } from '../../../src/config/model.ts';
import { createCertificateAuthority, issueCertificate } from '../../../testbed/index.ts';
import { helmPath, kubernetesValidatePath } from '../../../tools/deploy-tools.ts';

const exec = promisify(execFile);
const deploy = join(import.meta.dirname, '..', '..', '..', 'deploy');
const chart = join(deploy, 'helm', 'switchyard');
/** The newest Kubernetes release kubernetes-validate carries schemas for. */
const KUBERNETES_VERSION = '1.37.0';

// biome-ignore lint/suspicious/noExplicitAny: objects of many kinds, read field by field below.
type KubernetesObject = any;

const work = mkdtempSync(join(tmpdir(), 'switchyard-deploy-'));
after(() => rmSync(work, { recursive: true, force: true }));

function parseObjects(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as KubernetesObject)
    .filter((object) => object !== null);
}

async function helm(...args: string[]): Promise<string> {
  return (await exec(helmPath, args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
}

/** Fails with kubernetes-validate's findings unless every object of a core kind passed. */
async function validateSchemas(name: string, objects: readonly KubernetesObject[]): Promise<void> {
  assert.ok(
    existsSync(kubernetesValidatePath),
    `${kubernetesValidatePath} is missing: run \`npm run setup\` (it installs kubernetes-validate)`,
  );
  const file = join(work, `${name}.yaml`);
  const core = objects.filter((object) => object.kind !== 'ServiceMonitor');
  writeFileSync(file, core.map((object) => `---\n${JSON.stringify(object)}\n`).join(''));
  const result = await exec(kubernetesValidatePath, ['--strict', '-k', KUBERNETES_VERSION, file]).catch(
    (error: { stdout: string; stderr: string }) => assert.fail(`${error.stdout}${error.stderr}`),
  );
  const passed = result.stdout.split('\n').filter((line) => line.startsWith('INFO') && line.includes(' passed '));
  assert.equal(passed.length, core.length, result.stdout + result.stderr);
  for (const object of objects.filter((o) => o.kind === 'ServiceMonitor')) new ServiceMonitor(object).validate();
}

function only(objects: readonly KubernetesObject[], kind: string): KubernetesObject {
  const matching = objects.filter((object) => object.kind === kind);
  assert.equal(matching.length, 1, `one ${kind}`);
  return matching[0];
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

// Switchyard reads the TLS files a configuration names when it loads it. A certificate and key
// issued here stand in for the Secrets' contents, at the pod's paths under this root.
const podRoot = join(work, 'pod');
const authority = createCertificateAuthority(join(work, 'ca'), 'switchyard-deploy-test-ca');
const issued = issueCertificate(authority, join(work, 'ca'), 'gateway');
const standIns: Record<string, string> = {
  certificateFile: issued.certFile,
  privateKeyFile: issued.keyFile,
  storeFile: authority.certFile,
};

/** The TLS files a configuration names (pod paths), each with the stand-in to put there. */
function tlsFiles(value: unknown, found = new Map<string, string>()): Map<string, string> {
  if (typeof value !== 'object' || value === null) return found;
  for (const [key, item] of Object.entries(value)) {
    const standIn = standIns[key];
    if (standIn !== undefined && typeof item === 'string') found.set(item, standIn);
    else tlsFiles(item, found);
  }
  return found;
}

/** The configuration the ConfigMap carries, loaded by Switchyard; file names are pod paths. */
async function switchyardConfiguration(objects: readonly KubernetesObject[]): Promise<ProxyConfigurationModel> {
  let text = only(objects, 'ConfigMap').data['switchyard.yaml'] as string;
  for (const [path, standIn] of tlsFiles(parse(text))) {
    mkdirSync(dirname(join(podRoot, path)), { recursive: true });
    copyFileSync(standIn, join(podRoot, path));
    text = text.replaceAll(path, join(podRoot, path));
  }
  const config = await parseConfiguration(text, { sourceName: 'switchyard.yaml' });
  assert.deepEqual(config.warnings.map(String), []);
  return configurationModel(config);
}

/** Every port Switchyard listens on for clients: bootstrap ports and reserved broker ports. */
function gatewayPorts(model: ProxyConfigurationModel): number[] {
  const ports: number[] = [];
  for (const virtualCluster of model.virtualClusters) {
    for (const gateway of virtualCluster.gateways) {
      ports.push(gateway.bootstrapAddress.port);
      if (gateway.kind !== 'portIdentifiesNode') continue;
      // Ports bound on demand cannot be listed in a Service: the manifests declare the ranges.
      assert.ok(gateway.nodeIdRanges, `gateway ${virtualCluster.name}/${gateway.name} declares nodeIdRanges`);
      const nodes = gateway.nodeIdRanges.reduce((sum, range) => sum + range.end - range.start + 1, 0);
      for (let index = 0; index < nodes; index++) ports.push(gateway.nodeStartPort + index);
    }
  }
  return ports;
}

/** The files the configuration reads: certificates, keys, trust stores. */
function namedFiles(model: ProxyConfigurationModel): string[] {
  const files: (string | undefined)[] = [];
  for (const cluster of model.clusters.values()) {
    files.push(cluster.tls?.trust?.storeFile, cluster.tls?.key?.certificateFile, cluster.tls?.key?.privateKeyFile);
  }
  for (const virtualCluster of model.virtualClusters) {
    for (const gateway of virtualCluster.gateways) {
      files.push(gateway.tls?.key.certificateFile, gateway.tls?.key.privateKeyFile, gateway.tls?.trust?.storeFile);
    }
  }
  return files.filter((file): file is string => file !== undefined).map((file) => file.slice(podRoot.length));
}

/** The checks every rendering of the deployment must pass. */
function describeDeployment(render: () => Promise<KubernetesObject[]>): void {
  let objects: KubernetesObject[] = [];
  let model: ProxyConfigurationModel;
  let pod: KubernetesObject;
  let container: KubernetesObject;
  const containerPort = (name: string | number): number =>
    typeof name === 'number' ? name : container.ports.find((p: KubernetesObject) => p.name === name)?.containerPort;

  before(async () => {
    objects = await render();
    model = await switchyardConfiguration(objects);
    pod = only(objects, 'Deployment').spec.template;
    container = pod.spec.containers.find((c: KubernetesObject) => c.name === 'switchyard');
  });

  test('the objects pass the schemas of the Kubernetes API, unknown fields rejected', async (t) => {
    await validateSchemas(t.fullName.replaceAll(/\W+/g, '-'), objects);
  });

  test("readiness and liveness are probed on Switchyard's management port", () => {
    assert.ok(model.management, 'the configuration enables the management endpoint');
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.livenessProbe.httpGet.path, '/livez');
    assert.equal(containerPort(container.readinessProbe.httpGet.port), model.management.port);
    assert.equal(containerPort(container.livenessProbe.httpGet.port), model.management.port);
  });

  test('every gateway port is opened on the pods and exposed by a Service that selects them', () => {
    const exposed = new Set<number>();
    for (const service of objects.filter((object) => object.kind === 'Service')) {
      assert.ok(selects(service.spec.selector, pod.metadata.labels), `${service.metadata.name} selects the pods`);
      for (const port of service.spec.ports) exposed.add(containerPort(port.targetPort));
    }
    for (const port of gatewayPorts(model)) {
      assert.ok(exposed.has(port), `port ${port} is exposed by a Service`);
    }
  });

  test('every file the configuration names is mounted read-only from a Secret', () => {
    const secretVolumes = new Set(
      pod.spec.volumes.filter((v: KubernetesObject) => v.secret).map((v: KubernetesObject) => v.name),
    );
    const secretMounts = container.volumeMounts.filter(
      (m: KubernetesObject) => secretVolumes.has(m.name) && m.readOnly,
    );
    for (const file of namedFiles(model)) {
      assert.ok(
        secretMounts.some((m: KubernetesObject) => file.startsWith(`${m.mountPath}/`)),
        `${file} lies in a Secret`,
      );
    }
  });

  test('no volume is mounted inside another (ConfigMap and Secret volumes are read-only)', () => {
    const paths: string[] = container.volumeMounts.map((m: KubernetesObject) => m.mountPath);
    for (const path of paths) {
      const enclosing = paths.filter((other) => path.startsWith(`${other}/`));
      assert.deepEqual(enclosing, [], `${path} lies inside another mount`);
    }
  });

  test('the grace period outlasts the preStop pause plus the longest drain', () => {
    const drainSeconds = Math.max(...model.virtualClusters.map((vc) => vc.drainTimeoutMs)) / 1000;
    const pauseSeconds = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    assert.ok(
      pod.spec.terminationGracePeriodSeconds > pauseSeconds + drainSeconds,
      `${pod.spec.terminationGracePeriodSeconds} s > ${pauseSeconds} s + ${drainSeconds} s`,
    );
  });

  test('the container runs as non-root on a read-only root file system', () => {
    assert.equal(pod.spec.securityContext.runAsNonRoot, true);
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  });

  test('Prometheus finds /metrics by pod annotations and by a ServiceMonitor of the management Service', () => {
    const annotations = pod.metadata.annotations;
    assert.equal(annotations['prometheus.io/scrape'], 'true');
    assert.equal(Number(annotations['prometheus.io/port']), model.management!.port);
    assert.equal(annotations['prometheus.io/path'], '/metrics');
    const monitor = only(objects, 'ServiceMonitor');
    const services = objects.filter(
      (o) => o.kind === 'Service' && selects(monitor.spec.selector.matchLabels, o.metadata.labels),
    );
    assert.equal(services.length, 1, 'the ServiceMonitor selects one Service');
    for (const endpoint of monitor.spec.endpoints) {
      assert.equal(endpoint.path, '/metrics');
      const port = services[0].spec.ports.find((p: KubernetesObject) => p.name === endpoint.port);
      assert.equal(containerPort(port.targetPort), model.management!.port);
    }
  });

  test('a PodDisruptionBudget covering the pods lets at most one go at a time', () => {
    const budget = only(objects, 'PodDisruptionBudget');
    assert.ok(selects(budget.spec.selector.matchLabels, pod.metadata.labels));
    assert.equal(budget.spec.maxUnavailable, 1);
    assert.ok(only(objects, 'Deployment').spec.replicas > 1);
  });
}

describe('the Kubernetes manifests', () => {
  describeDeployment(async () => {
    const directories = [join(deploy, 'kubernetes'), join(deploy, 'kubernetes', 'prometheus-operator')];
    return directories.flatMap((directory) =>
      readdirSync(directory)
        .filter((name) => name.endsWith('.yaml'))
        .flatMap((name) => parseObjects(readFileSync(join(directory, name), 'utf8'))),
    );
  });
});

const helmSkip = existsSync(helmPath)
  ? false
  : `Helm is not installed at ${helmPath}: \`npm run setup\` builds it where Go is installed`;

describe('the Helm chart', { skip: helmSkip }, () => {
  test('passes helm lint --strict', async () => {
    await helm('lint', '--strict', chart);
  });

  describeDeployment(async () =>
    parseObjects(await helm('template', 'switchyard', chart, '--set', 'serviceMonitor.enabled=true')),
  );

  test("values that break the chart's schema are refused, with the offending value's path", async () => {
    const values = join(work, 'misspelt-values.yaml');
    writeFileSync(values, 'gatewayServices:\n  - name: orders\n    ports:\n      - { name: bootstrap, prot: 9192 }\n');
    await assert.rejects(helm('template', 'switchyard', chart, '-f', values), (error: { stderr: string }) => {
      assert.match(error.stderr, /\/gatewayServices\/0\/ports\/0/);
      return true;
    });
  });

  test('a change of the configuration reaches running pods by --watch, without rolling them', async () => {
    const template = async (...args: string[]) =>
      only(parseObjects(await helm('template', 'switchyard', chart, ...args)), 'Deployment').spec.template;
    const before = await template();
    assert.ok(before.spec.containers[0].args.includes('--watch'));
    assert.deepEqual(await template('--set', 'config.virtualClusters[0].drainTimeout=25s'), before);
  });
});
