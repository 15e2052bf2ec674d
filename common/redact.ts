/**
 * Secrets never reach output: every text a person or a log file sees goes
 * through here (the crawler's logger, the CLI's errors, the lab's progress and
 * failure messages).
 *
 * A URL that is known (--redis, REDIS_URL, the lab's own) is parsed, and its
 * password, as typed, percent-encoded and decoded, is hidden wherever it
 * appears (`urlSecrets`, `redactUrl`); a password may hold a space or an `@`,
 * which no pattern over free text can find the end of. `redact` also masks
 * the password of any plain `scheme://user:pass@` it meets in free text.
 */

/** The password part of a URL's authority as written: after `://`, before the first `/?#`, up to the last `@`. */
function authorityOf(
  url: string,
): { head: string; user: string; password: string; tail: string } | undefined {
  const start = url.indexOf('://');
  if (start < 0) return undefined;
  const rest = url.slice(start + 3);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at < 0) return undefined;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return undefined;
  return {
    head: url.slice(0, start + 3),
    user: userinfo.slice(0, colon),
    password: userinfo.slice(colon + 1),
    tail: rest.slice(at),
  };
}

/** Every spelling of a URL's password that could reach output: as typed, as the URL parser encodes it, decoded. */
export function urlSecrets(url: string | undefined): string[] {
  if (!url) return [];
  const out = new Set<string>();
  const typed = authorityOf(url)?.password;
  if (typed) out.add(typed);
  try {
    const parsed = new URL(url).password;
    if (parsed) {
      out.add(parsed);
      out.add(decodeURIComponent(parsed));
    }
  } catch {
    // not a URL the parser takes: the typed form above is all there is
  }
  return [...out].filter((s) => s.length > 0);
}

/** The URL as typed with its password shown as `***` (user, host, port, path kept). */
export function redactUrl(url: string): string {
  const a = authorityOf(url);
  if (!a || a.password === '') return url;
  return `${a.head}${a.user}:***${a.tail}`;
}

/** Hide the password part of redis://user:pass@host URLs and any listed secret. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // longest first: a decoded password may be part of its encoded form
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) if (s) out = out.split(s).join('***');
  return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)([^@/\s]+)@/gi, '$1***@');
}
