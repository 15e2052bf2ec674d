/**
 * Scrapy's CookiesMiddleware, small: a cookie jar per crawl in each worker.
 * Keeps what Set-Cookie says (Domain, Path, Expires, Max-Age, Secure) and sends
 * the matching cookies back in a Cookie header, longest path first (RFC 6265
 * basics; no public-suffix list, so a Domain attribute naming a bare suffix
 * such as "com" is refused only when it has no dot).
 * `request.meta.cookiejar` picks a named jar (Scrapy's `cookiejar` meta key), and
 * the requests a page yields inherit it (the engine copies it), so a start URL seeded
 * with its own jar is one session; all requests without it share the default jar.
 */

interface Cookie {
  name: string;
  value: string;
  /** Lower-case host or domain, without a leading dot. */
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  /** ms since the epoch; undefined = a session cookie (kept while the worker runs). */
  expires: number | undefined;
}

/** The directory of a request path (RFC 6265 5.1.4): "/a/b" -> "/a", "/a" -> "/". */
function defaultPath(pathname: string): string {
  if (!pathname.startsWith('/')) return '/';
  const last = pathname.lastIndexOf('/');
  return last <= 0 ? '/' : pathname.slice(0, last);
}

function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !/^\d+\.\d+\.\d+\.\d+$/.test(host));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** One Set-Cookie header into a cookie for this URL, or undefined when it is refused. */
export function parseSetCookie(header: string, url: URL, now: number): Cookie | undefined {
  const [pair = '', ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  const host = url.hostname.toLowerCase();
  const cookie: Cookie = {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    domain: host,
    hostOnly: true,
    path: defaultPath(url.pathname),
    secure: false,
    expires: undefined,
  };
  let maxAge: number | undefined;
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const key = (i === -1 ? attr : attr.slice(0, i)).trim().toLowerCase();
    const val = i === -1 ? '' : attr.slice(i + 1).trim();
    if (key === 'domain' && val) {
      const domain = val.replace(/^\./, '').toLowerCase();
      if (!domainMatches(host, domain) || !domain.includes('.')) return undefined; // not ours to set
      cookie.domain = domain;
      cookie.hostOnly = false;
    } else if (key === 'path' && val.startsWith('/')) cookie.path = val;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'max-age' && /^-?\d+$/.test(val)) maxAge = Number(val);
    else if (key === 'expires') {
      const t = Date.parse(val);
      if (Number.isFinite(t)) cookie.expires = t;
    }
  }
  if (maxAge !== undefined) cookie.expires = now + maxAge * 1000; // Max-Age wins over Expires
  return cookie;
}

export class CookieJar {
  readonly #cookies = new Map<string, Cookie>();

  /** Store the Set-Cookie headers of a response from `url`; an expired cookie deletes its namesake. */
  store(url: URL, setCookie: readonly string[], now = Date.now()): void {
    for (const header of setCookie) {
      const c = parseSetCookie(header, url, now);
      if (!c) continue;
      const id = `${c.domain};${c.path};${c.name}`;
      if (c.expires !== undefined && c.expires <= now) this.#cookies.delete(id);
      else this.#cookies.set(id, c);
    }
  }

  /** The Cookie header for a request to `url`, or undefined when no cookie matches. */
  headerFor(url: URL, now = Date.now()): string | undefined {
    const host = url.hostname.toLowerCase();
    const matching: Cookie[] = [];
    for (const [id, c] of this.#cookies) {
      if (c.expires !== undefined && c.expires <= now) {
        this.#cookies.delete(id);
        continue;
      }
      if (c.hostOnly ? host !== c.domain : !domainMatches(host, c.domain)) continue;
      if (!pathMatches(url.pathname || '/', c.path)) continue;
      if (c.secure && url.protocol !== 'https:') continue;
      matching.push(c);
    }
    if (matching.length === 0) return undefined;
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.map((c) => `${c.name}=${c.value}`).join('; ');
  }
}

/** The jars of one worker, by `meta.cookiejar` ('' = the default jar). */
export class CookieJars {
  readonly #jars = new Map<string, CookieJar>();

  jarFor(meta: Record<string, unknown>): CookieJar {
    const raw = meta['cookiejar'];
    const id = raw === undefined || raw === null ? '' : String(raw);
    let jar = this.#jars.get(id);
    if (!jar) {
      jar = new CookieJar();
      this.#jars.set(id, jar);
    }
    return jar;
  }
}
