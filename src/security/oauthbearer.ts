// SASL/OAUTHBEARER (RFC 7628) as Kafka speaks it: the client's initial response (GS2 header,
// `auth=Bearer <token>`, extensions), and the claims of a JWT read without verification (what an
// inspector may use, since the broker verified the token).

/** The fields of an OAUTHBEARER client initial response. */
export interface OAuthBearerResponse {
  /** The GS2 authorization id, or '' when absent. */
  readonly authzid: string;
  readonly token: string;
  /** Key-value pairs besides `auth` (Kafka's SASL extensions). */
  readonly extensions: ReadonlyMap<string, string>;
}

const SEPARATOR = '\u0001';

/** Parses a client initial response; a reason when it is not one. */
export function parseOAuthBearerResponse(bytes: Buffer): OAuthBearerResponse | string {
  const text = bytes.toString('utf8');
  // gs2-header kvsep *kvpair kvsep
  const headerEnd = text.indexOf(SEPARATOR);
  if (headerEnd < 0 || !text.endsWith(SEPARATOR + SEPARATOR)) return 'Invalid OAUTHBEARER client first message';
  const header = text.slice(0, headerEnd);
  const match = /^n,(?:a=([^,]*))?,$/.exec(header);
  if (match === null) return 'Invalid OAUTHBEARER client first message';
  const pairs = text.slice(headerEnd + 1, -2).split(SEPARATOR);
  let token: string | undefined;
  const extensions = new Map<string, string>();
  for (const pair of pairs) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    if (equals <= 0) return 'Invalid OAUTHBEARER client first message';
    const key = pair.slice(0, equals);
    const value = pair.slice(equals + 1);
    if (key === 'auth') {
      const bearer = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(value);
      if (bearer === null) return 'Invalid OAUTHBEARER client first message: auth is not a Bearer token';
      token = bearer[1]!;
    } else extensions.set(key, value);
  }
  if (token === undefined) return 'Invalid OAUTHBEARER client first message: no auth key';
  const authzid = (match[1] ?? '').replace(/=2C/g, ',').replace(/=3D/g, '=');
  return { authzid, token, extensions };
}

/** The three parts of a compact JWS, decoded. Undefined when the token is not one. */
export interface DecodedJwt {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  /** The signed text: base64url(header) "." base64url(payload). */
  readonly signingInput: string;
  readonly signature: Buffer;
}

export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    if (!isRecord(header) || !isRecord(claims)) return undefined;
    return { header, claims, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string claim, or a claim that holds an array of strings (a groups claim), as strings. */
export function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function stringsClaim(claims: Record<string, unknown>, name: string): string[] {
  const value = claims[name];
  if (typeof value === 'string' && value !== '') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}
