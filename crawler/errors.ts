/**
 * Every error the crawler raises on purpose. Classes are named after what the
 * system does with them (retry, ignore the request, drop the item, stop), and
 * every error carries a stable `code` that survives logs, JSON and Redis.
 * Match on `code`, never on the message text.
 */

export type ErrorCode =
  // configuration: stop, the operator must fix something
  | 'CRAWL_E_SETTING_UNKNOWN'
  | 'CRAWL_E_SETTING_INVALID'
  | 'CRAWL_E_CONFIG_FILE'
  | 'CRAWL_E_SPIDER_NOT_FOUND'
  | 'CRAWL_E_SPIDER_INVALID'
  | 'CRAWL_E_USAGE'
  | 'CRAWL_E_REDIS_WRONGTYPE'
  | 'CRAWL_E_REDIS_UNREACHABLE'
  | 'CRAWL_E_LAB_CONFIG'
  // one request is ignored, never retried
  | 'CRAWL_E_BAD_URL'
  | 'CRAWL_E_URL_TOO_LONG'
  | 'CRAWL_E_SCHEME'
  | 'CRAWL_E_OFFSITE'
  | 'CRAWL_E_ROBOTS_DENIED'
  | 'CRAWL_E_DEPTH'
  | 'CRAWL_E_HTTP_STATUS'
  | 'CRAWL_E_TOO_LARGE'
  | 'CRAWL_E_REDIRECT_LOOP'
  | 'CRAWL_E_REDIRECT_LIMIT'
  | 'CRAWL_E_CALLBACK'
  | 'CRAWL_E_START_URL'
  | 'CRAWL_E_NOT_TEXT'
  | 'CRAWL_E_DECODE'
  // transient: retry with backoff
  | 'CRAWL_E_NETWORK'
  | 'CRAWL_E_TIMEOUT'
  | 'CRAWL_E_HTTP_RETRYABLE'
  // items and the crawl as a whole
  | 'CRAWL_E_DROP_ITEM'
  | 'CRAWL_E_CLOSE_SPIDER'
  | 'CRAWL_E_SINK'
  // the lab: a provider could not make a machine, or a command on a node failed
  | 'CRAWL_E_PROVIDER'
  | 'CRAWL_E_NODE_COMMAND'
  | 'CRAWL_E_PROVISION';

const BRAND = Symbol.for('crawl-lab.error');

export interface ErrorDetails {
  /** What to do about it, written for a learner. */
  hint?: string;
  cause?: unknown;
  [key: string]: unknown;
}

/** Base class: `name`, `code`, an optional `hint`, and a chained `cause`. */
export class CrawlError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    const { hint, cause, ...rest } = details;
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
    this.details = rest;
  }

  /** Message plus hint, the way the CLI prints it. */
  explain(): string {
    return this.hint ? `${this.message}\n  fix: ${this.hint}` : this.message;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, hint: this.hint, ...this.details };
  }
}

/** Stop: the settings, the spider or the command line is wrong. Nothing was crawled with it. */
export class ConfigError extends CrawlError {}

/** Transient failure: the request goes back to the shared queue with a delay (bounded by `retryTimes`). */
export class RetryableError extends CrawlError {
  /** Server-suggested wait (Retry-After), in milliseconds, if any. */
  readonly retryAfterMs: number | undefined;
  constructor(code: ErrorCode, message: string, details: ErrorDetails & { retryAfterMs?: number } = {}) {
    const { retryAfterMs, ...rest } = details;
    super(code, message, rest);
    this.retryAfterMs = retryAfterMs;
  }
}

/** This request is dropped (logged and counted), never retried; the crawl goes on. */
export class IgnoreRequest extends CrawlError {}

/** This item is dropped by a pipeline step; counted in `item_dropped_count`. */
export class DropItem extends CrawlError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('CRAWL_E_DROP_ITEM', message, details);
  }
}

/** Stop this worker cleanly (close conditions, or a spider that decides it is done). */
export class CloseSpider extends CrawlError {
  readonly reason: string;
  constructor(reason: string, details: ErrorDetails = {}) {
    super('CRAWL_E_CLOSE_SPIDER', `closing spider: ${reason}`, details);
    this.reason = reason;
  }
}

export function isCrawlError(value: unknown): value is CrawlError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The code of any error, ours or a system one (ECONNRESET, UND_ERR_*), for stats and logs. */
export function errorCode(error: unknown): string {
  if (isCrawlError(error)) return error.code;
  if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code);
  return 'UNKNOWN';
}

/** One-line description of any thrown value, safe for logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
