// The single import point of the real proxy core for the lifecycle. KafkaProxy uses this factory
// unless a test injects another one.
//
// TODO(lead): replace the placeholder below with the real factory from src/proxy/virtual-cluster.ts:
//   export { createProxyRuntime as defaultRuntimeFactory } from '../virtual-cluster.ts';

import type { ProxyRuntimeFactory, VirtualClusterRuntime } from './virtual-cluster-runtime.ts';

export const defaultRuntimeFactory: ProxyRuntimeFactory = (virtualClusters) => ({
  virtualClusters: virtualClusters.map(
    (vc): VirtualClusterRuntime => ({
      name: vc.name,
      initialize: async () => {},
      bind: async () => {
        throw new Error('the proxy data path is not implemented yet');
      },
      gateways: () => [],
      stopAccepting: async () => {},
      drain: async () => ({ abandonedRequests: 0 }),
      closePlugins: async () => {},
    }),
  ),
  release: async () => {},
});
