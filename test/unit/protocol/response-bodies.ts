// Message bodies encoded as they sit in a frame, for the tests of the generated skims and walks.
import { ByteWriter, codecsFor, type MessageCodec } from '../../../src/protocol/index.ts';

export type Body = Record<string, unknown>;

export function responseCodec(apiKey: number): MessageCodec<Body> {
  return codecsFor(apiKey)!.response as MessageCodec<Body>;
}

/** The body encoded at an offset of a larger buffer, as it sits in a frame after size and header. */
export function encodeAt(codec: MessageCodec<Body>, body: Body, version: number) {
  const w = new ByteWriter(256);
  codec.encode(w, body, version);
  const encoded = w.finish();
  const offset = 9;
  const frame = Buffer.alloc(offset + encoded.length, 0xee);
  encoded.copy(frame, offset);
  return { frame, offset };
}
