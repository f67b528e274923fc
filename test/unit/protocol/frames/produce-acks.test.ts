import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readProduceAcks } from '../../../../src/protocol/frames/index.ts';
import {
  defaultProduceRequest,
  writeProduceRequest,
} from '../../../../src/protocol/generated/messages/produce-request.ts';
import { DecodeError } from '../../../../src/protocol/wire/errors.ts';
import { ByteWriter } from '../../../../src/protocol/wire/writer.ts';
import { loadSpecsFromJar } from '../../../../tools/codegen/spec.ts';
import { kafkaDistribution } from '../../../../tools/kafka-dist.ts';
import { SeededRandom, thrown } from '../records/helpers.ts';

/** A frame with `headerBytes` of filler standing in for the size prefix and request header. */
function body(headerBytes: number, write: (w: ByteWriter) => void): Buffer {
  const w = new ByteWriter();
  for (let i = 0; i < headerBytes; i++) w.int8(0x55);
  write(w);
  w.int32(30000); // timeout_ms, so that acks is not the last field
  return w.finish();
}

test('v0 to v2 start with acks', () => {
  for (const v of [0, 1, 2])
    assert.equal(
      readProduceAcks(
        body(10, (w) => w.int16(-1)),
        10,
        v,
      ),
      -1,
    );
});

test('v3 to v8 skip a nullable string transactional id', () => {
  for (const v of [3, 8]) {
    assert.equal(
      readProduceAcks(
        body(12, (w) => {
          w.nullableString('tx-1');
          w.int16(1);
        }),
        12,
        v,
      ),
      1,
    );
    assert.equal(
      readProduceAcks(
        body(12, (w) => {
          w.nullableString(null);
          w.int16(0);
        }),
        12,
        v,
      ),
      0,
    );
    assert.equal(
      readProduceAcks(
        body(12, (w) => {
          w.nullableString('');
          w.int16(-1);
        }),
        12,
        v,
      ),
      -1,
    );
  }
});

test('v9 and later skip a compact nullable string transactional id', () => {
  for (const v of [9, 13]) {
    assert.equal(
      readProduceAcks(
        body(14, (w) => {
          w.compactNullableString('x'.repeat(200));
          w.int16(0);
        }),
        14,
        v,
      ),
      0,
    );
    assert.equal(
      readProduceAcks(
        body(14, (w) => {
          w.compactNullableString(null);
          w.int16(1);
        }),
        14,
        v,
      ),
      1,
    );
  }
});

test('a body that ends before acks is a DecodeError naming the offset', () => {
  const frame = body(8, (w) => w.nullableString('transactional'));
  const short = frame.subarray(0, 8 + 2 + 5);
  const err = thrown(() => readProduceAcks(short, 8, 3));
  assert.ok(err instanceof DecodeError);
  assert.equal(err.apiKey, 0);
  assert.equal(err.offset, short.length);
});

test('a truncated compact length varint is a DecodeError', () => {
  assert.throws(() => readProduceAcks(Buffer.from([0x80, 0x80]), 0, 9), DecodeError);
});

test('an over-long compact length varint is a DecodeError', () => {
  assert.throws(() => readProduceAcks(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0, 0]), 0, 9), DecodeError);
});

test('a transactional id length below -1 is a DecodeError', () => {
  assert.throws(() => readProduceAcks(Buffer.from([0xff, 0xfe, 0, 1]), 0, 3), DecodeError);
});

test('fuzz: random bodies give acks or a DecodeError, for every version', () => {
  const rnd = new SeededRandom(5);
  for (let round = 0; round < 2000; round++) {
    const frame = rnd.bytes(rnd.int(0, 12));
    const offset = rnd.int(0, frame.length);
    try {
      const acks = readProduceAcks(frame, offset, rnd.int(0, 13));
      assert.ok(acks >= -32768 && acks <= 32767);
    } catch (e) {
      assert.ok(e instanceof DecodeError, String(e));
    }
  }
});

test('agrees with the generated ProduceRequest codec for every version it supports', () => {
  for (let version = 3; version <= 13; version++) {
    for (const transactionalId of [null, '', 'tx', 'é'.repeat(150)]) {
      for (const acks of [-1, 0, 1]) {
        const w = new ByteWriter();
        w.int32(0x5a5a5a5a); // stands in for the size prefix and header
        writeProduceRequest(
          w,
          { ...defaultProduceRequest(), transactionalId, acks, timeoutMs: 1000, topicData: [] },
          version,
        );
        assert.equal(readProduceAcks(w.finish(), 4, version), acks, `v${version} ${transactionalId}`);
      }
    }
  }
});

test("the version boundaries match ProduceRequest.json in Kafka's jar", () => {
  const spec = loadSpecsFromJar(kafkaDistribution().clientsJar).find((s) => s.name === 'ProduceRequest')!;
  assert.equal(spec.flexibleVersions, '9+');
  const [first, second] = spec.fields;
  assert.deepEqual(
    [first?.name, first?.type, first?.versions, first?.nullableVersions],
    ['TransactionalId', 'string', '3+', '3+'],
  );
  assert.deepEqual([second?.name, second?.type, second?.versions], ['Acks', 'int16', '0+']);
});
