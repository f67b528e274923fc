// Plugin config validation against configSchema (routing.md §4.8).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validatePluginConfig } from '../../../src/plugins/config-schema.ts';

test('without a schema every config is valid and returned deep-frozen', () => {
  const result = validatePluginConfig(undefined, { a: { b: [1] } });
  assert.equal(result.kind, 'valid');
  assert.ok(result.kind === 'valid' && Object.isFrozen((result.value as { a: { b: number[] } }).a.b));
});

test('defaults are applied to a copy; the input is not changed', () => {
  const input = {};
  const result = validatePluginConfig({ type: 'object', properties: { n: { type: 'integer', default: 5 } } }, input);
  assert.deepEqual(result, { kind: 'valid', value: { n: 5 } });
  assert.deepEqual(input, {});
});

test('every violation is reported with its JSON pointer; unexpected properties point at themselves', () => {
  const result = validatePluginConfig(
    {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: { name: { type: 'string' }, 'a/b': { type: 'integer' } },
    },
    { 'a/b': 'x', 'c~d': 1 },
  );
  assert.deepEqual(result, {
    kind: 'invalid',
    violations: [
      { pointer: '', message: "must have required property 'name'" },
      { pointer: '/c~0d', message: 'must NOT have additional properties' },
      { pointer: '/a~1b', message: 'must be integer' },
    ],
  });
});

test('schemas are checked strictly: unknown keywords make the schema invalid', () => {
  const result = validatePluginConfig({ type: 'object', propertees: {} }, {});
  assert.equal(result.kind, 'invalid-schema');
  assert.match(result.kind === 'invalid-schema' ? result.reason : '', /unknown keyword: "propertees"/);
});

test('boolean schemas are accepted', () => {
  assert.equal(validatePluginConfig(true, 1).kind, 'valid');
  assert.equal(validatePluginConfig(false, 1).kind, 'invalid');
});
