// Kafka clusters for node:test files: started once per file and shared by its tests, stopped
// when the file's tests are done, and when a test fails, the end of every broker log is printed
// under it, since the broker's view is usually what explains the failure.
import { after, afterEach, type TestContext } from 'node:test';
import { type KafkaCluster, type KafkaClusterOptions, startKafkaCluster } from '../../testbed/index.ts';

/**
 * Starts a cluster for the tests of the calling file. Call it at the top level of a test file
 * (`const cluster = await useKafkaCluster({...})`), or in a `before` hook.
 */
export async function useKafkaCluster(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const cluster = await startKafkaCluster(options);
  after(() => cluster.stop());
  afterEach((t) => {
    // `passed` exists at runtime on every test context (Node 24) but is missing from its types.
    if ((t as TestContext & { passed?: boolean }).passed === false) {
      process.stderr.write(
        `\nBroker logs of cluster '${cluster.name}' after the failure of "${t.name}":\n${cluster.logTail()}\n`,
      );
    }
  });
  return cluster;
}
