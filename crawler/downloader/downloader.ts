import { errorCode, IgnoreRequest } from '../errors.ts';
import { bodyBytes, type CrawlRequest } from '../http/request.ts';
import type { Settings } from '../settings/defaults.ts';
import { STAT } from '../stats.ts';
import { initialDelay, nextDelay } from './middlewares/autothrottle.ts';
import { CookieJars } from './middlewares/cookies.ts';
import { ACCEPT_ENCODING } from './middlewares/decompress.ts';
import { checkStatus } from './middlewares/http-errors.ts';
import {
  chainUrls,
  hopKey,
  nextHop,
  type RedirectChain,
  redirectRequest,
  shouldFollow,
} from './middlewares/redirect.ts';
import { RobotsGuard } from './middlewares/robots.ts';
import { Slot, Slots } from './slots.ts';
import { createAgent, type Hop, type HopResponse, sendOnce } from './transport.ts';
import type { Downloader, DownloaderOptions, DownloadResult } from './types.ts';

/**
 * The downloader, composed in Scrapy's order for each hop:
 * scheme check -> robots.txt -> per-host slot (concurrency, delay, AutoThrottle)
 * -> HTTP exchange (timeouts, size, decoding) -> redirect -> status check.
 */

function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new IgnoreRequest('CRAWL_E_BAD_URL', `not an absolute URL: ${JSON.stringify(raw.slice(0, 200))}`, {
      cause,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IgnoreRequest('CRAWL_E_SCHEME', `cannot download ${url.protocol} URLs: ${raw.slice(0, 200)}`, {
      url: raw,
      hint: 'only http and https are supported; filter other links in the spider',
    });
  }
  return url;
}

/** Settings' default headers, then user agent and accept-encoding, then the request's own headers on top. */
export function buildHeaders(request: CrawlRequest, settings: Settings): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings.defaultRequestHeaders)) headers[k.toLowerCase()] = v;
  headers['user-agent'] = settings.userAgent;
  if (settings.compressionEnabled) headers['accept-encoding'] = ACCEPT_ENCODING;
  for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
  return headers;
}

function mediaTypeOf(headers: Record<string, string>): string {
  return (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function resultOf(hop: Hop, res: HopResponse, redirects: string[]): DownloadResult {
  return {
    url: hop.url.href,
    status: res.status,
    headers: res.headers,
    body: res.body,
    redirects,
    mediaType: mediaTypeOf(res.headers),
    latencyMs: res.latencyMs,
  };
}

export function createDownloader(options: DownloaderOptions): Downloader {
  const { settings, allowedDomains } = options;
  const stat = options.onStat ?? (() => {});
  const agent = createAgent(settings);
  const slots = new Slots(
    () =>
      new Slot({
        concurrency: settings.concurrentRequestsPerDomain,
        delaySeconds: initialDelay(settings),
        randomize: settings.randomizeDownloadDelay,
      }),
  );
  const robots = new RobotsGuard({ agent, settings, onStat: stat, log: options.log });
  const jars = new CookieJars();

  /** One hop inside the host's slot, with stats and AutoThrottle feedback. */
  async function send(hop: Hop, signal: AbortSignal | undefined): Promise<HopResponse> {
    const slot = slots.get(hop.url.hostname);
    await slot.acquire(signal);
    let res: HopResponse;
    try {
      stat(STAT.downloads);
      res = await sendOnce(agent, hop, {
        settings,
        signal,
        maxBytes: settings.downloadMaxsize,
        onStat: stat,
      });
    } catch (error) {
      if (!signal?.aborted) stat(`downloader/exception_type_count/${errorCode(error)}`);
      throw error;
    } finally {
      slot.release();
    }
    stat(STAT.downloadResponses);
    stat(`downloader/response_status_count/${res.status}`);
    stat(STAT.downloadBytes, res.body.length);
    if (settings.autothrottleEnabled) {
      slot.delaySeconds = nextDelay(slot.delaySeconds, res.latencyMs / 1000, res.status, settings);
    }
    return res;
  }

  return {
    async fetch(request: CrawlRequest, signal?: AbortSignal): Promise<DownloadResult> {
      let hop: Hop = {
        url: parseHttpUrl(request.url),
        method: request.method.toUpperCase(),
        headers: buildHeaders(request, settings),
        body: request.body === undefined ? undefined : bodyBytes(request),
      };
      const redirects: string[] = chainUrls(request);
      const chain: RedirectChain = { seen: new Set([hopKey(hop)]), count: 0 };
      // Bounded: nextHop throws once chain.count reaches redirectMaxTimes.
      const jar = settings.cookiesEnabled ? jars.jarFor(request.meta) : undefined;
      const ownCookie = hop.headers['cookie'];
      for (;;) {
        await robots.check(hop.url, request, signal);
        if (jar && ownCookie === undefined) {
          const cookie = jar.headerFor(hop.url);
          if (cookie === undefined) delete hop.headers['cookie'];
          else hop.headers['cookie'] = cookie;
        }
        const res = await send(hop, signal);
        jar?.store(hop.url, res.setCookie);
        const location = res.headers['location'];
        if (location !== undefined && shouldFollow(res.status, res.headers, request.meta, settings)) {
          stat(`redirect/${res.status}`);
          if (options.redirects === 'schedule') {
            const redirectTo = redirectRequest(request, res.status, location, settings, allowedDomains);
            return { ...resultOf(hop, res, redirects), redirectTo };
          }
          const next = nextHop(hop, res.status, location, chain, settings, allowedDomains);
          redirects.push(hop.url.href);
          hop = next;
          continue;
        }
        checkStatus(res.status, res.headers, hop.url.href, request, settings);
        return resultOf(hop, res, redirects);
      }
    },

    async close(): Promise<void> {
      slots.dispose();
      await agent.close();
    },
  };
}
