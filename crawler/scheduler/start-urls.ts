import { ConfigError, CrawlError, isCrawlError } from '../errors.ts';
import { type CrawlRequest, PRIORITY_LIMIT, type RequestInit, toCrawlRequest } from '../http/request.ts';
import type { Settings } from '../settings/defaults.ts';
import { KEY_ROLES, type KeyRole } from './key-types.ts';

/**
 * Start entries, as pushed to <prefix>:start_urls by `crawl seed` or redis-cli:
 * - a plain URL: `https://tieba.baidu.com/f?kw=x`
 * - a JSON request: `{"url": "...", "priority": 5, "meta": {"page": 1}}` with keys
 *   url (required), method, body (text), headers, meta, priority, callback, dontFilter.
 *   The queue form written by `toCrawlRequest` (with "v": 1, body base64, cbKwargs,
 *   errback, depth, attempt) is accepted too.
 * Unlike scrapy-redis, unknown keys are rejected instead of silently becoming form
 * data, and non-http(s) or over-long URLs are rejected with a reason.
 */

const PLAIN_KEYS = ['url', 'method', 'body', 'headers', 'meta', 'priority', 'callback', 'dontFilter'];
const QUEUE_FORM_KEYS = ['v', 'cbKwargs', 'errback', 'depth', 'attempt'];
const ALLOWED = new Set([...PLAIN_KEYS, ...QUEUE_FORM_KEYS]);

export type StartEntryCheck = { ok: true; request: CrawlRequest } | { ok: false; reason: string };

type Limits = Pick<Settings, 'urlLengthLimit'>;

/** Parse one start entry; never throws. */
export function checkStartEntry(raw: string, settings: Limits): StartEntryCheck {
  try {
    return { ok: true, request: parseStartEntry(raw, settings) };
  } catch (error) {
    return { ok: false, reason: isCrawlError(error) ? error.message : String(error) };
  }
}

/** Parse one start entry into a request; throws CrawlError CRAWL_E_START_URL with the reason. */
export function parseStartEntry(raw: string, settings: Limits): CrawlRequest {
  const text = raw.trim();
  if (text === '') throw reject('empty entry');
  if (!text.startsWith('{')) {
    if (text.startsWith('[') || text.startsWith('"'))
      throw reject('a JSON start entry must be an object like {"url": "..."}');
    return build({ url: checkUrl(text, settings) });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw reject(`not valid JSON (${(cause as Error).message})`);
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!ALLOWED.has(key)) {
      throw reject(
        `unknown key "${key}" (allowed: ${PLAIN_KEYS.join(', ')}); form data goes in "body" with method POST, query parameters in the url`,
      );
    }
  }
  const { url, v, method, body, priority, dontFilter } = obj;
  if (typeof url !== 'string') throw reject('"url" is missing or not a string');
  const queueForm = v !== undefined;
  if (queueForm && v !== 1) throw reject(`"v" must be 1 (the queue form version), got ${JSON.stringify(v)}`);
  const init: RequestInit = { url: checkUrl(url, settings) };
  if (method !== undefined) {
    if (typeof method !== 'string' || !/^[A-Za-z]{1,20}$/.test(method))
      throw reject('"method" must be a word such as "GET" or "POST"');
    init.method = method;
  }
  if (body !== undefined) {
    if (typeof body !== 'string') throw reject('"body" must be a string');
    init.body = queueForm ? Buffer.from(body, 'base64') : body;
  }
  for (const key of ['headers', 'meta', 'cbKwargs'] as const) {
    const v = obj[key];
    if (v === undefined) continue;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw reject(`"${key}" must be an object`);
    if (key === 'headers' && Object.values(v).some((h) => typeof h !== 'string'))
      throw reject('"headers" values must be strings');
    init[key] = v as Record<string, string>;
  }
  if (priority !== undefined) {
    if (typeof priority !== 'number' || !Number.isInteger(priority) || Math.abs(priority) > PRIORITY_LIMIT) {
      throw reject(
        `"priority" must be an integer within ±${PRIORITY_LIMIT}, got ${JSON.stringify(priority)}`,
      );
    }
    init.priority = priority;
  }
  for (const key of ['callback', 'errback'] as const) {
    const v = obj[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !/^[A-Za-z_$][\w$]*$/.test(v))
      throw reject(`"${key}" must be a spider method name`);
    init[key] = v;
  }
  if (dontFilter !== undefined) {
    if (typeof dontFilter !== 'boolean') throw reject('"dontFilter" must be true or false');
    init.dontFilter = dontFilter;
  }
  return build(init);
}

function checkUrl(url: string, settings: Limits): string {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    throw reject(`not an absolute URL: ${JSON.stringify(url.slice(0, 200))}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw reject(`scheme "${parsed.protocol.slice(0, -1)}" is not crawled; only http and https URLs are`);
  }
  if (parsed.href.length > settings.urlLengthLimit) {
    throw reject(`URL is ${parsed.href.length} characters, over urlLengthLimit (${settings.urlLengthLimit})`);
  }
  return parsed.href;
}

function build(init: RequestInit): CrawlRequest {
  try {
    return toCrawlRequest(init, { depth: 0 });
  } catch (cause) {
    throw reject(isCrawlError(cause) ? cause.message : String(cause));
  }
}

function reject(reason: string): CrawlError {
  return new CrawlError('CRAWL_E_START_URL', reason);
}

/** A Redis key of the crawl holds the wrong type: name it, its type, and the fix. */
export function wrongTypeError(o: {
  key: string;
  actual: string;
  wanted: string;
  /** Which key of the crawl it is (key-types.ts); any other than these two gets the generic fix. */
  which: KeyRole;
  settings: Pick<Settings, 'redisStartUrlsAsSet' | 'schedulerQueueClass'>;
  cause?: unknown;
}): ConfigError {
  const del = `or delete the key: redis-cli DEL '${o.key}'`;
  let hint: string;
  if (o.which === 'startUrls') {
    const flip = o.actual === 'set' || o.actual === 'list';
    hint = flip
      ? `set redisStartUrlsAsSet=${o.actual === 'set'} to read it as a ${o.actual}, ${del}`
      : `push start URLs with ${o.settings.redisStartUrlsAsSet ? 'SADD' : 'RPUSH'} (crawl seed does), ${del}`;
  } else if (o.which === 'requests') {
    const cls = o.actual === 'zset' ? 'priority' : 'fifo or lifo';
    hint = `the queue was made with another schedulerQueueClass: set schedulerQueueClass=${cls}, or run \`crawl reset\``;
  } else {
    hint = `something other than crawl-lab wrote a ${o.actual} there: ${del.slice(3)} (its ${KEY_ROLES[o.which]} start again), run \`crawl reset\` to start the whole crawl again, or give the crawl another redisKeyPrefix`;
  }
  const why =
    o.which === 'startUrls'
      ? `redisStartUrlsAsSet=${o.settings.redisStartUrlsAsSet}`
      : o.which === 'requests'
        ? `schedulerQueueClass=${o.settings.schedulerQueueClass}`
        : `it holds ${KEY_ROLES[o.which]}`;
  return new ConfigError(
    'CRAWL_E_REDIS_WRONGTYPE',
    `Redis key "${o.key}" is a ${o.actual}, but a ${o.wanted} is expected (${why})`,
    { hint, key: o.key, actual: o.actual, expected: o.wanted, cause: o.cause },
  );
}
