/**
 * The error base every part of crawl-lab shares (crawler, provision, lab,
 * scripts): a stable `code` that survives logs, JSON and Redis, an optional
 * `hint` written for a learner, and a chained `cause`. Classes are named after
 * what the system does with them; match on `code`, never on the message text.
 * The crawler's own classes (retry, ignore, drop, close) live in
 * crawler/errors.ts; the lab's (provider, node command) in
 * provision/transports/errors.ts.
 */

export type ErrorCode =
  // configuration: stop, the operator must fix something
  | 'CRAWL_E_SETTING_UNKNOWN'
  | 'CRAWL_E_SETTING_INVALID'
  | 'CRAWL_E_CONFIG_FILE'
  | 'CRAWL_E_SPIDER_NOT_FOUND'
  | 'CRAWL_E_SPIDER_INVALID'
  | 'CRAWL_E_USAGE'
  // --output: an extension that names no item format, or a JSON array that cannot be appended to
  | 'CRAWL_E_FEED_FORMAT'
  | 'CRAWL_E_FEED_APPEND'
  // crawl new: the spider file is already there (never overwritten)
  | 'CRAWL_E_FILE_EXISTS'
  | 'CRAWL_E_REDIS_WRONGTYPE'
  | 'CRAWL_E_REDIS_UNREACHABLE'
  // Redis is reading its dataset after a start and did not finish within redisLoadingTimeout
  | 'CRAWL_E_REDIS_LOADING'
  | 'CRAWL_E_LAB_CONFIG'
  // rediss://: the CA file (redisCa) cannot be read, or lab:up could not make the lab's certificates
  | 'CRAWL_E_REDIS_TLS'
  // the LAB_ID is another checkout's lab (provision/owner.ts): nothing was touched
  | 'CRAWL_E_LAB_NOT_OURS'
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
  // back off without penalty: Redis refuses writes for now (out of memory); wait, nothing is lost
  | 'CRAWL_E_REDIS_OOM'
  // Redis cannot write its snapshot or append-only file (disk full) and refuses writes: waited out
  | 'CRAWL_E_REDIS_MISCONF'
  // items and the crawl as a whole
  | 'CRAWL_E_DROP_ITEM'
  | 'CRAWL_E_CLOSE_SPIDER'
  // a stopping worker could not hand its requests back within shutdownTimeout (Redis did not answer)
  | 'CRAWL_E_SHUTDOWN_TIMEOUT'
  | 'CRAWL_E_SINK'
  // the lab: a provider could not make a machine, or a command on a node failed
  | 'CRAWL_E_PROVIDER'
  | 'CRAWL_E_NODE_COMMAND'
  | 'CRAWL_E_PROVISION'
  // lab:crawl: a node runs another build of the crawler than this checkout's (run lab:up)
  | 'CRAWL_E_STALE_CRAWLER'
  // this host lacks a program the lab or the tests need, and it was not installed
  | 'CRAWL_E_PREREQ'
  // the operator pressed Ctrl-C: the command stopped after undoing what it had changed
  | 'CRAWL_E_INTERRUPTED';

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

export function isCrawlError(value: unknown): value is CrawlError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
