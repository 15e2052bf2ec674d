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

/**
 * Back off without penalty: shared state refuses writes for now (Redis out of
 * memory). The worker waits and tries the same call again; no request is
 * retried, dropped or counted.
 */
export class BackOff extends CrawlError {}

/**
 * The one place that reads the reply text of a Redis that refuses writes for
 * now (the protocol gives no code): out of memory (OOM), or unable to write its
 * snapshot or append-only file, a full or unwritable disk (MISCONF).
 */
export function redisRefusesWrites(error: unknown): BackOff | undefined {
  const text = error instanceof Error ? error.message : '';
  if (/^MISCONF\b/m.test(text) || /\bMISCONF /.test(text)) {
    // without the " script: <sha>, on @user_script:<line>." Redis adds when a script's write was refused
    const why =
      /\bMISCONF ([^\n]*)/
        .exec(text)?.[1]
        ?.replace(/ script: [0-9a-f]+, on @\S+$/, '')
        .slice(0, 160) ?? 'MISCONF';
    // "Errors writing to the AOF file: <errno text>" (Redis 7) or a snapshot that failed
    const aof = /\bAOF\b/.test(why);
    return new BackOff(
      'CRAWL_E_REDIS_MISCONF',
      `Redis cannot write its data to disk (${why}) and refuses writes`,
      {
        hint:
          'this worker waits and tries again, nothing is lost; free disk space where Redis keeps its files ' +
          '(on the master: df -h /var/lib/redis; redis-cli INFO persistence shows aof_last_write_status and ' +
          'rdb_last_bgsave_status), then ' +
          (aof
            ? 'Redis writes its append-only file again within a second and takes writes'
            : 'Redis takes writes again at its next successful save (redis-cli BGSAVE starts one now)'),
        cause: error,
      },
    );
  }
  if (!/\bOOM command not allowed\b/.test(text)) return undefined;
  return new BackOff(
    'CRAWL_E_REDIS_OOM',
    "Redis is out of memory (used memory > 'maxmemory', policy noeviction) and refuses writes",
    {
      hint:
        'this worker waits and tries again, nothing is lost; give Redis more room (redis-cli CONFIG SET maxmemory 2gb, ' +
        'or maxmemory in redis.conf), free memory (crawl reset of an old crawl), or use dupefilterClass=bloom ' +
        '(about 2.5 bytes per URL instead of one fingerprint per URL)',
      cause: error,
    },
  );
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
