// The test command: every unit, integration and interop test in one run of Node's test runner,
// so that the run ends with the runner's own summary. Integration files start real Kafka brokers;
// two files at a time keeps a 2-core machine busy without starving the brokers. No single test may
// run longer than TEST_TIMEOUT_MS: a test that waits for something that never comes fails with its
// name instead of holding the whole run until CI gives up on it.
import { spawnSync } from 'node:child_process';

const patterns = process.argv.length > 2 ? process.argv.slice(2) : ['test/**/*.test.ts'];
const TEST_TIMEOUT_MS = 15 * 60_000;
const result = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=spec', '--test-concurrency=2', `--test-timeout=${TEST_TIMEOUT_MS}`, ...patterns],
  {
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
