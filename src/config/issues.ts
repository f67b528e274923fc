// Configuration problems and the error that carries them (lifecycle.md §3.1, routing.md §4.6).

import { SwitchyardError } from '../errors.ts';

export type Severity = 'error' | 'warning';

export interface ConfigurationIssue {
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** Location in the document, e.g. "virtualClusters[0].target.cluster". */
  readonly path: string;
  /** "{file}:{line}:{column}: {severity}: {message} (at {path})" */
  toString(): string;
}

/** @internal */
export function createIssue(fields: Omit<ConfigurationIssue, 'toString'>): ConfigurationIssue {
  const issue: ConfigurationIssue = {
    ...fields,
    toString: () =>
      `${fields.file}:${fields.line}:${fields.column}: ${fields.severity}: ${fields.message} (at ${fields.path})`,
  };
  return Object.freeze(issue);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The configuration is invalid. `issues` holds every error and warning found, in file order. */
export class ConfigurationError extends SwitchyardError {
  readonly issues: readonly ConfigurationIssue[];

  constructor(issues: readonly ConfigurationIssue[]) {
    const errors = issues.filter((i) => i.severity === 'error').length;
    const warnings = issues.length - errors;
    super(
      'ERR_INVALID_CONFIGURATION',
      [...issues.map(String), `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`].join('\n'),
    );
    this.issues = Object.freeze([...issues]);
  }
}
