// The Subject a SASL identity gives a session: the user, then one principal per group (so a
// PrincipalRouter can route by group).

import type { Principal, Subject } from '../pipeline/types.ts';

export const USER_PRINCIPAL = 'User';
export const GROUP_PRINCIPAL = 'Group';

export function saslSubject(user: string, groups: readonly string[] = []): Subject {
  const principals: Principal[] = [{ type: USER_PRINCIPAL, name: user }];
  for (const name of groups) principals.push({ type: GROUP_PRINCIPAL, name });
  return Object.freeze({ principals: Object.freeze(principals), isAnonymous: false });
}
