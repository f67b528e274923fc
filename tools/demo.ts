// The demo: two local Kafka clusters from the test bed and a Switchyard in front of them, one
// virtual cluster per cluster, run with the real `switchyard` command. Prints where to connect and
// what to type, and stops everything on Ctrl-C.
//
//   npm run demo [-- --port-base 9190]
//
// Ports: management on the base, virtual cluster "alpha" on base+2 (brokers base+3…), "beta" on
// base+102 (brokers base+103…), "union" (both clusters through a TopicRouter) on base+202.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type KafkaCluster, startKafkaCluster } from '../testbed/index.ts';
import { kafkaDistribution, repoRoot } from './kafka-dist.ts';

const { values } = parseArgs({ options: { 'port-base': { type: 'string', default: '9190' } } });
const base = Number(values['port-base']);
if (!Number.isInteger(base) || base < 1024 || base > 65000) {
  console.error(`--port-base must be an integer from 1024 to 65000, not '${values['port-base']}'`);
  process.exit(1);
}

const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

const workDir = join(repoRoot, '.cache', 'demo');
mkdirSync(workDir, { recursive: true });
const ports = { management: base, alpha: base + 2, beta: base + 102, union: base + 202 };

let clusters: KafkaCluster[] = [];
let proxy: ChildProcess | undefined;
let stopping = false;

async function stopEverything(exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('\nStopping Switchyard and the Kafka clusters…');
    if (proxy && proxy.exitCode === null && proxy.signalCode === null) {
      proxy.kill('SIGTERM');
      await once(proxy, 'exit');
    }
    await Promise.all(clusters.map((cluster) => cluster.stop()));
    say('Demo stopped.');
  }
  process.exit(exitCode);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stopEverything(0));

say('Switchyard demo: preparing Apache Kafka (the first run downloads it from Maven Central)…');
const kafka = kafkaDistribution();
say(`Starting two Kafka ${kafka.version} clusters on loopback…`);
clusters = await Promise.all([startKafkaCluster({ name: 'alpha' }), startKafkaCluster({ name: 'beta' })]);
const [alpha, beta] = clusters as [KafkaCluster, KafkaCluster];

const configFile = join(workDir, 'switchyard.yaml');
writeFileSync(
  configFile,
  `# Written by the demo (tools/demo.ts): one virtual cluster in front of each local cluster, and
# one in front of both through a router (topics named beta.* live on beta, the rest on alpha).
management:
  bindAddress: 127.0.0.1
  port: ${ports.management}
clusterDefinitions:
  - name: alpha
    bootstrapServers: ${alpha.bootstrapServers}
  - name: beta
    bootstrapServers: ${beta.bootstrapServers}
virtualClusters:
  - name: alpha
    target: { cluster: alpha }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports.alpha}
  - name: beta
    target: { cluster: beta }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports.beta}
  - name: union
    target: { router: union }
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: 127.0.0.1:${ports.union}
routerDefinitions:
  - name: union
    type: TopicRouter
    config:
      defaultRoute: alpha
      topics:
        - { prefix: "beta.", route: beta }
    routes:
      - { name: alpha, id: 0, target: { cluster: alpha } }
      - { name: beta, id: 1, target: { cluster: beta } }
`,
);

const logFile = join(workDir, 'switchyard.log');
say(`Starting Switchyard (config ${configFile}, log ${logFile})…`);
const log = openSync(logFile, 'w');
// Its own process group: Ctrl-C goes to the demo, which asks the proxy once for a graceful stop (a
// second signal would make the proxy exit at once, without draining).
proxy = spawn(
  process.execPath,
  [join(repoRoot, 'bin', 'switchyard.js'), '--config', configFile, '--log-format', 'json'],
  {
    stdio: ['ignore', 'pipe', log],
    detached: true,
  },
);
process.on('exit', () => proxy?.kill('SIGKILL'));
const started = new Promise<void>((resolve, reject) => {
  const lines = createInterface({ input: proxy!.stdout! });
  lines.on('line', (line) => {
    writeFileSync(logFile, `${line}\n`, { flag: 'a' });
    if (line.includes('Switchyard started')) resolve();
  });
  proxy!.once('exit', (code) =>
    reject(new Error(`switchyard exited with code ${code} before it started; see ${logFile}`)),
  );
});
try {
  await started;
} catch (error) {
  console.error((error as Error).message);
  await stopEverything(1);
}
proxy.on('exit', (code) => {
  if (!stopping) {
    console.error(`switchyard exited unexpectedly with code ${code}; see ${logFile}`);
    void stopEverything(1);
  }
});

const alphaBootstrap = `127.0.0.1:${ports.alpha}`;
const betaBootstrap = `127.0.0.1:${ports.beta}`;
const unionBootstrap = `127.0.0.1:${ports.union}`;
say();
say('Switchyard is running.');
say();
say(`  virtual cluster alpha  bootstrap ${alphaBootstrap}   (real cluster ${alpha.bootstrapServers})`);
say(`  virtual cluster beta   bootstrap ${betaBootstrap}   (real cluster ${beta.bootstrapServers})`);
say(`  virtual cluster union  bootstrap ${unionBootstrap}   (both clusters through the router 'union')`);
say(`  metrics                http://127.0.0.1:${ports.management}/metrics`);
say(`  status                 http://127.0.0.1:${ports.management}/status`);
say();
say('Try it (in another terminal):');
say(`  kcat -b ${alphaBootstrap} -L                                # brokers appear at proxy addresses`);
say(`  printf 'hello\\nworld\\n' | kcat -b ${alphaBootstrap} -P -t greetings`);
say(`  kcat -b ${alphaBootstrap} -C -t greetings -e -o beginning`);
say(`  kcat -b ${unionBootstrap} -L                                # brokers of both clusters: 2 (alpha), 3 (beta)`);
say(`  printf 'paid\\n' | kcat -b ${unionBootstrap} -P -t beta.payments      # lands on cluster beta`);
say(`  curl -s http://127.0.0.1:${ports.management}/metrics | grep switchyard_client_requests_total`);
say();
say('Press Ctrl-C to stop everything.');
