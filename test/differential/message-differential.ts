// The differential check of the generated codecs against Kafka's own message classes. For each
// message, version and seed: a random instance is encoded by Switchyard and by Kafka (from JSON), and
// the bytes must be identical; Kafka's bytes must decode in Switchyard to what Kafka itself decodes
// them to; Switchyard's own bytes must decode back to the instance.
import { isDeepStrictEqual } from 'node:util';
import { codecsFor, otherCodecs } from '../../src/protocol/generated/codecs.ts';
import type { MessageCodec } from '../../src/protocol/message-codec.ts';
import { ByteReader } from '../../src/protocol/wire/reader.ts';
import { ByteWriter } from '../../src/protocol/wire/writer.ts';
import type { JavaHarness } from './java-harness.ts';
import { startJavaHarness } from './java-harness.ts';
import { canonical, parseJsonExact, toKafkaJsonText } from './kafka-json.ts';
import { randomMessage, seededRng } from './random-message.ts';

export const HARNESS_SOURCE = new URL('./MessageHarness.java', import.meta.url).pathname;

export function startMessageHarness(): JavaHarness {
  return startJavaHarness({ source: HARNESS_SOURCE });
}

/** Every generated codec: all API requests and responses, the headers and the other data messages. */
export function allCodecs(): MessageCodec<unknown>[] {
  const out: MessageCodec<unknown>[] = [];
  for (let key = 0; key < 0x8000; key++) {
    const c = codecsFor(key);
    if (c) out.push(c.request, c.response);
  }
  out.push(...(Object.values(otherCodecs) as MessageCodec<unknown>[]));
  return out;
}

/** Kafka's class for a spec: `XxxData` for API messages and headers, the spec name for data messages. */
function javaClass(codec: MessageCodec<unknown>): string {
  return codec.schema.kind === 'data' ? codec.name : `${codec.name}Data`;
}

export interface CaseResult {
  readonly message: string;
  readonly version: number;
  readonly seed: number;
  /** Empty when the case passed. */
  readonly failures: string[];
}

function encodeWithSize(codec: MessageCodec<unknown>, msg: unknown, version: number): Buffer {
  const size = codec.size(msg, version);
  const buf = Buffer.alloc(size);
  const w = ByteWriter.into(buf);
  codec.encode(w, msg, version);
  if (w.length !== size) throw new Error(`size() said ${size} bytes but encode() wrote ${w.length}`);
  return buf;
}

function decodeAll(codec: MessageCodec<unknown>, bytes: Buffer, version: number): unknown {
  const r = new ByteReader(bytes);
  const msg = codec.decode(r, version);
  if (r.remaining() !== 0) throw new Error(`${r.remaining()} bytes left after decoding`);
  return msg;
}

interface KafkaAnswer {
  ok: boolean;
  error?: string;
  bytes?: string;
  json?: unknown;
  remaining?: number;
}

export async function runCase(
  harness: JavaHarness,
  codec: MessageCodec<unknown>,
  version: number,
  seed: number,
): Promise<CaseResult> {
  const failures: string[] = [];
  const schema = codec.schema;
  const result = { message: codec.name, version, seed, failures };
  const msg = randomMessage(schema, version, seededRng(seed * 7919 + version));
  let ours: Buffer;
  try {
    ours = encodeWithSize(codec, msg, version);
    const back = decodeAll(codec, ours, version);
    if (!isDeepStrictEqual(canonical(back, schema, version, false), canonical(msg, schema, version, false))) {
      failures.push('own bytes do not decode back to the instance');
    }
  } catch (err) {
    failures.push(`Switchyard failed: ${(err as Error).message}`);
    return result;
  }
  const jsonText = toKafkaJsonText(msg, schema, version);
  const name = JSON.stringify(javaClass(codec));
  const encoded = JSON.parse(
    await harness.callLine(`{"op":"encode","class":${name},"version":${version},"json":${jsonText}}`),
  ) as KafkaAnswer;
  if (!encoded.ok || encoded.bytes === undefined) {
    failures.push(`Kafka could not encode the instance: ${encoded.error}`);
    return result;
  }
  const theirs = Buffer.from(encoded.bytes, 'base64');
  if (!theirs.equals(ours)) {
    failures.push(`bytes differ: Switchyard ${ours.toString('hex')} / Kafka ${theirs.toString('hex')}`);
  }
  const decodedText = await harness.callLine(
    `{"op":"decode","class":${name},"version":${version},"bytes":"${theirs.toString('base64')}"}`,
  );
  const decoded = parseJsonExact(decodedText) as { ok: boolean; error?: string; json?: unknown };
  if (!decoded.ok) {
    failures.push(`Kafka could not decode its own bytes: ${decoded.error}`);
    return result;
  }
  try {
    const mine = canonical(decodeAll(codec, theirs, version), schema, version, false);
    const kafka = canonical(decoded.json, schema, version, true);
    if (!isDeepStrictEqual(mine, kafka)) {
      failures.push(`decoded JSON differs: Switchyard ${JSON.stringify(mine)} / Kafka ${JSON.stringify(kafka)}`);
    }
  } catch (err) {
    failures.push(`decoding Kafka's bytes failed: ${(err as Error).message}`);
  }
  return result;
}

export interface DifferentialSummary {
  readonly cases: number;
  readonly failures: CaseResult[];
  /** `${message} v${version}` of every (message, version) pair exercised. */
  readonly versionsCovered: Set<string>;
}

/**
 * Runs `seedsPerVersion` cases for every version of every codec in `codecs`, keeping a bounded
 * number of requests in flight to the harness.
 */
export async function runDifferential(
  harness: JavaHarness,
  codecs: readonly MessageCodec<unknown>[],
  seedsPerVersion: number,
): Promise<DifferentialSummary> {
  const jobs: Array<() => Promise<CaseResult>> = [];
  for (const codec of codecs) {
    for (let v = codec.minVersion; v <= codec.maxVersion; v++) {
      for (let seed = 1; seed <= seedsPerVersion; seed++) jobs.push(() => runCase(harness, codec, v, seed));
    }
  }
  const failures: CaseResult[] = [];
  const versionsCovered = new Set<string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const result = await jobs[next++]!();
      versionsCovered.add(`${result.message} v${result.version}`);
      if (result.failures.length > 0) failures.push(result);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { cases: jobs.length, failures, versionsCovered };
}
