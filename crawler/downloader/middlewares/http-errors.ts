import { IgnoreRequest, RetryableError } from '../../errors.ts';
import type { CrawlRequest } from '../../http/request.ts';
import type { Settings } from '../../settings/defaults.ts';

/**
 * Status classification (Scrapy's HttpErrorMiddleware + the status half of
 * RetryMiddleware): 2xx passes; retryHttpCodes throw RetryableError; every other
 * status is dropped unless the settings or the request allow it.
 */

/**
 * Parse Retry-After (delta-seconds or HTTP-date) into milliseconds from `nowMs`,
 * capped at retryBackoffMax. Anything unparsable gives undefined.
 */
export function parseRetryAfter(
  value: string | undefined,
  settings: Settings,
  nowMs = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    // HTTP-dates always name a weekday and a GMT zone; Date.parse alone also accepts "5" or "2024".
    if (!/[a-z]{3},?\s.*\d{2}:\d{2}:\d{2}\s+gmt$/i.test(text)) return undefined;
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - nowMs);
  }
  return Math.min(ms, settings.retryBackoffMax * 1000);
}

/** True when the status is handed to the spider although it is not 2xx. */
function allowedByRequestOrSettings(status: number, request: CrawlRequest, settings: Settings): boolean {
  if (settings.httpErrorAllowedCodes.includes(status)) return true;
  const list = request.meta['handleHttpStatusList'];
  return Array.isArray(list) && list.includes(status);
}

/** Throws for statuses the spider should not see; returns normally otherwise. */
export function checkStatus(
  status: number,
  headers: Record<string, string>,
  url: string,
  request: CrawlRequest,
  settings: Settings,
): void {
  if (status >= 200 && status < 300) return;
  if (allowedByRequestOrSettings(status, request, settings)) return;
  if (settings.retryHttpCodes.includes(status)) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], settings);
    throw new RetryableError('CRAWL_E_HTTP_RETRYABLE', `HTTP ${status} from ${url} (transient, will retry)`, {
      status,
      url,
      retryAfterMs,
      hint: 'statuses in retryHttpCodes are retried up to retryTimes; lower concurrency or raise downloadDelay if the server is overloaded',
    });
  }
  throw new IgnoreRequest('CRAWL_E_HTTP_STATUS', `HTTP ${status} from ${url}: request dropped`, {
    status,
    url,
    hint: `to pass this status to the callback, add ${status} to httpErrorAllowedCodes or to request meta.handleHttpStatusList`,
  });
}
