// The principal of a client that authenticated with a certificate (docs/security.md, "mTLS
// principals"): the certificate's subject distinguished name, or one of its subject alternative
// names, turned into a user name by mapping rules written like Kafka's
// `ssl.principal.mapping.rules`. Rules are compiled once per gateway; a connection costs one read
// of the certificate's names and one pass over the rules.

import type { ClientTls } from '../pipeline/stage.ts';
import { ANONYMOUS, type Subject } from '../pipeline/types.ts';
import { type AlternativeNameKind, subjectAlternativeNames, subjectDistinguishedName } from './x509-names.ts';

/** Where the name a client certificate identifies comes from. */
export type PrincipalSource = 'subject' | 'san:dns' | 'san:uri' | 'san:email';
export const PRINCIPAL_SOURCES: readonly PrincipalSource[] = ['subject', 'san:dns', 'san:uri', 'san:email'];

/** The `principal` settings of a gateway's `tls.trust`. */
export interface TlsPrincipalSettings {
  readonly from: PrincipalSource;
  /** Rules in Kafka's syntax, tried in order; the first that matches names the user. */
  readonly mappingRules: readonly string[];
}

/** Kafka's default: the distinguished name as it is. */
export const DEFAULT_TLS_PRINCIPAL: TlsPrincipalSettings = Object.freeze({
  from: 'subject',
  mappingRules: Object.freeze(['DEFAULT']),
});

/** A rule that cannot be compiled; the message says why, for the configuration report. */
export class MappingRuleError extends Error {
  override readonly name = 'MappingRuleError';
}

/** One compiled rule: the name it maps `name` to, or undefined when it does not apply. */
export interface MappingRule {
  readonly text: string;
  apply(name: string): string | undefined;
}

/** A replacement compiled into literal text and group numbers. */
type Replacement = readonly (string | number)[];

/**
 * Compiles one rule: `DEFAULT`, or `RULE:pattern/replacement/` optionally followed by `L` or `U`
 * (lower or upper case the result). `\` escapes the next character in the pattern and the
 * replacement, so `\/` is a slash that does not end either. As in Kafka, the rule applies only
 * when the pattern matches the whole name, every match of the pattern in the name is replaced,
 * `$n` names a capturing group, and `$n` for a group the pattern does not have is literal text.
 * Patterns are JavaScript regular expressions (Java's syntax for everything rules usually use).
 */
export function parseMappingRule(text: string): MappingRule {
  const rule = text.trim();
  if (rule === 'DEFAULT') return { text: rule, apply: (name) => name };
  if (!rule.startsWith('RULE:')) {
    throw new MappingRuleError(`a rule is DEFAULT or starts with RULE: (got '${text}')`);
  }
  const pattern = scanPart(rule, 'RULE:'.length);
  const replacement = pattern === undefined ? undefined : scanPart(rule, pattern.next);
  if (pattern === undefined || replacement === undefined) {
    throw new MappingRuleError(`'${text}' is not RULE:pattern/replacement/ (with L or U after the last / at most)`);
  }
  const flag = rule.slice(replacement.next);
  if (flag !== '' && flag !== 'L' && flag !== 'U') {
    throw new MappingRuleError(`'${text}' ends with '${flag}'; only L or U may follow the last /`);
  }
  let whole: RegExp;
  let every: RegExp;
  let groups: number;
  try {
    every = new RegExp(pattern.text, 'g');
    whole = new RegExp(`^(?:${pattern.text})$`);
    groups = new RegExp(`(?:${pattern.text})|`).exec('')!.length - 1;
  } catch (error) {
    throw new MappingRuleError(`'${text}' has an invalid pattern: ${(error as Error).message}`);
  }
  const parts = compileReplacement(replacement.text, groups, text);
  const expand = (match: string, ...rest: unknown[]): string => {
    let out = '';
    for (const part of parts)
      out += typeof part === 'string' ? part : part === 0 ? match : ((rest[part - 1] as string | undefined) ?? '');
    return out;
  };
  return {
    text: rule,
    apply(name) {
      if (!whole.test(name)) return undefined;
      const result = name.replace(every, expand);
      return flag === 'L' ? result.toLowerCase() : flag === 'U' ? result.toUpperCase() : result;
    },
  };
}

/** The text from `start` to the next unescaped `/`, and the index after that slash. */
function scanPart(rule: string, start: number): { text: string; next: number } | undefined {
  for (let i = start; i < rule.length; i++) {
    if (rule[i] === '\\') i++;
    else if (rule[i] === '/') return { text: rule.slice(start, i), next: i + 1 };
  }
  return undefined;
}

/** Java's replacement syntax (`$n`, `\` escapes), with Kafka's rule that a missing group is literal. */
function compileReplacement(text: string, groups: number, rule: string): Replacement {
  const parts: (string | number)[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      if (i + 1 === text.length) throw new MappingRuleError(`the replacement of '${rule}' ends with a lone \\`);
      literal += text[++i];
      continue;
    }
    if (c !== '$') {
      literal += c;
      continue;
    }
    const first = text.charCodeAt(i + 1) - 48;
    if (!(first >= 0 && first <= 9)) {
      throw new MappingRuleError(
        `a $ in the replacement of '${rule}' must be followed by a group number (write \\$ for a dollar sign)`,
      );
    }
    if (groups === 0 && first > 0) {
      throw new MappingRuleError(
        `the replacement of '${rule}' refers to $${first} but the pattern has no capturing group`,
      );
    }
    if (first > groups) {
      literal += '$';
      continue;
    }
    // The longest group number the pattern has, as Java reads `$12` with twelve groups.
    let group = first;
    i++;
    while (i + 1 < text.length) {
      const digit = text.charCodeAt(i + 1) - 48;
      if (!(digit >= 0 && digit <= 9) || group * 10 + digit > groups) break;
      group = group * 10 + digit;
      i++;
    }
    if (literal !== '') parts.push(literal);
    literal = '';
    parts.push(group);
  }
  if (literal !== '') parts.push(literal);
  return parts;
}

/** Why a verified certificate gives no principal: the connection is refused, as Kafka refuses it. */
export interface TlsIdentityRefusal {
  readonly refused: string;
}

/** A gateway's compiled principal settings. */
export class TlsIdentity {
  readonly #kind: AlternativeNameKind | undefined;
  readonly #rules: readonly MappingRule[];

  /** Throws MappingRuleError for a rule that does not compile (the configuration loader checked them). */
  constructor(settings: TlsPrincipalSettings) {
    this.#kind = settings.from === 'subject' ? undefined : (settings.from.slice(4) as AlternativeNameKind);
    this.#rules = settings.mappingRules.map(parseMappingRule);
  }

  /** The user `name` maps to, or undefined when no rule applies. */
  map(name: string): string | undefined {
    for (const rule of this.#rules) {
      const mapped = rule.apply(name);
      if (mapped !== undefined) return mapped;
    }
    return undefined;
  }

  /**
   * The subject of a client: anonymous without a certificate the gateway verified (clientAuth
   * REQUESTED lets unverified ones through), a User principal when one maps, otherwise a refusal.
   */
  subjectOf(tls: ClientTls | undefined): Subject | TlsIdentityRefusal {
    const certificate = tls?.peerCertificate;
    if (certificate === undefined || !tls!.certificateVerified) return ANONYMOUS;
    let name: string | undefined;
    try {
      name =
        this.#kind === undefined
          ? subjectDistinguishedName(certificate.raw)
          : subjectAlternativeNames(certificate.raw, this.#kind)[0];
    } catch (error) {
      return { refused: `the client certificate cannot be read: ${(error as Error).message}` };
    }
    if (name === undefined) {
      return { refused: `the client certificate has no ${this.#kind!.toUpperCase()} subject alternative name` };
    }
    if (this.#kind === undefined && name === '') return ANONYMOUS;
    const user = this.map(name);
    if (user === undefined) return { refused: `no principal mapping rule applies to '${name}'` };
    return Object.freeze({ principals: Object.freeze([{ type: 'User', name: user }]), isAnonymous: false });
  }
}

/** The identity of gateways without `principal` settings: the subject's distinguished name. */
export const DEFAULT_TLS_IDENTITY = new TlsIdentity(DEFAULT_TLS_PRINCIPAL);
