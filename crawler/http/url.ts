import { domainToASCII } from 'node:url';

/**
 * URL helpers every worker must agree on bit for bit.
 *
 * `canonicalizeUrl` reproduces w3lib's `canonicalize_url(url)` (w3lib 2.1, the
 * version Scrapy 2.8 ships; keep_blank_values=True, keep_fragments=False), so
 * our fingerprints match scrapy-redis. It parses the string itself, like
 * Python's `urllib.parse.urlparse`, instead of trusting WHATWG `new URL()`,
 * which would drop `:80` and percent-encode differently.
 *
 * Known, deliberate differences from w3lib (garbage-in cases only):
 * - non-ASCII hosts go through `domainToASCII` (UTS #46) instead of Python's
 *   IDNA 2003 codec, and only the host is converted (w3lib runs the codec
 *   over the whole netloc, userinfo and port included);
 * - like w3lib, the result is NOT idempotent for `%25XX` in the path:
 *   `/a%2541` becomes `/a%41`, which canonicalizes again to `/aA`; and an
 *   escaped `;` ending the path (`/x%3b` -> `/x;` -> `/x`).
 */

// Bytes left as-is in the path: RFC 3986 reserved + unreserved + '|' + '%', minus '#'.
const PATH_SAFE = byteTable(":/?[]@!$&'()*+,;=|%" + unreserved());
// Same set plus '#': used for `;params`, which w3lib quotes but never decodes.
const PARAMS_SAFE = byteTable(":/?#[]@!$&'()*+,;=|%" + unreserved());
// quote_plus with safe='': only these stay bare in query keys and values.
const QUERY_SAFE = byteTable(unreserved());
const NON_ASCII = /[^\u0000-\u007f]/;
const HEX = Array.from({ length: 256 }, (_, i) => `%${i.toString(16).toUpperCase().padStart(2, '0')}`);

// Schemes for which Python's urlparse splits `;params` off the last segment.
const USES_PARAMS = new Set([
  '',
  'ftp',
  'hdl',
  'prospero',
  'http',
  'imap',
  'https',
  'shttp',
  'rtsp',
  'rtspu',
  'sip',
  'sips',
  'mms',
  'sftp',
  'tel',
]);
const USES_NETLOC = new Set([
  '',
  'ftp',
  'http',
  'gopher',
  'nntp',
  'telnet',
  'imap',
  'wais',
  'file',
  'mms',
  'https',
  'shttp',
  'snews',
  'prospero',
  'rtsp',
  'rtspu',
  'rsync',
  'svn',
  'svn+ssh',
  'sftp',
  'nfs',
  'git',
  'git+ssh',
  'ws',
  'wss',
  'itms-services',
]);

function unreserved(): string {
  return 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
}

function byteTable(chars: string): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Python's unquote_to_bytes: decode valid %XX, keep anything else literally. */
function unquoteToBytes(text: string): Buffer {
  const src = Buffer.from(text, 'utf8');
  if (!src.includes(37)) return src;
  const out = Buffer.allocUnsafe(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as number;
    if (c === 37 && i + 2 < src.length) {
      const hi = hexValue(src[i + 1] as number);
      const lo = hexValue(src[i + 2] as number);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}

/** Percent-encode every byte not in `safe`, upper-case hex; `plus` turns spaces into '+'. */
function quoteBytes(bytes: Buffer, safe: Uint8Array, plus = false): string {
  let out = '';
  for (const b of bytes) {
    if (safe[b] === 1) out += String.fromCharCode(b);
    else if (plus && b === 32) out += '+';
    else out += HEX[b];
  }
  return out;
}

// C0 controls and space, trimmed at both ends; tab/CR/LF removed everywhere (WHATWG, w3lib _strip).
function strip(url: string): string {
  let start = 0;
  let end = url.length;
  while (start < end && url.charCodeAt(start) <= 0x20) start++;
  while (end > start && url.charCodeAt(end - 1) <= 0x20) end--;
  return url.slice(start, end).replace(/[\t\n\r]/g, '');
}

interface UrlParts {
  scheme: string;
  netloc: string;
  path: string;
  params: string;
  query: string;
}

/** Python 3.11 urllib.parse.urlparse, minus the fragment (always dropped here). */
function pyUrlparse(url: string): UrlParts {
  let scheme = '';
  let rest = url;
  const colon = rest.indexOf(':');
  if (colon > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    let end = rest.length;
    for (const sep of ['/', '?', '#']) {
      const at = rest.indexOf(sep, 2);
      if (at >= 0 && at < end) end = at;
    }
    netloc = rest.slice(2, end);
    rest = rest.slice(end);
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  let query = '';
  const qmark = rest.indexOf('?');
  if (qmark >= 0) {
    query = rest.slice(qmark + 1);
    rest = rest.slice(0, qmark);
  }
  let params = '';
  if (USES_PARAMS.has(scheme) && rest.includes(';')) {
    // Python's _splitparams: only the last path segment carries params.
    const semi = rest.indexOf(';', Math.max(rest.lastIndexOf('/'), 0));
    if (semi >= 0) {
      params = rest.slice(semi + 1);
      rest = rest.slice(0, semi);
    }
  }
  return { scheme, netloc, path: rest, params, query };
}

/** userinfo keeps its case; the host is IDNA-encoded and lower-cased; an empty port goes. */
function canonicalNetloc(netloc: string): string {
  const at = netloc.lastIndexOf('@');
  const userinfo = at >= 0 ? netloc.slice(0, at + 1) : '';
  let hostport = netloc.slice(at + 1);
  if (NON_ASCII.test(hostport)) {
    const m = /^(.*?)(:[^:\]]*)?$/.exec(hostport);
    const host = m?.[1] ?? hostport;
    const ascii = domainToASCII(host);
    // An empty answer means the codec refused the host: keep it, as w3lib does.
    if (ascii !== '') hostport = ascii + (m?.[2] ?? '');
  }
  return userinfo + hostport.toLowerCase().replace(/:+$/, '');
}

function canonicalPath(path: string): string {
  // %2F and %3F must survive decoding, or they would change the path's structure.
  const guarded = path.replace(/%(2f|3f)/gi, (_, hex: string) => `%25${hex.toUpperCase()}`);
  return quoteBytes(unquoteToBytes(guarded), PATH_SAFE) || '/';
}

// Hand-rolled: with @types/node 20 under TS 5.9, Buffer does not type-check as Uint8Array.
function compareBytes(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs: [Buffer, Buffer][] = [];
  for (const field of query.split(/[&;]/)) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    const name = eq >= 0 ? field.slice(0, eq) : field;
    const value = eq >= 0 ? field.slice(eq + 1) : '';
    pairs.push([unquoteToBytes(name.replaceAll('+', ' ')), unquoteToBytes(value.replaceAll('+', ' '))]);
  }
  // Bytewise by key, then by value: Python's sort of (bytes, bytes) tuples.
  pairs.sort((a, b) => compareBytes(a[0], b[0]) || compareBytes(a[1], b[1]));
  return pairs
    .map(([k, v]) => `${quoteBytes(k, QUERY_SAFE, true)}=${quoteBytes(v, QUERY_SAFE, true)}`)
    .join('&');
}

/**
 * The canonical form of a URL used in request fingerprints (w3lib
 * `canonicalize_url`): lower-case scheme and host, IDNA host, explicit ports
 * kept, path percent-encoding normalised, query arguments sorted and
 * re-encoded, fragment dropped. Never throws.
 */
export function canonicalizeUrl(url: string): string {
  const { scheme, netloc, path, params, query } = pyUrlparse(strip(url));
  let out = canonicalPath(path);
  if (params) out += `;${quoteBytes(Buffer.from(params, 'utf8'), PARAMS_SAFE)}`;
  const host = canonicalNetloc(netloc);
  // Python's urlunsplit: '//' appears with a netloc, or for schemes that use one.
  if (host || (scheme && USES_NETLOC.has(scheme) && !out.startsWith('//'))) {
    if (out && !out.startsWith('/')) out = `/${out}`;
    out = `//${host}${out}`;
  }
  if (scheme) out = `${scheme}:${out}`;
  const q = canonicalQuery(query);
  return q ? `${out}?${q}` : out;
}

/** WHATWG parse that answers undefined instead of throwing (URL.parse is not typed for Node 20). */
function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** True for an absolute http: or https: URL that WHATWG URL parsing accepts. */
export function isHttpUrl(url: string | URL): boolean {
  if (typeof url !== 'string') return url.protocol === 'http:' || url.protocol === 'https:';
  const parsed = parseUrl(url);
  return parsed !== undefined && (parsed.protocol === 'http:' || parsed.protocol === 'https:');
}

// Offsite filtering lives in its own file; re-exported because callers think of it as a URL question.
export { hostAllowed } from './allowed-domains.ts';
