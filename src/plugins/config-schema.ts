// Validation of plugin configuration against a factory's `configSchema` (routing.md §4.8):
// JSON Schema draft 2020-12, every error collected, strict schemas, defaults applied.

import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv, ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonSchema } from './kinds.ts';

let ajv: Ajv | undefined;

/**
 * The validator, created when the first plugin schema is compiled: loading Ajv and compiling its
 * meta-schemas costs every start some 10 MB and tens of milliseconds, which a configuration without
 * plugin schemas never needs.
 */
function validator(): Ajv {
  if (ajv === undefined) {
    const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    ajv = new Ajv2020({
      allErrors: true,
      useDefaults: true,
      strict: true,
      // `type: ['object', 'null']` is how a schema accepts an absent config (validated as null).
      allowUnionTypes: true,
      // Schemas of different plugins may share an $id; each is compiled on its own.
      addUsedSchema: false,
    });
  }
  return ajv;
}

const compiled = new WeakMap<object, ValidateFunction>();
const compiledBoolean = new Map<boolean, ValidateFunction>();

export interface ConfigViolation {
  /** JSON pointer into the config of the offending value. */
  readonly pointer: string;
  readonly message: string;
}

export type ConfigValidation =
  | { readonly kind: 'valid'; readonly value: unknown }
  | { readonly kind: 'invalid'; readonly violations: readonly ConfigViolation[] }
  | { readonly kind: 'invalid-schema'; readonly reason: string };

function compile(schema: JsonSchema): ValidateFunction {
  if (typeof schema === 'boolean') {
    let fn = compiledBoolean.get(schema);
    if (fn === undefined) {
      fn = validator().compile(schema);
      compiledBoolean.set(schema, fn);
    }
    return fn;
  }
  let fn = compiled.get(schema);
  if (fn === undefined) {
    fn = validator().compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Recursively freezes a plain value. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Validates `config` (null when absent) against `schema`. A valid result holds a deep-frozen copy
 * with schema defaults applied; without a schema every value is valid.
 */
export function validatePluginConfig(schema: JsonSchema | undefined, config: unknown): ConfigValidation {
  const copy = structuredClone(config);
  if (schema === undefined) return { kind: 'valid', value: deepFreeze(copy) };
  let validate: ValidateFunction;
  try {
    validate = compile(schema);
  } catch (error) {
    return { kind: 'invalid-schema', reason: error instanceof Error ? error.message : String(error) };
  }
  if (validate(copy)) return { kind: 'valid', value: deepFreeze(copy) };
  const violations = (validate.errors ?? []).map((error) => {
    // Point at the unexpected property itself rather than at the object that holds it.
    const extra = error.keyword === 'additionalProperties' ? error.params.additionalProperty : undefined;
    return {
      pointer: typeof extra === 'string' ? `${error.instancePath}/${escapePointerToken(extra)}` : error.instancePath,
      message: error.message ?? error.keyword,
    };
  });
  return { kind: 'invalid', violations };
}
