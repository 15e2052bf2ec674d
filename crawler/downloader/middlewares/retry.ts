import { RetryableError } from '../../errors.ts';
import { type CrawlRequest, PRIORITY_LIMIT } from '../../http/request.ts';
import type { Settings } from '../../settings/defaults.ts';

/**
 * Retry policy (Scrapy's RetryMiddleware), as pure functions the engine calls.
 * No timers here: the engine hands the copy and the delay to the scheduler,
 * whose delayed set does the waiting, so a retry survives a worker crash.
 */

/** Jitter spreads retries of many failed requests so they do not return in one burst. */
const JITTER = 0.2;

/** True when the error is transient and this request still has attempts left. */
export function shouldRetry(error: unknown, request: CrawlRequest, settings: Settings): boolean {
  if (!settings.retryEnabled) return false;
  if (!(error instanceof RetryableError)) return false;
  if (request.meta['dontRetry'] === true) return false;
  return request.attempt < settings.retryTimes;
}

/**
 * Milliseconds to wait before attempt `attempt + 1`: retryBackoffBase * 2^attempt
 * seconds with ±20% jitter, capped by retryBackoffMax. A larger Retry-After from
 * the server wins, still capped (a server asking for a day does not stall the crawl).
 */
export function retryDelayMs(
  error: unknown,
  attempt: number,
  settings: Settings,
  random: () => number = Math.random,
): number {
  const capMs = settings.retryBackoffMax * 1000;
  const exp = settings.retryBackoffBase * 1000 * 2 ** Math.max(0, attempt);
  const jittered = exp * (1 - JITTER + 2 * JITTER * random());
  let delay = Math.min(jittered, capMs);
  if (error instanceof RetryableError && error.retryAfterMs !== undefined && error.retryAfterMs > delay) {
    delay = Math.min(error.retryAfterMs, capMs);
  }
  return Math.max(0, Math.round(delay));
}

/** The copy that goes back to the queue: next attempt, lower priority, past the dupefilter. */
export function retryRequest(request: CrawlRequest, settings: Settings): CrawlRequest {
  const priority = Math.max(
    -PRIORITY_LIMIT,
    Math.min(PRIORITY_LIMIT, request.priority + settings.retryPriorityAdjust),
  );
  return {
    ...request,
    headers: { ...request.headers },
    meta: { ...request.meta },
    attempt: request.attempt + 1,
    priority,
    dontFilter: true,
  };
}
