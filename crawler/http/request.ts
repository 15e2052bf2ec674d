import { CrawlError } from '../errors.ts';

/**
 * A request as it travels through the shared queue: plain JSON, versioned,
 * callbacks by name (never functions, never pickle). Bodies are base64.
 */
export interface CrawlRequest {
  /** Schema version of the serialised form. */
  v: 1;
  url: string;
  /** Upper-case HTTP method. */
  method: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Body as base64, or undefined for none. */
  body?: string;
  /** Free data carried to the callback (`response.meta`). */
  meta: Record<string, unknown>;
  /** Extra keyword arguments for the callback (`cbKwargs` in Scrapy). */
  cbKwargs: Record<string, unknown>;
  /** Name of the spider method that parses the response; default 'parse'. */
  callback?: string;
  /** Name of the spider method called when the request finally fails. */
  errback?: string;
  /** Higher runs first (priority queue). Integer. */
  priority: number;
  /** Skip the fingerprint check (still leased, still counted). */
  dontFilter: boolean;
  /** Link depth from a start URL (0 for start URLs). */
  depth: number;
  /** Attempts already made (0 on first try). */
  attempt: number;
  /**
   * Set on a request made by following a redirect: `METHOD url` of every earlier
   * hop, oldest first (loop detection, `redirectMaxTimes`, `response.redirects`).
   */
  redirectChain?: string[];
}

/** What a spider writes to ask for a page: only `url` is required. */
export interface RequestInit {
  url: string | URL;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  meta?: Record<string, unknown>;
  cbKwargs?: Record<string, unknown>;
  callback?: string | ((...args: never[]) => unknown);
  errback?: string | ((...args: never[]) => unknown);
  priority?: number;
  dontFilter?: boolean;
}

export const PRIORITY_LIMIT = 100_000;

/** Marker so the engine can tell a yielded request from an item. */
const REQUEST_BRAND = Symbol.for('crawl-lab.request');

export interface RequestDraft extends RequestInit {
  readonly [REQUEST_BRAND]: true;
}

/** Build a request a spider can yield: `yield request({ url, callback: 'parseThread' })`. */
export function request(init: RequestInit): RequestDraft {
  return { ...init, [REQUEST_BRAND]: true };
}

export function isRequestDraft(value: unknown): value is RequestDraft {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[REQUEST_BRAND] === true
  );
}

function nameOf(fn: RequestInit['callback']): string | undefined {
  if (fn === undefined) return undefined;
  if (typeof fn === 'string') return fn;
  if (!fn.name) {
    throw new CrawlError(
      'CRAWL_E_SPIDER_INVALID',
      'a callback passed as a function must be a named spider method',
      {
        hint: "pass the method's name as a string, e.g. callback: 'parseThread'",
      },
    );
  }
  return fn.name.replace(/^bound /, '');
}

/** Turn a draft into the queue form. Throws IgnoreRequest-style CrawlError for a bad URL. */
export function toCrawlRequest(init: RequestInit, defaults: { depth?: number } = {}): CrawlRequest {
  let url: URL;
  try {
    url = typeof init.url === 'string' ? new URL(init.url) : init.url;
  } catch (cause) {
    throw new CrawlError(
      'CRAWL_E_BAD_URL',
      `not an absolute URL: ${JSON.stringify(String(init.url).slice(0, 200))}`,
      {
        cause,
        hint: 'resolve relative links with response.follow(href) or new URL(href, response.url)',
      },
    );
  }
  const priority = init.priority ?? 0;
  if (!Number.isInteger(priority) || Math.abs(priority) > PRIORITY_LIMIT) {
    throw new CrawlError(
      'CRAWL_E_SPIDER_INVALID',
      `request priority must be an integer within ±${PRIORITY_LIMIT}`,
      {
        value: priority,
      },
    );
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const body =
    init.body === undefined
      ? undefined
      : (typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : Buffer.from(init.body)).toString(
          'base64',
        );
  const out: CrawlRequest = {
    v: 1,
    url: url.href,
    method: (init.method ?? 'GET').toUpperCase(),
    headers,
    meta: { ...(init.meta ?? {}) },
    cbKwargs: { ...(init.cbKwargs ?? {}) },
    priority,
    dontFilter: init.dontFilter ?? false,
    depth: defaults.depth ?? 0,
    attempt: 0,
  };
  if (body !== undefined) out.body = body;
  const callback = nameOf(init.callback);
  const errback = nameOf(init.errback);
  if (callback !== undefined) out.callback = callback;
  if (errback !== undefined) out.errback = errback;
  return out;
}

export function bodyBytes(req: CrawlRequest): Buffer {
  return req.body === undefined ? Buffer.alloc(0) : Buffer.from(req.body, 'base64');
}

export function serializeRequest(req: CrawlRequest): string {
  return JSON.stringify(req);
}

/** Parse the queue form; throws CrawlError CRAWL_E_START_URL-free plain error text on bad data. */
export function deserializeRequest(text: string): CrawlRequest {
  const value = JSON.parse(text) as CrawlRequest;
  if (value === null || typeof value !== 'object' || value.v !== 1 || typeof value.url !== 'string') {
    throw new CrawlError('CRAWL_E_BAD_URL', 'queue entry is not a version-1 request', {
      value: text.slice(0, 200),
    });
  }
  return value;
}
