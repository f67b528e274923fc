// The tenant prefix of a session: fixed (`tenant-a.`) or taken from the authenticated principal
// (`${principal}.`). Names built from it must stay legal Kafka topic names, so a principal whose
// name has other characters cannot own a namespace.

import type { Subject } from '../../filter/index.ts';

// biome-ignore lint/suspicious/noTemplateCurlyInString: the configuration's placeholder, not a template.
export const PRINCIPAL_PLACEHOLDER = '${principal}';

/** Characters Kafka allows in topic names; the prefix is part of every topic name. */
const LEGAL = /^[a-zA-Z0-9._-]*$/;

/**
 * The configuration pattern of `prefix`: legal characters, at most one `${principal}`, followed by
 * at least one character (the separator), or the namespace of `bob` would hold that of `bobby`.
 */
export const PREFIX_PATTERN = '^[a-zA-Z0-9._-]*(\\$\\{principal\\}[a-zA-Z0-9._-]+)?$';

/** Why a session has no prefix: its requests that name resources are refused with this reason. */
export class NoNamespace {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

export class PrefixTemplate {
  readonly #before: string;
  readonly #after: string | undefined;
  #lastSubject: Subject | undefined;
  #lastPrefix: string | NoNamespace = new NoNamespace('not resolved');

  constructor(template: string) {
    const at = template.indexOf(PRINCIPAL_PLACEHOLDER);
    this.#before = at < 0 ? template : template.slice(0, at);
    this.#after = at < 0 ? undefined : template.slice(at + PRINCIPAL_PLACEHOLDER.length);
  }

  /** The prefix for `subject` (cached for the last subject seen: it changes rarely). */
  resolve(subject: Subject): string | NoNamespace {
    if (this.#after === undefined) return this.#before;
    if (subject === this.#lastSubject) return this.#lastPrefix;
    this.#lastSubject = subject;
    this.#lastPrefix = this.#compute(subject, this.#after);
    return this.#lastPrefix;
  }

  #compute(subject: Subject, after: string): string | NoNamespace {
    if (subject.isAnonymous) {
      return new NoNamespace('the namespace is taken from the principal, and this session has not authenticated');
    }
    const principal = subject.principals.find((p) => p.type === 'User') ?? subject.principals[0];
    if (principal === undefined || principal.name === '') {
      return new NoNamespace('the namespace is taken from the principal, and this session has none');
    }
    if (!LEGAL.test(principal.name)) {
      return new NoNamespace(
        'the principal name has characters a topic name cannot contain (letters, digits, ".", "_" and "-" only); map it to a plain name first',
      );
    }
    // `alice.x` must not get a namespace inside `alice`'s: no separator inside a principal's name.
    if (principal.name.includes(after.charAt(0))) {
      return new NoNamespace(
        `the principal name contains '${after.charAt(0)}', which separates it from the names in its namespace`,
      );
    }
    return `${this.#before}${principal.name}${after}`;
  }
}
