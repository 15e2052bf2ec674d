import type { CrawlRequest } from '../http/request.ts';
import type { Logger } from '../log.ts';
import type { Settings } from '../settings/defaults.ts';

/**
 * What the downloader hands back for one request: the raw bytes after
 * content decoding (gzip/deflate/br), the final URL after redirects, and
 * the text when the body is text.
 *
 * Errors are thrown, typed by what to do with them (see ../errors.ts):
 * - RetryableError (CRAWL_E_NETWORK, CRAWL_E_TIMEOUT, CRAWL_E_HTTP_RETRYABLE with
 *   `retryAfterMs` from Retry-After) -> the engine retries, bounded by retryTimes;
 * - IgnoreRequest (CRAWL_E_OFFSITE for a redirect target, CRAWL_E_ROBOTS_DENIED,
 *   CRAWL_E_REDIRECT_LOOP, CRAWL_E_REDIRECT_LIMIT, CRAWL_E_TOO_LARGE, CRAWL_E_SCHEME,
 *   CRAWL_E_HTTP_STATUS for non-2xx not in httpErrorAllowedCodes) -> dropped and logged.
 * A non-2xx status in `httpErrorAllowedCodes` is returned, not thrown.
 */
export interface DownloadResult {
  /** Final URL after redirects. */
  url: string;
  status: number;
  /** Lower-case header names; repeated headers joined with ", " (set-cookie kept as array elsewhere). */
  headers: Record<string, string>;
  /** Decoded body bytes (content-encoding removed). */
  body: Buffer;
  /** Every URL visited before `url`, in order. */
  redirects: string[];
  /** Media type from Content-Type, lower-case, without parameters ('' when absent). */
  mediaType: string;
  /** Wall time of the last hop, ms (AutoThrottle uses it). */
  latencyMs: number;
  /**
   * With `redirects: 'schedule'`: the request this 3xx answer leads to. The
   * engine queues it through the shared fingerprint filter instead of handing
   * the response to a callback.
   */
  redirectTo?: CrawlRequest;
}

export interface DownloaderOptions {
  settings: Settings;
  /** Hosts the spider may visit (and their subdomains); empty = any. Applied to redirect targets. */
  allowedDomains: readonly string[];
  /** Called once per event for stats: 'robots/forbidden', 'redirect/301', ... */
  onStat?: (name: string, delta?: number) => void;
  /** Warnings (robots.txt unreachable, ...); silent when absent. */
  log?: Logger;
  /**
   * 'follow' (default): follow redirects inside one fetch (`crawl fetch`, `crawl shell`).
   * 'schedule': return the first followable 3xx with `redirectTo`, so the target
   * goes through the shared scheduler and its fingerprint filter (workers).
   */
  redirects?: 'follow' | 'schedule';
}

export interface Downloader {
  /** Download one request, waiting for a per-host slot (concurrency, delay, AutoThrottle) first. */
  fetch(request: CrawlRequest, signal?: AbortSignal): Promise<DownloadResult>;
  /** Close connection pools. */
  close(): Promise<void>;
}
