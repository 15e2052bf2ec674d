import robotsParserModule from 'robots-parser';
import { describeError, errorCode, IgnoreRequest } from '../../errors.ts';
import type { CrawlRequest } from '../../http/request.ts';
import type { Logger } from '../../log.ts';
import type { Settings } from '../../settings/defaults.ts';
import { STAT } from '../../stats.ts';
import { type Hop, sendOnce } from '../transport.ts';
import type { Agent } from '../undici-agent.ts';
import { ACCEPT_ENCODING } from './decompress.ts';

/**
 * robots.txt (Scrapy's RobotsTxtMiddleware): fetched once per origin per worker,
 * outside the shared queue, with the downloader's agent and user agent.
 * Concurrent requests to a new origin share one fetch (the promise is cached).
 * A missing (4xx) or unreachable (5xx, network, timeout) robots.txt allows
 * everything, as in Scrapy; the latter is logged and counted.
 */

/** Google reads the first 500 KiB of a robots.txt; so do we (it is never an error to be longer). */
const ROBOTS_MAX_BYTES = 500 * 1024;
/** robots.txt redirects (http -> https, www) are followed this many times at most. */
const ROBOTS_MAX_REDIRECTS = 5;

interface Robot {
  /** undefined when the URL is not on the robots.txt's origin. */
  isAllowed(url: string, ua?: string): boolean | undefined;
}
// The package is CommonJS exporting the function itself; its .d.ts declares a default export.
const robotsParser = robotsParserModule as unknown as (url: string, robotstxt: string) => Robot;

export interface RobotsDeps {
  agent: Agent;
  settings: Settings;
  onStat: (name: string, delta?: number) => void;
  log: Logger | undefined;
}

/** The product token robots.txt groups match on: "crawl-lab/0.1 (...)" -> "crawl-lab". */
export function productToken(userAgent: string): string {
  return userAgent.trim().split(/[/\s]/)[0] ?? userAgent;
}

export class RobotsGuard {
  readonly #cache = new Map<string, Promise<Robot | undefined>>();
  readonly #deps: RobotsDeps;

  constructor(deps: RobotsDeps) {
    this.#deps = deps;
  }

  /** Throws IgnoreRequest CRAWL_E_ROBOTS_DENIED when robots.txt forbids `url`. */
  async check(url: URL, request: CrawlRequest, signal?: AbortSignal): Promise<void> {
    const { settings, onStat } = this.#deps;
    if (!settings.robotstxtObey || request.meta['dontObeyRobotstxt'] === true) return;
    if (url.pathname === '/robots.txt') return;
    let pending = this.#cache.get(url.origin);
    if (pending === undefined) {
      pending = this.#load(url.origin);
      this.#cache.set(url.origin, pending);
    }
    // The fetch is shared, so one request's signal must not cancel it: only this wait is cut short.
    const robot = await untilAborted(pending, signal);
    if (robot?.isAllowed(url.href, productToken(settings.userAgent)) === false) {
      onStat(STAT.robotsForbidden);
      throw new IgnoreRequest('CRAWL_E_ROBOTS_DENIED', `robots.txt of ${url.origin} forbids ${url.href}`, {
        url: url.href,
        hint: 'respect it; for your own lab site, edit its robots.txt, or set robotstxtObey false',
      });
    }
  }

  /** Fetch and parse; undefined = allow everything. Never rejects. */
  async #load(origin: string): Promise<Robot | undefined> {
    const { agent, settings, onStat, log } = this.#deps;
    const robotsUrl = `${origin}/robots.txt`;
    let hop: Hop = {
      url: new URL(robotsUrl),
      method: 'GET',
      headers: {
        'user-agent': settings.userAgent,
        ...(settings.compressionEnabled ? { 'accept-encoding': ACCEPT_ENCODING } : {}),
      },
      body: undefined,
    };
    try {
      for (let redirects = 0; ; redirects++) {
        onStat(STAT.robotsRequests);
        const res = await sendOnce(agent, hop, {
          settings,
          maxBytes: Math.min(ROBOTS_MAX_BYTES, settings.downloadMaxsize),
          truncate: true,
          onStat,
        });
        onStat(STAT.robotsResponses);
        onStat(`robotstxt/response_status_count/${res.status}`);
        const location = res.headers['location'];
        if (
          res.status >= 300 &&
          res.status < 400 &&
          location !== undefined &&
          redirects < ROBOTS_MAX_REDIRECTS
        ) {
          const next = new URL(location, hop.url);
          if (next.protocol !== 'http:' && next.protocol !== 'https:') return undefined;
          hop = { ...hop, url: next };
          continue;
        }
        if (res.status >= 200 && res.status < 300) return robotsParser(robotsUrl, res.body.toString('utf8'));
        if (res.status >= 500) {
          log?.warn('robots.txt unavailable, allowing all', { url: robotsUrl, status: res.status });
        }
        return undefined;
      }
    } catch (error) {
      onStat(`robotstxt/exception_count/${errorCode(error)}`);
      log?.warn('robots.txt fetch failed, allowing all', { url: robotsUrl, error: describeError(error) });
      return undefined;
    }
  }
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
