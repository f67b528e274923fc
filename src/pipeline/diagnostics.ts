// Observability seams of the data path, on node:diagnostics_channel: publishing costs nothing while
// nobody subscribes, so tests and tools can watch the data path without module-global hooks.
import { channel } from 'node:diagnostics_channel';

/** A message body was decoded: `{ direction: 'request' | 'response', apiKey: number }`. */
export const decodeChannel = channel('switchyard:decode');

export interface DecodeEvent {
  readonly direction: 'request' | 'response';
  readonly apiKey: number;
}

/**
 * A large frame is forwarded as it arrives instead of whole (RequestMessage.streamed, a client's
 * response slot): `{ direction: 'request' | 'response', apiKey: number, bytes: number }`.
 */
export const streamChannel = channel('switchyard:stream');

export interface StreamEvent {
  readonly direction: 'request' | 'response';
  readonly apiKey: number;
  readonly bytes: number;
}
