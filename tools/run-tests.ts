// The test command: every unit, integration and interop test in one run of Node's test runner,
// so that the run ends with the runner's own summary. Integration files start real Kafka brokers;
// two files at a time keeps a 2-core machine busy without starving the brokers.
import { spawnSync } from 'node:child_process';

const patterns = process.argv.length > 2 ? process.argv.slice(2) : ['test/**/*.test.ts'];
const result = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=2', ...patterns], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
