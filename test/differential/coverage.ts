// `npm run protocol:coverage`: the differential test with many cases per (message, version). The last
// line of output is one JSON object summarizing the coverage.
import { apiInfos } from '../../src/protocol/generated/api-keys.ts';
import { KAFKA_VERSION } from '../../src/protocol/generated/codecs.ts';
import { generateAll } from '../../tools/codegen/generate.ts';
import { allCodecs, runDifferential, startMessageHarness } from './message-differential.ts';

const seeds = Number(process.env.PROTOCOL_COVERAGE_SEEDS ?? 25);
const started = Date.now();
const harness = startMessageHarness();
try {
  const summary = await runDifferential(harness, allCodecs(), seeds);
  for (const f of summary.failures.slice(0, 20)) {
    process.stdout.write(`FAIL ${f.message} v${f.version} seed ${f.seed}: ${f.failures.join('; ').slice(0, 1000)}\n`);
  }
  process.stdout.write(
    `${summary.cases} cases over ${summary.versionsCovered.size} (message, version) pairs in ${Date.now() - started} ms\n`,
  );
  const line = {
    kafkaVersion: KAFKA_VERSION,
    messageSpecs: generateAll().messages.length,
    apiKeys: apiInfos.filter((i) => i !== undefined).length,
    versionsCovered: summary.versionsCovered.size,
    differentialCases: summary.cases,
    differentialFailures: summary.failures.length,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  process.exitCode = summary.failures.length === 0 ? 0 : 1;
} finally {
  await harness.close();
}
