// Mutated and truncated bodies of every API and version must only ever produce DecodeError (or a
// successful decode), quickly: no other exception type, no hang, no oversized allocation.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { codecsFor } from '../../../src/protocol/generated/codecs.ts';
import { readRequestHeader, readResponseHeader } from '../../../src/protocol/headers.ts';
import type { MessageCodec } from '../../../src/protocol/message-codec.ts';
import { DecodeError } from '../../../src/protocol/wire/errors.ts';
import { ByteReader } from '../../../src/protocol/wire/reader.ts';
import { ByteWriter } from '../../../src/protocol/wire/writer.ts';
import { randomMessage, seededRng } from '../../differential/random-message.ts';

const MUTATIONS_PER_VERSION = 60;

function mutate(bytes: Buffer, rng: () => number): Buffer {
  const out = Buffer.from(bytes);
  const kind = Math.floor(rng() * 4);
  if (kind === 0 || out.length === 0) return out.subarray(0, Math.floor(rng() * out.length));
  const flips = 1 + Math.floor(rng() * 4);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(rng() * out.length);
    // Lengths and counts are where decoders go wrong: favour all-ones and sign bits.
    out[at] = kind === 1 ? 0xff : kind === 2 ? out[at]! ^ (1 << Math.floor(rng() * 8)) : Math.floor(rng() * 256);
  }
  return out;
}

it('mutated and truncated bodies of every API and version decode or throw DecodeError, in bounded time', () => {
  const rng = seededRng(20261121);
  const started = Date.now();
  let decodes = 0;
  const unexpected: string[] = [];
  for (let key = 0; key < 0x8000; key++) {
    const api = codecsFor(key);
    if (!api) continue;
    for (const codec of [api.request, api.response] as MessageCodec<unknown>[]) {
      for (let v = codec.minVersion; v <= codec.maxVersion; v++) {
        const msg = randomMessage(codec.schema, v, rng);
        const w = new ByteWriter(64);
        codec.encode(w, msg, v);
        const valid = w.finish();
        for (let i = 0; i < MUTATIONS_PER_VERSION; i++) {
          const input = mutate(valid, rng);
          decodes++;
          try {
            codec.decode(new ByteReader(input), v);
          } catch (err) {
            if (!(err instanceof DecodeError)) unexpected.push(`${codec.name} v${v}: ${String(err)}`);
            else if (err.apiKey !== key || err.apiVersion !== v)
              unexpected.push(`${codec.name} v${v}: no context in ${err.message}`);
            else if (err.offset < 0 || err.offset > input.length)
              unexpected.push(`${codec.name} v${v}: offset ${err.offset}`);
          }
        }
      }
    }
  }
  assert.deepEqual(unexpected.slice(0, 10), []);
  assert.ok(decodes > 10000, `${decodes} decodes`);
  assert.ok(Date.now() - started < 30000, 'fuzzing took too long');
});

it('rejects an array count larger than the remaining bytes before allocating anything', () => {
  const codec = codecsFor(3)!.response;
  // MetadataResponse v0: brokers array claiming 2^31 - 1 elements in a 4-byte body.
  assert.throws(
    () => codec.decode(new ByteReader(Buffer.from([0x7f, 0xff, 0xff, 0xff])), 0),
    (e) =>
      e instanceof DecodeError &&
      e.apiKey === 3 &&
      e.apiVersion === 0 &&
      e.offset === 4 &&
      /2147483647/.test(e.message),
  );
});

it('random request and response header bytes yield a header or DecodeError', () => {
  const rng = seededRng(7);
  for (let i = 0; i < 20000; i++) {
    const frame = Buffer.alloc(Math.floor(rng() * 40));
    for (let j = 0; j < frame.length; j++) frame[j] = rng() < 0.3 ? 0xff : Math.floor(rng() * 256);
    // Mostly real api keys and versions, so that known headers are exercised too.
    if (frame.length >= 8 && rng() < 0.7) {
      frame.writeInt16BE(Math.floor(rng() * 80), 4);
      frame.writeInt16BE(Math.floor(rng() * 14), 6);
    }
    for (const read of [() => readRequestHeader(frame), () => readResponseHeader(frame, i % 2)]) {
      try {
        const h = read();
        assert.ok(h.bodyOffset <= frame.length);
      } catch (err) {
        assert.ok(err instanceof DecodeError, String(err));
      }
    }
  }
});
