import { IgnoreRequest } from '../../errors.ts';
import { bodyBytes, type CrawlRequest } from '../../http/request.ts';
import { hostAllowed } from '../../http/url.ts';
import type { Settings } from '../../settings/defaults.ts';
import type { Hop } from '../transport.ts';

/**
 * Redirects, followed by hand so every hop is checked (Scrapy's
 * RedirectMiddleware + the fetch standard's method rules): scheme, allowed
 * domains, loops, hop limit, and credentials never leak to another origin.
 */

export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Headers describing a body, dropped when a redirect turns the request into a bodiless GET. */
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];
/** Credentials, dropped when the origin changes. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/** Key for loop detection: POST /login -> 302 -> GET /login is not a loop. */
export function hopKey(hop: Pick<Hop, 'method' | 'url'>): string {
  return `${hop.method} ${hop.url.href}`;
}

/** True when this response should be followed rather than returned. */
export function shouldFollow(
  status: number,
  headers: Record<string, string>,
  meta: Record<string, unknown>,
  settings: Settings,
): boolean {
  return (
    settings.redirectEnabled &&
    REDIRECT_STATUSES.has(status) &&
    headers['location'] !== undefined &&
    meta['dontRedirect'] !== true
  );
}

export interface RedirectChain {
  /** hopKey of every request made so far, the current one included. */
  seen: Set<string>;
  /** Redirects already followed. */
  count: number;
}

/** The next request for a `status` redirect to `location`; throws IgnoreRequest when it must not be followed. */
export function nextHop(
  current: Hop,
  status: number,
  location: string,
  chain: RedirectChain,
  settings: Settings,
  allowedDomains: readonly string[],
): Hop {
  const from = current.url.href;
  let target: URL;
  try {
    target = new URL(location, current.url);
  } catch (cause) {
    throw new IgnoreRequest(
      'CRAWL_E_BAD_URL',
      `redirect from ${from} has an invalid Location ${JSON.stringify(location.slice(0, 200))}`,
      {
        url: from,
        cause,
      },
    );
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new IgnoreRequest(
      'CRAWL_E_SCHEME',
      `redirect from ${from} to ${target.protocol} URL not followed: ${target.href.slice(0, 200)}`,
      {
        url: from,
        location: target.href,
        hint: 'only http and https URLs are downloaded',
      },
    );
  }
  if (!hostAllowed(target, allowedDomains)) {
    throw new IgnoreRequest(
      'CRAWL_E_OFFSITE',
      `redirect from ${from} leaves the allowed domains: ${target.href}`,
      {
        url: from,
        location: target.href,
        hint: `add ${target.hostname} to the spider's allowedDomains to follow it`,
      },
    );
  }
  const toGet =
    status === 303
      ? current.method !== 'HEAD'
      : (status === 301 || status === 302) && current.method === 'POST';
  const next: Hop = {
    url: target,
    method: toGet ? 'GET' : current.method,
    headers: { ...current.headers },
    body: toGet ? undefined : current.body,
  };
  if (toGet) for (const h of BODY_HEADERS) delete next.headers[h];
  if (target.origin !== current.url.origin) for (const h of CREDENTIAL_HEADERS) delete next.headers[h];
  const key = hopKey(next);
  if (chain.seen.has(key)) {
    throw new IgnoreRequest('CRAWL_E_REDIRECT_LOOP', `redirect loop: ${from} leads back to ${target.href}`, {
      url: from,
      location: target.href,
      hint: 'the server redirects in a circle (often a missing cookie or a login wall)',
    });
  }
  if (chain.count >= settings.redirectMaxTimes) {
    throw new IgnoreRequest(
      'CRAWL_E_REDIRECT_LIMIT',
      `more than redirectMaxTimes (${settings.redirectMaxTimes}) redirects, last ${from} -> ${target.href}`,
      {
        url: from,
        location: target.href,
        hint: 'raise redirectMaxTimes if the site really needs that many hops',
      },
    );
  }
  chain.seen.add(key);
  chain.count++;
  return next;
}

/**
 * The request a followed redirect becomes when it goes back through the shared
 * scheduler (Scrapy's way): same callback, meta, cbKwargs, depth and priority,
 * the method and body rules of `nextHop`, and `redirectChain` carrying every
 * earlier hop so loops and `redirectMaxTimes` are still caught across workers.
 * Its URL then meets the fingerprint filter atomically with the acknowledgement
 * of the redirecting request: a target already seen is dropped there.
 */
export function redirectRequest(
  request: CrawlRequest,
  status: number,
  location: string,
  settings: Settings,
  allowedDomains: readonly string[],
): CrawlRequest {
  const current: Hop = {
    url: new URL(request.url),
    method: request.method.toUpperCase(),
    headers: { ...request.headers },
    body: request.body === undefined ? undefined : bodyBytes(request),
  };
  const earlier = request.redirectChain ?? [];
  const chain: RedirectChain = { seen: new Set([...earlier, hopKey(current)]), count: earlier.length };
  const next = nextHop(current, status, location, chain, settings, allowedDomains);
  const out: CrawlRequest = {
    ...request,
    url: next.url.href,
    method: next.method,
    headers: next.headers,
    attempt: 0,
    redirectChain: [...earlier, hopKey(current)],
  };
  if (next.body === undefined) delete out.body;
  else out.body = Buffer.from(next.body).toString('base64');
  return out;
}

/** URLs of the hops recorded in a request's redirect chain, in order. */
export function chainUrls(request: CrawlRequest): string[] {
  return (request.redirectChain ?? []).map((key) => key.slice(key.indexOf(' ') + 1));
}
