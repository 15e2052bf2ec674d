import { retryDelayMs, retryRequest, shouldRetry } from '../downloader/middlewares/retry.ts';
import type { Downloader } from '../downloader/types.ts';
import { CrawlError, describeError, errorCode, IgnoreRequest } from '../errors.ts';
import { type CrawlRequest, PRIORITY_LIMIT, type RequestDraft, toCrawlRequest } from '../http/request.ts';
import { Response } from '../http/response.ts';
import { hostAllowed } from '../http/url.ts';
import type { Logger } from '../log.ts';
import type { Pipeline } from '../pipelines/pipeline.ts';
import { fingerprintHex } from '../scheduler/fingerprint.ts';
import type { Lease, Outcome } from '../scheduler/types.ts';
import type { Settings } from '../settings/defaults.ts';
import type { Signals } from '../signals.ts';
import type { Item, Spider } from '../spiders/spider.ts';
import { STAT, statFor } from '../stats.ts';
import type { LocalStats } from './local-stats.ts';
import { type Collected, collectOutputs } from './outputs.ts';

export interface HandlerDeps {
  spider: Spider;
  settings: Settings;
  downloader: Downloader;
  pipeline: Pipeline;
  stats: LocalStats;
  signals: Signals;
  log: Logger;
}

/**
 * One leased request, start to finish: checks, download, callback, items,
 * children, and the outcome to acknowledge. Errors become outcomes here; the
 * only thing that escapes is a bug.
 */
export class RequestHandler {
  readonly #warnedOffsite = new Set<string>();
  #warnedNotText = false;
  constructor(private readonly deps: HandlerDeps) {}

  async handle(lease: Lease, signal: AbortSignal): Promise<Outcome> {
    const { downloader, stats, signals, spider } = this.deps;
    const req = lease.request;
    try {
      this.checkRequest(req);
      const result = await downloader.fetch(req, signal);
      // one line per request at logLevel=debug (issue 13)
      this.deps.log.debug('fetched', {
        method: req.method,
        url: req.url,
        status: result.status,
        bytes: result.body.length,
        ms: Math.round(result.latencyMs),
        worker: this.deps.settings.workerId,
      });
      if (result.redirectTo !== undefined) {
        this.deps.log.debug('redirect queued through the fingerprint filter', {
          url: req.url,
          status: result.status,
          location: result.redirectTo.url,
        });
        return { kind: 'redirect', leaseId: lease.leaseId, request: result.redirectTo };
      }
      const response = new Response(req, result);
      stats.inc(STAT.pages);
      signals.emit('response_received', {
        request: req,
        status: result.status,
        bytes: result.body.length,
        url: result.url,
        latencyMs: result.latencyMs,
      });
      const name = req.callback ?? 'parse';
      const fn = spider[name];
      if (typeof fn !== 'function') {
        throw new CrawlError('CRAWL_E_SPIDER_INVALID', `spider "${spider.name}" has no callback "${name}"`, {
          hint: `add a method ${name}(response) to the spider, or fix the callback name in the request`,
        });
      }
      let collected: Collected;
      try {
        collected = await collectOutputs(fn.call(spider, response), name);
      } catch (cause) {
        if (cause instanceof CrawlError) throw cause;
        throw new CrawlError(
          'CRAWL_E_CALLBACK',
          `callback "${name}" failed on ${response.url}: ${describeError(cause)}`,
          {
            cause,
          },
        );
      }
      const children = this.admit(collected.requests, req, response.url);
      await this.storeItems(collected.items, req, response.url);
      return { kind: 'done', leaseId: lease.leaseId, newRequests: children };
    } catch (error) {
      return this.onError(lease, error, signal);
    }
  }

  private async onError(lease: Lease, error: unknown, signal: AbortSignal): Promise<Outcome> {
    const { settings, stats, signals, log } = this.deps;
    const req = lease.request;
    if (signal.aborted) return { kind: 'release', leaseId: lease.leaseId };
    const code = errorCode(error);
    if (shouldRetry(error, req, settings)) {
      const delayMs = retryDelayMs(error, req.attempt, settings);
      stats.inc(STAT.retries);
      stats.inc(statFor.retryReason(code));
      signals.emit('request_retried', { request: req, code, delayMs });
      log.debug('retrying', { url: req.url, code, attempt: req.attempt + 1, delayMs });
      return { kind: 'retry', leaseId: lease.leaseId, request: retryRequest(req, settings), delayMs };
    }
    const reason = describeError(error);
    const fromErrback = await this.runErrback(req, error, code);
    if (error instanceof IgnoreRequest) {
      stats.inc(statFor.ignored(code));
      signals.emit('request_dropped', { request: req, code, reason });
      // a response the callback could not read (response.$ on JSON or a PDF) is a spider bug: said once, then counted
      if (code === 'CRAWL_E_NOT_TEXT' && !this.#warnedNotText) {
        this.#warnedNotText = true;
        log.warn('callback failed on a response that is not HTML/text (later ones are counted in stats)', {
          url: req.url,
          code,
          reason,
        });
      } else log.debug('request ignored', { url: req.url, code, reason });
      return { kind: 'done', leaseId: lease.leaseId, newRequests: fromErrback };
    }
    if (error instanceof CrawlError && error.code === 'CRAWL_E_HTTP_RETRYABLE')
      stats.inc(STAT.retriesExhausted);
    if (
      error instanceof CrawlError &&
      (error.code === 'CRAWL_E_NETWORK' || error.code === 'CRAWL_E_TIMEOUT')
    ) {
      stats.inc(STAT.retriesExhausted);
    }
    stats.inc(STAT.errors);
    stats.inc(statFor.errorCode(code));
    signals.emit('request_failed', { request: req, code, reason });
    log.warn('request failed', { url: req.url, code, reason, attempts: req.attempt + 1 });
    if (fromErrback.length > 0) {
      // the errback handled the failure and asked for more pages: queue them (the failure stays in stats)
      return { kind: 'done', leaseId: lease.leaseId, newRequests: fromErrback };
    }
    return { kind: 'failed', leaseId: lease.leaseId, request: req, reason: `${code}: ${reason}` };
  }

  private async runErrback(req: CrawlRequest, error: unknown, code: string): Promise<CrawlRequest[]> {
    const { spider, log } = this.deps;
    if (!req.errback) return [];
    const fn = spider[req.errback];
    if (typeof fn !== 'function') {
      log.warn('errback not found on spider', { errback: req.errback });
      return [];
    }
    try {
      const out = await collectOutputs(
        fn.call(spider, { error, code, request: req, meta: req.meta }),
        req.errback,
      );
      await this.storeItems(out.items, req, req.url);
      return this.admit(out.requests, req);
    } catch (e) {
      log.warn('errback failed', { errback: req.errback, error: describeError(e) });
      return [];
    }
  }

  /** Checks before downloading: scheme, URL length, allowed domains. */
  private checkRequest(req: CrawlRequest): void {
    const { settings, spider } = this.deps;
    if (!/^https?:\/\//i.test(req.url)) {
      throw new IgnoreRequest('CRAWL_E_SCHEME', `not an http(s) URL: ${req.url.slice(0, 100)}`);
    }
    if (req.url.length > settings.urlLengthLimit) {
      throw new IgnoreRequest(
        'CRAWL_E_URL_TOO_LONG',
        `URL longer than urlLengthLimit (${settings.urlLengthLimit})`,
      );
    }
    if (!hostAllowed(req.url, spider.allowedDomains ?? [])) {
      throw new IgnoreRequest('CRAWL_E_OFFSITE', `host not in allowedDomains: ${new URL(req.url).host}`);
    }
  }

  /**
   * Turn yielded drafts into queue requests: depth, priority, offsite, depth limit, URL length,
   * the parent's cookie jar (meta.cookiejar) and the Referer header (refererEnabled) naming
   * the page they were found on.
   */
  private admit(drafts: RequestDraft[], parent: CrawlRequest, pageUrl?: string): CrawlRequest[] {
    const { settings, spider, stats, log } = this.deps;
    const depth = parent.depth + 1;
    const out: CrawlRequest[] = [];
    for (const draft of drafts) {
      let req: CrawlRequest;
      try {
        req = toCrawlRequest(draft, { depth });
      } catch (error) {
        stats.inc(statFor.ignored('CRAWL_E_BAD_URL'));
        log.debug('bad request yielded', { error: describeError(error) });
        continue;
      }
      if (!/^https?:$/.test(new URL(req.url).protocol)) {
        stats.inc(statFor.ignored('CRAWL_E_SCHEME'));
        continue;
      }
      if (req.url.length > settings.urlLengthLimit) {
        stats.inc(STAT.urlLengthIgnored);
        continue;
      }
      if (settings.depthLimit > 0 && depth > settings.depthLimit) {
        stats.inc(STAT.depthIgnored);
        continue;
      }
      if (!hostAllowed(req.url, spider.allowedDomains ?? [])) {
        stats.inc(STAT.offsite);
        const host = new URL(req.url).host;
        if (!this.#warnedOffsite.has(host)) {
          this.#warnedOffsite.add(host);
          log.debug('filtered offsite request', { host });
        }
        continue;
      }
      // a session: requests found on a page of a named cookie jar stay in that jar (cookies.ts)
      if (parent.meta['cookiejar'] !== undefined && req.meta['cookiejar'] === undefined) {
        req.meta['cookiejar'] = parent.meta['cookiejar'];
      }
      if (pageUrl !== undefined && settings.refererEnabled && req.headers['referer'] === undefined) {
        const referer = refererOf(pageUrl, req.url);
        if (referer) req.headers['referer'] = referer;
      }
      if (settings.depthPriority !== 0) {
        req.priority = Math.max(
          -PRIORITY_LIMIT,
          Math.min(PRIORITY_LIMIT, req.priority - depth * settings.depthPriority),
        );
      }
      out.push(req);
    }
    if (out.length > 0) stats.inc(STAT.requestsScheduled, out.length);
    return out;
  }

  private async storeItems(items: Item[], req: CrawlRequest, url: string): Promise<void> {
    const { spider, pipeline, stats, signals, log } = this.deps;
    if (items.length === 0) return;
    let base: string | undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      let key = itemKeyOf(spider, item);
      if (key === undefined) {
        base ??= fingerprintHex(req); // computed once per page, only when an item has no key of its own
        key = `${base}:${i}`;
      }
      const result = await pipeline.process(item, { spider: spider.name, key, url, log });
      if (result.ok) {
        stats.inc(STAT.items);
        signals.emit('item_scraped', { item: result.item, key });
      } else {
        stats.inc(STAT.itemsDropped);
        signals.emit('item_dropped', { item, reason: result.reason });
        log.debug('item dropped', { key, reason: result.reason });
      }
    }
  }
}

function itemKeyOf(spider: Spider, item: Item): string | undefined {
  const custom = spider.itemKey?.(item);
  if (custom !== undefined && custom !== '') return custom;
  const k = item['key'] ?? item['_key'];
  return typeof k === 'string' || typeof k === 'number' ? String(k) : undefined;
}

/**
 * The Referer for a request found on `pageUrl` (the default policy of browsers and
 * Scrapy, strict-origin-when-cross-origin, without the fragment or credentials):
 * the full URL on the same origin, the origin alone elsewhere, none ('') from https to http.
 */
export function refererOf(pageUrl: string, target: string): string {
  const page = new URL(pageUrl);
  const to = new URL(target);
  page.hash = '';
  page.username = '';
  page.password = '';
  if (page.protocol === 'https:' && to.protocol === 'http:') return '';
  return page.origin === to.origin ? page.href : `${page.origin}/`;
}
