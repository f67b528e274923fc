// The test bed's public API: real Apache Kafka clusters (KRaft) for tests, benchmarks and demos.

export { atExit, trackChild } from './child-reaper.ts';
export { type ConnectionOptions, type KafkaCluster, startKafkaCluster } from './cluster.ts';
export { type JavaToolOptions, type JavaToolResult, runJavaTool } from './java.ts';
export { type ProbedMetadata, probeMetadata } from './probe.ts';
export {
  type CertificateAuthority,
  createCertificateAuthority,
  type IssuedCertificate,
  issueCertificate,
} from './tls.ts';
export type * from './types.ts';
