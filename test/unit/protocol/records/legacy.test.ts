import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { compress } from '../../../../src/protocol/compression/index.ts';
import {
  CorruptRecordsError,
  decodeLegacyMessages,
  LegacyMessageView,
  RecordsDecodeError,
  splitBatches,
} from '../../../../src/protocol/records/index.ts';
import { DecodeError } from '../../../../src/protocol/wire/errors.ts';
import { legacyMessage, rejected, SeededRandom } from './helpers.ts';

function only(bytes: Buffer): LegacyMessageView {
  const [v] = splitBatches(bytes).batches;
  assert.ok(v instanceof LegacyMessageView);
  return v;
}

test('a magic 0 message has no timestamp', async () => {
  const v = only(legacyMessage({ magic: 0, offset: 7n, key: null, value: Buffer.from('v') }));
  assert.equal(v.timestampType, null);
  assert.deepEqual(await decodeLegacyMessages(v), [
    { magic: 0, offset: 7n, timestamp: -1n, timestampType: null, key: null, value: Buffer.from('v') },
  ]);
});

test('a magic 1 message carries its timestamp and type', async () => {
  const v = only(
    legacyMessage({ magic: 1, offset: 1n, attributes: 0x08, timestamp: 99n, key: Buffer.from('k'), value: null }),
  );
  assert.deepEqual(await decodeLegacyMessages(v), [
    { magic: 1, offset: 1n, timestamp: 99n, timestampType: 'LogAppendTime', key: Buffer.from('k'), value: null },
  ]);
});

test('magic 1 wrapped messages get absolute offsets from the wrapper, and its log-append time', async () => {
  const inner = Buffer.concat(
    [0n, 1n, 2n].map((o) =>
      legacyMessage({ magic: 1, offset: o, timestamp: 5n, key: null, value: Buffer.from(`m${o}`) }),
    ),
  );
  const wrapper = legacyMessage({
    magic: 1,
    offset: 52n,
    attributes: 0x08 | 1,
    timestamp: 1000n,
    key: null,
    value: gzipSync(inner),
  });
  const records = await decodeLegacyMessages(only(wrapper));
  assert.deepEqual(
    records.map((r) => [r.offset, r.timestamp, r.timestampType, r.value?.toString()]),
    [
      [50n, 1000n, 'LogAppendTime', 'm0'],
      [51n, 1000n, 'LogAppendTime', 'm1'],
      [52n, 1000n, 'LogAppendTime', 'm2'],
    ],
  );
});

test('magic 0 wrapped messages keep their absolute offsets', async () => {
  const inner = Buffer.concat([legacyMessage({ magic: 0, offset: 10n, key: null, value: Buffer.from('a') })]);
  const wrapper = legacyMessage({
    magic: 0,
    offset: 10n,
    attributes: 2,
    key: null,
    value: await compress('snappy', inner),
  });
  assert.equal((await decodeLegacyMessages(only(wrapper)))[0]!.offset, 10n);
});

test('a compressed message inside a compressed one is a RecordsDecodeError', async () => {
  const nested = legacyMessage({ magic: 1, offset: 0n, attributes: 1, key: null, value: gzipSync(Buffer.alloc(0)) });
  const wrapper = legacyMessage({ magic: 1, offset: 0n, attributes: 1, key: null, value: gzipSync(nested) });
  assert.ok((await rejected(decodeLegacyMessages(only(wrapper)))) instanceof RecordsDecodeError);
});

test('a compressed message with a null value is a RecordsDecodeError', async () => {
  const wrapper = legacyMessage({ magic: 1, offset: 0n, attributes: 1, key: null, value: null });
  assert.ok((await rejected(decodeLegacyMessages(only(wrapper)))) instanceof RecordsDecodeError);
});

test('a wrong CRC32 is a CorruptRecordsError', async () => {
  const bytes = legacyMessage({ magic: 1, offset: 0n, key: null, value: Buffer.from('x') });
  bytes[bytes.length - 1]! ^= 1;
  const err = await rejected(decodeLegacyMessages(only(bytes)));
  assert.ok(err instanceof CorruptRecordsError);
  assert.equal(err.offset, 12);
});

test('zstd is not a legacy codec', async () => {
  const bytes = legacyMessage({ magic: 1, offset: 0n, attributes: 4, key: null, value: Buffer.from('x') });
  assert.ok((await rejected(decodeLegacyMessages(only(bytes)))) instanceof RecordsDecodeError);
});

test('fuzz: mutated legacy message sets only ever decode or throw a DecodeError', async () => {
  const rnd = new SeededRandom(77);
  const inner = Buffer.concat(
    Array.from({ length: 5 }, (_, i) =>
      legacyMessage({ magic: 1, offset: BigInt(i), key: rnd.bytes(3), value: rnd.bytes(20) }),
    ),
  );
  const codecs = ['none', 'gzip', 'snappy', 'lz4'] as const;
  for (let codec = 0; codec < codecs.length; codec++) {
    const value = codec === 0 ? Buffer.from('plain') : await compress(codecs[codec]!, inner);
    const original = legacyMessage({ magic: 1, offset: 4n, attributes: codec, key: null, value });
    for (let round = 0; round < 150; round++) {
      const bytes = Buffer.from(original);
      for (let k = rnd.int(1, 3); k > 0; k--) bytes[rnd.int(16, bytes.length - 1)] = rnd.int(0, 255);
      try {
        for (const v of splitBatches(bytes).batches) {
          if (v instanceof LegacyMessageView) await decodeLegacyMessages(v, { verifyChecksum: false });
        }
      } catch (e) {
        assert.ok(e instanceof DecodeError, `codec ${codec} round ${round}: ${String(e)}`);
      }
    }
  }
});
