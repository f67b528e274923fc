// `switchyard validate` (lifecycle.md §14.1): load and validate, bind nothing, report every issue.

import { ConfigurationError, loadConfiguration } from '../config/index.ts';

export interface Output {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** Returns the exit code: 0 when valid (warnings allowed), 1 when invalid. */
export async function validate(file: string, output: Output): Promise<number> {
  try {
    const config = await loadConfiguration(file);
    for (const warning of config.warnings) output.stderr.write(`${String(warning)}\n`);
    output.stdout.write(`configuration is valid (${config.warnings.length} warnings)\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    for (const issue of error.issues) output.stderr.write(`${String(issue)}\n`);
    const errors = error.issues.filter((i) => i.severity === 'error').length;
    output.stderr.write(`configuration is invalid: ${errors} errors, ${error.issues.length - errors} warnings\n`);
    return 1;
  }
}
