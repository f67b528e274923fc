// The single import point of the real proxy core for the lifecycle. KafkaProxy uses this factory
// unless a test injects another one.
export { createProxyRuntime as defaultRuntimeFactory } from '../virtual-cluster.ts';
