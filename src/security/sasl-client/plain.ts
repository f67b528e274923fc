// The PLAIN mechanism's one client message (RFC 4616): authorization id, user, password.

export function plainMessage(username: string, password: string, authorizationId = ''): Buffer {
  return Buffer.from(`${authorizationId}\u0000${username}\u0000${password}`, 'utf8');
}
