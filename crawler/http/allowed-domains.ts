import { domainToASCII } from 'node:url';

/**
 * Scrapy's offsite rule (OffsiteMiddleware), plus optional ports: which hosts
 * a spider's `allowedDomains` lets it visit.
 */

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

const NON_ASCII = /[^\u0000-\u007f]/;

interface DomainRule {
  host: string;
  /** Effective port the URL must use, or undefined for any port. */
  port: string | undefined;
}

type HostMatcher = (url: URL) => boolean;

// Spiders pass the same allowedDomains array for every request: compile it once.
const compiled = new WeakMap<readonly string[], HostMatcher>();

function normaliseHost(host: string): string {
  const lower = host.trim().toLowerCase().replace(/\.$/, '');
  if (!NON_ASCII.test(lower)) return lower;
  return domainToASCII(lower) || lower;
}

function parseRule(entry: string): DomainRule {
  const text = entry.trim().toLowerCase();
  // '[::1]:8080', '127.0.0.1:8080', 'example.com' ('::1' alone has no port).
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(text);
  if (m === null) return { host: normaliseHost(text), port: undefined };
  return { host: normaliseHost(m[1] ?? ''), port: m[2] === undefined ? undefined : String(Number(m[2])) };
}

function effectivePort(url: URL): string {
  if (url.port) return url.port;
  return url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '';
}

function compile(allowedDomains: readonly string[]): HostMatcher {
  const rules = allowedDomains.map(parseRule).filter((r) => r.host !== '');
  return (url) => {
    const host = url.hostname.replace(/\.$/, '');
    for (const rule of rules) {
      const hostMatches = host === rule.host || host.endsWith(`.${rule.host}`);
      if (hostMatches && (rule.port === undefined || rule.port === effectivePort(url))) return true;
    }
    return false;
  };
}

/**
 * Scrapy's offsite rule: the URL's host equals an allowed domain or is a
 * subdomain of it (case-insensitive, port ignored). An entry with a port
 * ('127.0.0.1:8080') also requires that port. An empty list allows every
 * host; an unparsable URL is never allowed.
 */
export function hostAllowed(url: string | URL, allowedDomains: readonly string[]): boolean {
  if (allowedDomains.length === 0) return true;
  const parsed = typeof url === 'string' ? parseUrl(url) : url;
  if (parsed === undefined) return false;
  let matcher = compiled.get(allowedDomains);
  if (matcher === undefined) {
    matcher = compile(allowedDomains);
    compiled.set(allowedDomains, matcher);
  }
  return matcher(parsed);
}
