// Every field the Kafka specs mark as a topic name, group id or transactional id, in every request
// and response of every API version, is renamed by the Namespace filter. The fields are found by
// walking the generated schemas here (not through the filter's own table), so a field the filter
// forgets (or a new Kafka release adds) fails this test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiInfos } from '../../../../src/protocol/generated/api-keys.ts';
import {
  codecsFor,
  type FieldSchema,
  findFields,
  type StructSchema,
  versionIn,
} from '../../../../src/protocol/index.ts';
import { ZERO_UUID } from '../../../../src/protocol/wire/uuid.ts';
import { namespaceFilter } from './harness.ts';

const NAMING = new Set(['topicName', 'groupId', 'transactionalId']);
const naming = (f: FieldSchema) => f.entityType !== undefined && NAMING.has(f.entityType);

/** A message of `version` with one element in every array of structs and `name` in every naming field. */
function instance(struct: StructSchema, version: number, name: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of struct.fields) {
    if (field.struct !== undefined) {
      const inner = instance(field.struct, version, name);
      out[field.name] = field.isArray ? [inner] : inner;
    } else if (naming(field) && versionIn(field.versions, version)) {
      out[field.name] = field.isArray ? [name] : name;
    } else if (field.primitive === 'uuid') {
      out[field.name] = ZERO_UUID;
    } else {
      out[field.name] = Array.isArray(field.default) ? [] : field.default;
    }
  }
  return out;
}

/** The values at `path` (arrays traversed). */
function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((item) => valuesAt(item, path));
  if (path.length === 0) return [value];
  return valuesAt((value as Record<string, unknown>)[path[0]!], path.slice(1));
}

interface Case {
  readonly apiKey: number;
  readonly api: string;
  readonly version: number;
  readonly direction: 'request' | 'response';
  readonly schema: StructSchema;
  readonly paths: readonly (readonly string[])[];
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const info of apiInfos) {
    if (info === undefined) continue;
    const codecs = codecsFor(info.apiKey)!;
    for (const direction of ['request', 'response'] as const) {
      const codec = codecs[direction];
      for (let version = codec.minVersion; version <= codec.maxVersion; version++) {
        const paths = findFields(codec.schema, version, naming).map((l) => l.path);
        if (paths.length > 0)
          out.push({ apiKey: info.apiKey, api: info.name, version, direction, schema: codec.schema, paths });
      }
    }
  }
  return out;
}

const all = cases();

test('the specs have naming fields to check (the walk finds them)', () => {
  assert.ok(all.length > 100, `${all.length} api versions with naming fields`);
});

test('the filter declares an interest in every API whose requests or responses name topics, groups or transactional ids', async () => {
  const harness = await namespaceFilter('t1.');
  const interests = new Set(harness.filter.interests);
  const missing = [...new Set(all.map((c) => c.api))].filter(
    (api) => !interests.has(apiInfos.find((i) => i?.name === api)!.apiKey as never),
  );
  assert.deepEqual(missing, []);
});

test('every naming field of every request version gets the prefix', async () => {
  const forgotten: string[] = [];
  for (const c of all.filter((c) => c.direction === 'request')) {
    const harness = await namespaceFilter('t1.');
    const body = instance(c.schema, c.version, 'x');
    const result = await harness.request(c.apiKey, c.version, body);
    assert.equal(result?.decision.kind, 'forwardModified', `${c.api} v${c.version} request is rewritten`);
    for (const path of c.paths) {
      const values = valuesAt(body, path);
      if (values.length === 0 || values.some((v) => v !== 't1.x'))
        forgotten.push(`${c.api} v${c.version} request ${path.join('.')}: ${JSON.stringify(values)}`);
    }
  }
  assert.deepEqual(forgotten, []);
});

test('every naming field of every response version loses the prefix', async () => {
  const forgotten: string[] = [];
  for (const c of all.filter((c) => c.direction === 'response')) {
    const harness = await namespaceFilter('t1.');
    const body = instance(c.schema, c.version, 't1.x');
    const result = await harness.response(c.apiKey, c.version, body);
    assert.equal(result?.decision.kind, 'forwardModified', `${c.api} v${c.version} response is rewritten`);
    for (const path of c.paths) {
      const values = valuesAt(body, path);
      if (values.length === 0 || values.some((v) => v !== 'x'))
        forgotten.push(`${c.api} v${c.version} response ${path.join('.')}: ${JSON.stringify(values)}`);
    }
  }
  assert.deepEqual(forgotten, []);
});

test("no naming field of any response version lets another tenant's name through", async () => {
  const leaked: string[] = [];
  for (const c of all.filter((c) => c.direction === 'response')) {
    const harness = await namespaceFilter('t1.');
    const body = instance(c.schema, c.version, 't2.x');
    await harness.response(c.apiKey, c.version, body);
    for (const path of c.paths) {
      const values = valuesAt(body, path).flat();
      if (values.some((v) => typeof v === 'string' && v !== ''))
        leaked.push(`${c.api} v${c.version} response ${path.join('.')}: ${JSON.stringify(values)}`);
    }
  }
  assert.deepEqual(leaked, []);
});
