// The Switchyard configurations the benchmark measures, as YAML for `switchyard --config`: the
// plain virtual cluster, the one-broker routed shapes, and the two-cluster shapes of the routed
// workload. Every gateway is port-per-node on loopback: bootstrap port, then virtual node V at
// bootstrap + 1 + V.
import { join } from 'node:path';
import { repoRoot } from '../tools/kafka-dist.ts';
import { clusterIndexes, clusterNames, clusterPrefix } from './two-clusters.ts';

/**
 * Node flags every Switchyard target runs with: those of the container's entry point
 * (deploy/Dockerfile), so that the benchmark measures what is shipped.
 */
export const switchyardNodeFlags: readonly string[] = ['--initial-old-space-size=64'];

/** Ports one gateway needs: bootstrap, then virtual node ids 0..4 at bootstrap + 1 + id. */
export const proxyPortCount = 6;

function gateway(bootstrapPort: number, indent = '    '): string[] {
  return [
    `${indent}gateways:`,
    `${indent}  - name: ports`,
    `${indent}    portIdentifiesNode:`,
    `${indent}      bootstrapAddress: 127.0.0.1:${bootstrapPort}`,
  ];
}

/**
 * The configuration the benchmark runs Switchyard with: one pass-through virtual cluster. Every
 * benchmark client connects from 127.0.0.1, so the connection limits (1 000 per client address by
 * default) are raised past the `connections` workload's largest size: they are what an operator
 * sets where many clients share an address, and the baselines have none.
 */
export function oneVirtualClusterConfig(upstream: string, bootstrapPort: number): string {
  return [
    'network:',
    '  overload:',
    '    maxConnectionsPerGateway: 20000',
    '    maxConnectionsPerClientAddress: 20000',
    'clusterDefinitions:',
    '  - name: upstream',
    `    bootstrapServers: ${upstream}`,
    'virtualClusters:',
    '  - name: bench',
    '    target:',
    '      cluster: upstream',
    ...gateway(bootstrapPort),
    '',
  ].join('\n');
}

/**
 * The same virtual cluster behind a router, over the one broker (the produce and consume
 * workloads' `routerStatic` and `routerDynamic`): `static` is the one-route, all-static router of
 * docs/examples/pass-through.ts; `dynamic` is the first-party TopicRouter over two routes whose
 * cluster definitions name the same broker, so that the router's own cost is measured with the
 * same single client as the plain virtual cluster.
 */
export function routedConfig(kind: 'static' | 'dynamic', upstream: string, bootstrapPort: number): string {
  if (kind === 'static') {
    return [
      'clusterDefinitions:',
      '  - name: upstream',
      `    bootstrapServers: ${upstream}`,
      'routerDefinitions:',
      '  - name: bench',
      `    type: ${join(repoRoot, 'docs', 'examples', 'pass-through.ts')}#PassThrough`,
      '    routes:',
      '      - { name: only, id: 0, target: { cluster: upstream } }',
      'virtualClusters:',
      '  - name: bench',
      '    target: { router: bench }',
      ...gateway(bootstrapPort),
      '',
    ].join('\n');
  }
  return [
    'clusterDefinitions:',
    '  - name: one',
    `    bootstrapServers: ${upstream}`,
    '  - name: two',
    `    bootstrapServers: ${upstream}`,
    'routerDefinitions:',
    '  - name: bench',
    '    type: TopicRouter',
    '    config: { defaultRoute: one, topics: [{ prefix: "two.", route: two }] }',
    '    routes:',
    '      - { name: one, id: 0, target: { cluster: one } }',
    '      - { name: two, id: 1, target: { cluster: two } }',
    'virtualClusters:',
    '  - name: bench',
    '    target: { router: bench }',
    ...gateway(bootstrapPort),
    '',
  ].join('\n');
}

/** The two clusters' bootstrap servers, in the order of `clusterNames`. */
export type TwoUpstreams = readonly [string, string];

function twoClusterDefinitions(upstreams: TwoUpstreams): string[] {
  return [
    'clusterDefinitions:',
    ...clusterIndexes.flatMap((i) => [`  - name: ${clusterNames[i]}`, `    bootstrapServers: ${upstreams[i]}`]),
  ];
}

/**
 * The routed workload's baseline: a plain pass-through virtual cluster per cluster, in one process
 * (so its CPU is read like any target's). The virtual cluster of cluster i bootstraps at
 * `bootstrapPort + i * proxyPortCount`.
 */
export function vcPerClusterConfig(upstreams: TwoUpstreams, bootstrapPort: number): string {
  return [
    ...twoClusterDefinitions(upstreams),
    'virtualClusters:',
    ...clusterIndexes.flatMap((i) => [
      `  - name: bench-${clusterNames[i]}`,
      '    target:',
      `      cluster: ${clusterNames[i]}`,
      ...gateway(bootstrapPort + i * proxyPortCount),
    ]),
    '',
  ].join('\n');
}

/**
 * The routed workload's subject: one virtual cluster, a TopicRouter over the two clusters. Topics
 * and groups whose names start with a cluster's prefix (two-clusters.ts) are owned by that cluster,
 * so the workload's two clients each reach one cluster through the same bootstrap address.
 */
export function unionConfig(upstreams: TwoUpstreams, bootstrapPort: number): string {
  const rules = clusterIndexes.map((i) => `{ prefix: "${clusterPrefix(i)}", route: ${clusterNames[i]} }`).join(', ');
  return [
    ...twoClusterDefinitions(upstreams),
    'routerDefinitions:',
    '  - name: union',
    '    type: TopicRouter',
    '    config:',
    `      defaultRoute: ${clusterNames[0]}`,
    `      topics: [${rules}]`,
    `      groups: [${rules}]`,
    '    routes:',
    ...clusterIndexes.map(
      (i) => `      - { name: ${clusterNames[i]}, id: ${i}, target: { cluster: ${clusterNames[i]} } }`,
    ),
    'virtualClusters:',
    '  - name: bench',
    '    target: { router: union }',
    ...gateway(bootstrapPort),
    '',
  ].join('\n');
}
