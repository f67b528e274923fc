// Topic names of requests that may name topics by id only (PRODUCE v13+, FETCH v13+).

import type { FilterContext } from '../filter/index.ts';
import type { Uuid } from '../protocol/wire/uuid.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** The names of `topics`, asking the cluster (once per call) for those named only by id. */
export async function topicNamesOf(
  topics: readonly { readonly name: string; readonly topicId: Uuid }[],
  context: FilterContext,
): Promise<string[]> {
  const unnamed = topics.filter((t) => t.name === '' && t.topicId !== ZERO_UUID).map((t) => t.topicId);
  const byId = unnamed.length === 0 ? new Map<Uuid, string>() : await context.topicNames(unnamed);
  return topics.map((t) => (t.name !== '' ? t.name : (byId.get(t.topicId) ?? '')));
}
