// Observability seams of the data path, on node:diagnostics_channel: publishing costs nothing while
// nobody subscribes, so tests and tools can watch the data path without module-global hooks.
import { channel } from 'node:diagnostics_channel';

/** A message body was decoded: `{ direction: 'request' | 'response', apiKey: number }`. */
export const decodeChannel = channel('switchyard:decode');

export interface DecodeEvent {
  readonly direction: 'request' | 'response';
  readonly apiKey: number;
}
