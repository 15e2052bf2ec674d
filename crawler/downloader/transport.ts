import { IgnoreRequest, isCrawlError } from '../errors.ts';
import type { Settings } from '../settings/defaults.ts';
import { DecodeFailure, readBody, tooLarge } from './body.ts';
import { parseContentEncoding, unknownEncoding } from './middlewares/decompress.ts';
import { downloadTimeoutError, toNetworkError } from './network-errors.ts';
import { Agent } from './undici-agent.ts';

/**
 * One HTTP exchange (one redirect hop) over the downloader's undici Agent:
 * timeouts, size limit, content decoding, error mapping. No redirects here:
 * the Agent has no redirect interceptor, redirect.ts decides every hop.
 */

export interface Hop {
  url: URL;
  /** Upper-case method. */
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer | undefined;
}

export interface HopResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The Set-Cookie headers, one per cookie (they cannot be joined with ", " like the others). */
  setCookie: string[];
  /** Request start to last body byte, ms. */
  latencyMs: number;
}

export interface HopOptions {
  settings: Settings;
  signal?: AbortSignal | undefined;
  maxBytes: number;
  /** Keep the first maxBytes instead of failing (robots.txt). */
  truncate?: boolean;
  onStat: (name: string, delta?: number) => void;
}

/** Keep-alive pools, at most concurrentRequestsPerDomain connections per origin. */
export function createAgent(settings: Settings): Agent {
  return new Agent({
    connections: settings.concurrentRequestsPerDomain,
    connectTimeout: settings.downloadConnectTimeout * 1000,
    headersTimeout: settings.downloadHeadersTimeout * 1000,
    // Idle time between body chunks; the whole-download timer below covers slow trickles too.
    bodyTimeout: settings.downloadTimeout * 1000,
  });
}

/** Lower-case names; repeated headers joined with ", ". */
function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Statuses and methods that carry no body, whatever Content-Length says. */
function bodiless(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200);
}

export async function sendOnce(agent: Agent, hop: Hop, opts: HopOptions): Promise<HopResponse> {
  const { settings } = opts;
  const url = hop.url.href;
  const timer = new AbortController();
  const timeout = setTimeout(() => timer.abort(), settings.downloadTimeout * 1000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timer.signal]) : timer.signal;
  const started = performance.now();
  try {
    const res = await agent.request({
      origin: hop.url.origin,
      path: `${hop.url.pathname}${hop.url.search}`,
      method: hop.method as 'GET',
      headers: hop.headers,
      body: hop.body,
      signal,
    });
    const headers = flattenHeaders(res.headers);
    const raw = res.headers['set-cookie'];
    const setCookie = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    const none = bodiless(hop.method, res.statusCode);
    const length = Number(headers['content-length']);
    if (!none && !opts.truncate && Number.isFinite(length) && length > opts.maxBytes) {
      res.body.on('error', () => {}); // the abort error destroy() emits is expected
      res.body.destroy();
      throw tooLarge(url, opts.maxBytes, length);
    }
    let codings =
      settings.compressionEnabled && !none ? parseContentEncoding(headers['content-encoding']) : [];
    const unknown = unknownEncoding(codings);
    if (unknown !== undefined) {
      // Hand the bytes over as they came; the spider may know the coding.
      opts.onStat(`downloader/unknown_content_encoding/${unknown}`);
      codings = [];
    }
    const body = await readBody(res.body, {
      codings,
      maxBytes: opts.maxBytes,
      truncate: opts.truncate ?? false,
      url,
    });
    if (codings.length > 0) delete headers['content-encoding'];
    return { status: res.statusCode, headers, body, setCookie, latencyMs: performance.now() - started };
  } catch (error) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    if (timer.signal.aborted) throw downloadTimeoutError(url, settings.downloadTimeout);
    if (error instanceof DecodeFailure) {
      throw new IgnoreRequest(
        'CRAWL_E_DECODE',
        `could not decode the body of ${url}: ${describe(error.original)}`,
        {
          url,
          cause: error.original,
          hint: 'the server sent corrupt or truncated compressed data; set compressionEnabled false to get the raw bytes',
        },
      );
    }
    if (isCrawlError(error)) throw error;
    throw toNetworkError(error, url) ?? error;
  } finally {
    clearTimeout(timeout);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
