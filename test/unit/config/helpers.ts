// Shared helpers of the configuration tests: parse YAML, collect issues, reach the model.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError, type ConfigurationIssue, parseConfiguration } from '../../../src/config/index.ts';
import { configurationModel, type ProxyConfigurationModel } from '../../../src/config/model.ts';

/** Directory of the fixture plugin modules; relative `type`s in tests resolve against it. */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export async function load(yaml: string): Promise<{ model: ProxyConfigurationModel; warnings: string[] }> {
  const config = await parseConfiguration(yaml, { sourceName: 'test.yaml', baseDir: FIXTURES });
  return { model: configurationModel(config), warnings: config.warnings.map(String) };
}

/** Every issue of an invalid configuration, formatted as reported. Fails if it loads. */
export async function rejected(yaml: string): Promise<string[]> {
  return (await rejectedIssues(yaml)).map(String);
}

export async function rejectedIssues(yaml: string): Promise<readonly ConfigurationIssue[]> {
  try {
    await parseConfiguration(yaml, { sourceName: 'test.yaml', baseDir: FIXTURES });
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, `expected ConfigurationError, got ${String(error)}`);
    return error.issues;
  }
  assert.fail('the configuration was expected to be rejected');
}

/** Asserts that `lines` contains `expected` (exact), showing all lines otherwise. */
export function assertHas(lines: readonly string[], expected: string): void {
  assert.ok(lines.includes(expected), `missing:\n  ${expected}\nin:\n  ${lines.join('\n  ')}`);
}

/** A minimal valid virtual cluster list for tests that are about other sections. */
export function vc(target: string, name = 'demo', port = 9192): string {
  return `
  - name: ${name}
    target: ${target}
    gateways:
      - name: ports
        portIdentifiesNode:
          bootstrapAddress: localhost:${port}`;
}
