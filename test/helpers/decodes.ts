// Which messages the proxy decodes while some work runs, seen on the `switchyard:decode`
// diagnostics channel (the proxy runs in the test's process): the probe of "forwarded as bytes".
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { DecodeEvent } from '../../src/pipeline/diagnostics.ts';

/** The decodes made while `work` runs, in order, as "request 0", "response 1", … */
export async function decodesDuring(work: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const record = (event: unknown): void => {
    const { direction, apiKey } = event as DecodeEvent;
    seen.push(`${direction} ${apiKey}`);
  };
  subscribe('switchyard:decode', record);
  try {
    await work();
  } finally {
    unsubscribe('switchyard:decode', record);
  }
  return seen;
}
