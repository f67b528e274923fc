import { crc32 } from 'node:zlib';

/** A small seeded PRNG (mulberry32) so that property and fuzz tests are reproducible. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

/** The error `fn` throws (fails the test if it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception');
}

/** The error the promise rejects with (fails the test if it resolves). */
export async function rejected(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** A legacy (magic 0/1) message, built by hand for tests: Switchyard itself never writes them. */
export function legacyMessage(options: {
  magic: 0 | 1;
  offset: bigint;
  attributes?: number;
  timestamp?: bigint;
  key: Buffer | null;
  value: Buffer | null;
}): Buffer {
  const { magic, key, value } = options;
  const body = Buffer.alloc(2 + (magic === 1 ? 8 : 0) + 4 + (key?.length ?? 0) + 4 + (value?.length ?? 0));
  let at = body.writeInt8(magic, 0);
  at = body.writeInt8(options.attributes ?? 0, at);
  if (magic === 1) at = body.writeBigInt64BE(options.timestamp ?? 0n, at);
  at = body.writeInt32BE(key === null ? -1 : key.length, at);
  if (key !== null) at += key.copy(body, at);
  at = body.writeInt32BE(value === null ? -1 : value.length, at);
  if (value !== null) value.copy(body, at);
  const head = Buffer.alloc(16);
  head.writeBigInt64BE(options.offset, 0);
  head.writeInt32BE(4 + body.length, 8);
  head.writeUInt32BE(crc32(body), 12);
  return Buffer.concat([head, body]);
}
