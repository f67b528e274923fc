// RecordTransform: rewrites record values on produce (before they reach the cluster) or on fetch
// (before they reach the consumer). Each batch is decoded, transformed and re-encoded with its
// original compression; legacy (magic 0/1) batches, control batches and null values are left as
// they are. The transformation is built in (uppercase, lowercase) or a function exported by an
// ES module.

import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  FetchResponse,
  Filter,
  FilterContext,
  FilterFactory,
  FilterInterest,
  ProduceRequest,
  RequestHeader,
  ResponseHeader,
} from '../filter/index.ts';
import { FilterResults } from '../filter/index.ts';
import { PluginConfigurationError } from '../plugins/errors.ts';
import { ApiKey } from '../protocol/generated/api-keys.ts';
import { decodeRecordBatch, encodeRecordBatch, RecordBatchView, splitBatches } from '../protocol/records/index.ts';
import { topicNamesOf } from './topic-names.ts';

/** What a module transformation receives besides the value. */
export interface RecordTransformInput {
  readonly topic: string;
  readonly partition: number;
  readonly key: Buffer | null;
}

/** A transformation: the new value for a record value (never called for null values). */
export type ValueTransform = (value: Buffer, record: RecordTransformInput) => Buffer | Promise<Buffer>;

type TransformSpec = 'uppercase' | 'lowercase' | { readonly module: string; readonly export: string };

export interface RecordTransformConfig {
  /** Applied to values produced by clients. */
  readonly produce?: TransformSpec;
  /** Applied to values fetched by clients. */
  readonly fetch?: TransformSpec;
  /** Regular expression of the topic names to transform (whole name); absent = every topic. */
  readonly topics?: string;
}

interface Transforms {
  readonly produce: ValueTransform | undefined;
  readonly fetch: ValueTransform | undefined;
  readonly topics: RegExp | undefined;
}

const BUILT_IN: Readonly<Record<'uppercase' | 'lowercase', ValueTransform>> = {
  uppercase: (value) => Buffer.from(value.toString('utf8').toUpperCase(), 'utf8'),
  lowercase: (value) => Buffer.from(value.toString('utf8').toLowerCase(), 'utf8'),
};

/** Transforms every v2 data batch of a `records` field; returns undefined when nothing changed. */
async function transformRecords(
  records: Buffer | null,
  transform: ValueTransform,
  topic: string,
  partition: number,
  allowPartialTail: boolean,
): Promise<Buffer | undefined> {
  if (records === null || records.length === 0) return undefined;
  const { batches, tail } = splitBatches(records, { allowPartialTail });
  let changed = false;
  const parts: Buffer[] = [];
  for (const view of batches) {
    if (!(view instanceof RecordBatchView) || view.isControl) {
      parts.push(view.bytes);
      continue;
    }
    const batch = await decodeRecordBatch(view);
    const transformed = [];
    for (const record of batch.records) {
      const value = record.value === null ? null : await transform(record.value, { topic, partition, key: record.key });
      transformed.push({ ...record, value });
    }
    parts.push(await encodeRecordBatch({ ...batch, records: transformed }));
    changed = true;
  }
  if (!changed) return undefined;
  parts.push(tail);
  return Buffer.concat(parts);
}

class RecordTransformFilter implements Filter {
  readonly interests: readonly FilterInterest[];
  readonly #transforms: Transforms;

  constructor(transforms: Transforms) {
    this.#transforms = transforms;
    this.interests = [...(transforms.produce ? [ApiKey.PRODUCE] : []), ...(transforms.fetch ? [ApiKey.FETCH] : [])];
  }

  #selected(topic: string): boolean {
    return this.#transforms.topics === undefined || this.#transforms.topics.test(topic);
  }

  async onProduceRequest(_header: RequestHeader, request: ProduceRequest, context: FilterContext) {
    const transform = this.#transforms.produce!;
    const names = await topicNamesOf(request.topicData, context);
    let changed = false;
    for (const [index, topic] of request.topicData.entries()) {
      const name = names[index]!;
      if (!this.#selected(name)) continue;
      for (const partition of topic.partitionData) {
        const records = await transformRecords(partition.records, transform, name, partition.index, false);
        if (records === undefined) continue;
        partition.records = records;
        changed = true;
      }
    }
    return changed ? FilterResults.forwardModified(request) : FilterResults.forward();
  }

  async onFetchResponse(_header: ResponseHeader, response: FetchResponse, context: FilterContext) {
    const transform = this.#transforms.fetch!;
    const names = await topicNamesOf(
      response.responses.map((t) => ({ name: t.topic, topicId: t.topicId })),
      context,
    );
    let changed = false;
    for (const [index, topic] of response.responses.entries()) {
      const name = names[index]!;
      if (!this.#selected(name)) continue;
      for (const partition of topic.partitions) {
        const records = await transformRecords(partition.records, transform, name, partition.partitionIndex, true);
        if (records === undefined) continue;
        partition.records = records;
        changed = true;
      }
    }
    return changed ? FilterResults.forwardModified(response) : FilterResults.forward();
  }
}

async function load(
  spec: TransformSpec | undefined,
  baseDir: string,
  key: string,
): Promise<ValueTransform | undefined> {
  if (spec === undefined) return undefined;
  if (typeof spec === 'string') return BUILT_IN[spec];
  const path = isAbsolute(spec.module) ? spec.module : resolve(baseDir, spec.module);
  let namespace: Record<string, unknown>;
  try {
    namespace = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new PluginConfigurationError(
      `cannot load module '${spec.module}': ${(error as Error).message}`,
      `/${key}/module`,
    );
  }
  const fn = namespace[spec.export];
  if (typeof fn !== 'function') {
    throw new PluginConfigurationError(
      `module '${spec.module}' has no function export '${spec.export}'`,
      `/${key}/export`,
    );
  }
  return fn as ValueTransform;
}

const TRANSFORM = {
  oneOf: [
    { enum: ['uppercase', 'lowercase'] },
    {
      type: 'object',
      required: ['module', 'export'],
      additionalProperties: false,
      properties: { module: { type: 'string' }, export: { type: 'string' } },
    },
  ],
};

export const RecordTransform: FilterFactory<RecordTransformConfig, Transforms> = {
  configSchema: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { produce: TRANSFORM, fetch: TRANSFORM, topics: { type: 'string' } },
  },
  async initialize(context, config) {
    let topics: RegExp | undefined;
    if (config.topics !== undefined) {
      try {
        topics = new RegExp(`^(?:${config.topics})$`);
      } catch (error) {
        throw new PluginConfigurationError(`invalid pattern: ${(error as Error).message}`, '/topics');
      }
    }
    const produce = await load(config.produce, context.configurationDirectory, 'produce');
    const fetch = await load(config.fetch, context.configurationDirectory, 'fetch');
    if (produce === undefined && fetch === undefined) {
      throw new PluginConfigurationError("set 'produce', 'fetch' or both");
    }
    return { produce, fetch, topics };
  },
  createFilter(_context, transforms) {
    return new RecordTransformFilter(transforms);
  },
};
