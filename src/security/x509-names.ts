// The names a client certificate carries, read from its DER encoding: the subject as the RFC 2253
// string Kafka's mTLS principals start from (what Java's X500Principal.getName() prints), and the
// subject alternative names by kind. Node's parsed `subject` object loses the order of the
// attributes, multi-valued RDNs and the encoding of unknown attributes, so it cannot give the
// same string Kafka does; the DER can. Only what these two answers need is decoded.

/** Thrown for a certificate whose DER cannot be read this far. */
export class CertificateFormatError extends Error {
  override readonly name = 'CertificateFormatError';
}

/** One TLV: where it begins, its tag, and where its contents start and end. */
interface Tlv {
  /** Where the TLV begins (its tag byte). */
  readonly offset: number;
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;

function readTlv(der: Uint8Array, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new CertificateFormatError('truncated DER');
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new CertificateFormatError('multi-byte DER tags are not expected here');
  let length = der[offset + 1]!;
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > limit) throw new CertificateFormatError('bad DER length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i]!;
    start += bytes;
  }
  const end = start + length;
  if (end > limit) throw new CertificateFormatError('DER value runs past its container');
  return { offset, tag, start, end };
}

/** The TLVs directly inside `parent`. */
function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const list: Tlv[] = [];
  for (let offset = parent.start; offset < parent.end; ) {
    const child = readTlv(der, offset, parent.end);
    list.push(child);
    offset = child.end;
  }
  return list;
}

function expect(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (tlv === undefined || tlv.tag !== tag) throw new CertificateFormatError(`expected ${what}`);
  return tlv;
}

/** The fields of tbsCertificate (RFC 5280 §4.1), from the optional version on. */
function tbsFields(der: Uint8Array): Tlv[] {
  const certificate = expect(readTlv(der, 0, der.length), SEQUENCE, 'a certificate');
  const tbs = expect(children(der, certificate)[0], SEQUENCE, 'tbsCertificate');
  const fields = children(der, tbs);
  // Version 1 certificates omit the explicit [0] version.
  return fields[0]?.tag === 0xa0 ? fields.slice(1) : fields;
}

function oidText(der: Uint8Array, tlv: Tlv): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = tlv.start; i < tlv.end; i++) {
    value = value * 128 + (der[i]! & 0x7f);
    if ((der[i]! & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** The attribute keywords RFC 2253 defines; every other attribute is written by its OID. */
const RFC2253_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ['2.5.4.3', 'CN'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.9', 'STREET'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['0.9.2342.19200300.100.1.1', 'UID'],
]);

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');
const utf16be = new TextDecoder('utf-16be');

/** The text of a directory string, or undefined for any other type (written as hex instead). */
function directoryString(der: Uint8Array, tlv: Tlv): string | undefined {
  const bytes = der.subarray(tlv.start, tlv.end);
  switch (tlv.tag) {
    case 0x0c: // UTF8String
      return utf8.decode(bytes);
    case 0x13: // PrintableString
    case 0x14: // TeletexString
    case 0x16: // IA5String
    case 0x1b: // GeneralString
      return latin1.decode(bytes);
    case 0x1e: // BMPString
      return utf16be.decode(bytes);
    case 0x1c: {
      // UniversalString: UTF-32BE
      let text = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) {
        text += String.fromCodePoint(
          ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0,
        );
      }
      return text;
    }
    default:
      return undefined;
  }
}

const SPECIALS = new Set([',', '=', '+', '<', '>', '#', ';', '"', '\\']);

/** RFC 2253 §2.4 escaping of a value, as Java does it: specials always, a leading or trailing space. */
function escapeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (SPECIALS.has(c)) out += `\\${c}`;
    else if (c === ' ' && (i === 0 || i === value.length - 1)) out += '\\ ';
    else out += c;
  }
  return out;
}

function attribute(der: Uint8Array, ava: Tlv): string {
  const [type, value] = children(der, expect(ava, SEQUENCE, 'an attribute'));
  const oid = oidText(der, expect(type, OID, 'an attribute type'));
  if (value === undefined) throw new CertificateFormatError('attribute without a value');
  const keyword = RFC2253_KEYWORDS.get(oid);
  const text = keyword === undefined ? undefined : directoryString(der, value);
  if (keyword === undefined || text === undefined) {
    // Unknown attributes and non-string values: `#` and the hex of the whole DER value (RFC 2253 §2.4).
    return `${keyword ?? oid}=#${Buffer.from(der.subarray(value.offset, value.end)).toString('hex')}`;
  }
  return `${keyword}=${escapeValue(text)}`;
}

/**
 * The subject of a DER certificate as an RFC 2253 string: the most specific RDN first, the values
 * of a multi-valued RDN joined with `+`, e.g. `CN=alice,OU=Payments,O=Acme,C=GB`.
 */
export function subjectDistinguishedName(der: Uint8Array): string {
  const fields = tbsFields(der);
  // serialNumber, signature, issuer, validity, subject
  const subject = expect(fields[4], SEQUENCE, 'the subject name');
  return children(der, subject)
    .reverse()
    .map((rdn) =>
      children(der, expect(rdn, SET, 'a relative distinguished name'))
        .map((ava) => attribute(der, ava))
        .join('+'),
    )
    .join(',');
}

/** Subject alternative name kinds an identity can come from, with their GeneralName tags. */
export type AlternativeNameKind = 'dns' | 'uri' | 'email';
const GENERAL_NAME_TAGS: Readonly<Record<AlternativeNameKind, number>> = { email: 0x81, dns: 0x82, uri: 0x86 };
const SUBJECT_ALT_NAME = '2.5.29.17';

/** The subject alternative names of `kind`, in certificate order (none when the extension is absent). */
export function subjectAlternativeNames(der: Uint8Array, kind: AlternativeNameKind): string[] {
  const extensions = tbsFields(der).find((field) => field.tag === 0xa3);
  if (extensions === undefined) return [];
  const list = expect(children(der, extensions)[0], SEQUENCE, 'the extension list');
  for (const extension of children(der, list)) {
    const parts = children(der, expect(extension, SEQUENCE, 'an extension'));
    if (oidText(der, expect(parts[0], OID, 'an extension id')) !== SUBJECT_ALT_NAME) continue;
    // extnValue is the last part (an optional `critical` boolean may come before it).
    const value = expect(parts[parts.length - 1], 0x04, 'the extension value');
    const names = expect(readTlv(der, value.start, value.end), SEQUENCE, 'GeneralNames');
    const tag = GENERAL_NAME_TAGS[kind];
    return children(der, names)
      .filter((name) => name.tag === tag)
      .map((name) => latin1.decode(der.subarray(name.start, name.end)));
  }
  return [];
}
