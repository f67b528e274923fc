import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { compressSync as snappyRaw } from 'snappy';
import {
  COMPRESSION_TYPES,
  type CompressionType,
  compress,
  compressionTypeId,
  DecompressionError,
  DecompressionLimitError,
  decompress,
} from '../../../../src/protocol/compression/index.ts';
import { DecodeError } from '../../../../src/protocol/wire/errors.ts';
import { rejected, SeededRandom } from '../records/helpers.ts';

const codecs = COMPRESSION_TYPES.filter((t) => t !== 'none') as Exclude<CompressionType, 'none'>[];
const MB = 1024 * 1024;
const text = Buffer.from('the quick brown fox jumps over the lazy dog. '.repeat(5000));

test('codec ids follow Kafka attribute values', () => {
  assert.deepEqual(
    ['none', 'gzip', 'snappy', 'lz4', 'zstd'].map((t) => compressionTypeId(t as CompressionType)),
    [0, 1, 2, 3, 4],
  );
});

for (const type of codecs) {
  test(`${type}: compress then decompress gives the input back`, async () => {
    for (const input of [Buffer.alloc(0), Buffer.from('x'), text, new SeededRandom(1).bytes(100_000)]) {
      const packed = await compress(type, input);
      assert.deepEqual(await decompress(type, packed, { maxBytes: input.length }), input);
    }
  });

  test(`${type}: output above maxBytes is a DecompressionLimitError`, async () => {
    const packed = await compress(type, Buffer.alloc(4 * MB));
    const err = await rejected(decompress(type, packed, { maxBytes: MB, offset: 100 }));
    assert.ok(err instanceof DecompressionLimitError, String(err));
    assert.ok(err instanceof DecodeError);
  });

  test(`${type}: garbage is a DecompressionError naming the caller's offset`, async () => {
    const err = await rejected(
      decompress(type, Buffer.from('definitely not compressed data'), { maxBytes: MB, offset: 7 }),
    );
    assert.ok(err instanceof DecompressionError, String(err));
    assert.ok((err as DecompressionError).offset >= 7);
  });

  test(`${type}: truncated data is a DecompressionError`, async () => {
    const packed = await compress(type, text);
    for (const cut of [1, 5, 17, packed.length >> 1, packed.length - 1]) {
      const err = await rejected(decompress(type, packed.subarray(0, cut), { maxBytes: MB }));
      assert.ok(err instanceof DecompressionError, `${cut}: ${String(err)}`);
    }
  });
}

test('none: decompress returns the same bytes', async () => {
  assert.equal(await decompress('none', text, { maxBytes: 1 }), text);
});

test('snappy: writes the xerial framing the Java producer writes', async () => {
  const packed = await compress('snappy', text);
  assert.deepEqual(packed.subarray(0, 16), Buffer.from('82534e415050590000000001000000 01'.replace(/ /g, ''), 'hex'));
  // 32 KiB blocks, like snappy-java's default.
  const firstBlock = packed.readInt32BE(16);
  assert.equal(packed.readInt32BE(20 + firstBlock) > 0, true);
});

test('snappy: reads a raw block without xerial framing', async () => {
  assert.deepEqual(await decompress('snappy', snappyRaw(text), { maxBytes: MB }), text);
});

test('snappy: reads concatenated xerial streams', async () => {
  const a = await compress('snappy', Buffer.from('first '));
  const b = await compress('snappy', Buffer.from('second'));
  assert.equal((await decompress('snappy', Buffer.concat([a, b]), { maxBytes: MB })).toString(), 'first second');
});

test('snappy: a raw block declaring a huge length is refused before decompressing', async () => {
  const bomb = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
  assert.ok((await rejected(decompress('snappy', bomb, { maxBytes: MB }))) instanceof DecompressionLimitError);
});

test('lz4: writes the LZ4 frame format with independent blocks and no block or content checksums', async () => {
  const packed = await compress('lz4', text);
  assert.equal(packed.readUInt32LE(0), 0x184d2204);
  assert.equal(packed[4], 0x60);
  assert.ok([0x40, 0x50].includes(packed[5]!));
});

function xxh32(data: Buffer): number {
  // Reference xxHash32 for short inputs, written independently of the implementation under test.
  const P1 = 2654435761n;
  const P2 = 2246822519n;
  const P3 = 3266489917n;
  const P4 = 668265263n;
  const P5 = 374761393n;
  const M = 0xffffffffn;
  const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (32n - r))) & M;
  let h = (P5 + BigInt(data.length)) & M;
  let i = 0;
  for (; i + 4 <= data.length; i += 4) h = (rotl((h + BigInt(data.readUInt32LE(i)) * P3) & M, 17n) * P4) & M;
  for (; i < data.length; i++) h = (rotl((h + BigInt(data[i]!) * P5) & M, 11n) * P1) & M;
  h = ((h ^ (h >> 15n)) * P2) & M;
  h = ((h ^ (h >> 13n)) * P3) & M;
  return Number(h ^ (h >> 16n));
}

test('lz4: the header checksum is the xxHash32 of the descriptor', async () => {
  const packed = await compress('lz4', text);
  assert.equal(packed[6], (xxh32(packed.subarray(4, 6)) >>> 8) & 0xff);
});

test('lz4: a magic 0 frame with the pre-0.10 header checksum (KAFKA-3160) is read in legacy mode only', async () => {
  const broken = Buffer.from(await compress('lz4', text));
  broken[6] = (xxh32(broken.subarray(0, 6)) >>> 8) & 0xff;
  assert.notEqual(broken[6], (xxh32(broken.subarray(4, 6)) >>> 8) & 0xff);
  assert.deepEqual(await decompress('lz4', broken, { maxBytes: MB, legacyLz4HeaderChecksum: true }), text);
  assert.ok((await rejected(decompress('lz4', broken, { maxBytes: MB }))) instanceof DecompressionError);
});

test('lz4: a frame of many blocks beyond the limit is refused before decompressing', async () => {
  // 64 blocks of 64 KiB, each a single compressed literal, claim up to 4 MiB.
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
  const block = Buffer.from([0x01, 0x00, 0x00, 0x00, 0x00]);
  const bomb = Buffer.concat([header, ...Array.from({ length: 64 }, () => block), Buffer.alloc(4)]);
  const err = await rejected(decompress('lz4', bomb, { maxBytes: MB, offset: 9 }));
  assert.ok(err instanceof DecompressionLimitError);
  assert.equal((err as DecompressionLimitError).offset, 9);
});

test('gzip and zstd data written by other compressors is read', async () => {
  assert.deepEqual(await decompress('gzip', gzipSync(text, { level: 9 }), { maxBytes: MB }), text);
  assert.deepEqual(await decompress('zstd', zstdCompressSync(text), { maxBytes: MB }), text);
});

test('fuzz: mutated compressed data only ever gives data or a DecompressionError', async () => {
  const rnd = new SeededRandom(3);
  const input = Buffer.concat([text.subarray(0, 3000), rnd.bytes(1000)]);
  for (const type of codecs) {
    const packed = await compress(type, input);
    for (let round = 0; round < 150; round++) {
      const mutated = Buffer.from(packed.subarray(0, rnd.int(0, packed.length)));
      for (let k = rnd.int(0, 4); k > 0 && mutated.length > 0; k--)
        mutated[rnd.int(0, mutated.length - 1)] = rnd.int(0, 255);
      try {
        const out = await decompress(type, mutated, { maxBytes: 64 * 1024 });
        assert.ok(out.length <= 64 * 1024);
      } catch (e) {
        assert.ok(e instanceof DecompressionError, `${type} round ${round}: ${String(e)}`);
      }
    }
  }
});

test('codec libraries are loaded only when a codec is first used', () => {
  const script = `
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const native = () => Object.keys(require.cache).filter((k) => /node_modules\\/(snappy|lz4-napi)\\//.test(k)).length;
    const c = await import('./src/protocol/compression/index.ts');
    const before = native();
    await c.compress('snappy', Buffer.from('x'));
    console.log(JSON.stringify([before, native()]));
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const [before, after] = JSON.parse(result.stdout) as [number, number];
  assert.equal(before, 0);
  assert.ok(after > 0);
});
