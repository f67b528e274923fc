// Differential test of every generated message codec against Kafka's own classes (see
// message-differential.ts). A few seeded cases per (message, version) keep it quick in `npm test`;
// `npm run protocol:coverage` runs many more.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MessageCodec } from '../../src/protocol/message-codec.ts';
import type { JavaHarness } from './java-harness.ts';
import { allCodecs, runCase, runDifferential, startMessageHarness } from './message-differential.ts';

const SEEDS_PER_VERSION = 3;

describe('generated codecs agree with Kafka byte for byte', () => {
  let harness: JavaHarness;
  before(() => {
    harness = startMessageHarness();
  });
  after(() => harness.close());

  for (const codec of allCodecs()) {
    it(`${codec.name} v${codec.minVersion}-${codec.maxVersion}: same bytes as Kafka, and Kafka's bytes decode to what Kafka decodes`, async () => {
      const summary = await runDifferential(harness, [codec], SEEDS_PER_VERSION);
      assert.equal(summary.cases, (codec.maxVersion - codec.minVersion + 1) * SEEDS_PER_VERSION);
      const report = summary.failures.map(
        (f) => `v${f.version} seed ${f.seed}: ${f.failures.join('; ').slice(0, 600)}`,
      );
      assert.deepEqual(report, []);
    });
  }

  it('reports a codec that writes one wrong byte', async () => {
    const metadata = allCodecs().find((c) => c.name === 'MetadataResponse')!;
    const broken: MessageCodec<unknown> = {
      ...metadata,
      encode(w, msg, version) {
        const start = w.position;
        metadata.encode(w, msg, version);
        const bytes = w.finish();
        const at = start + 1;
        bytes[at] = bytes[at]! ^ 0x01;
      },
    };
    const result = await runCase(harness, broken, 12, 1);
    assert.ok(
      result.failures.some((f) => f.startsWith('bytes differ')),
      result.failures.join('\n'),
    );
  });
});
