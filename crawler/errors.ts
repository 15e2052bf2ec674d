/**
 * Every error the crawler raises on purpose. Classes are named after what the
 * system does with them (retry, ignore the request, drop the item, stop), and
 * every error carries a stable `code` that survives logs, JSON and Redis.
 * Match on `code`, never on the message text. The base class and the list of
 * codes are shared with the rest of crawl-lab (common/errors.ts).
 */
import { CrawlError, type ErrorCode, type ErrorDetails, isCrawlError } from '../common/errors.ts';

export type { ErrorCode, ErrorDetails } from '../common/errors.ts';
export { ConfigError, CrawlError, isCrawlError } from '../common/errors.ts';

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
