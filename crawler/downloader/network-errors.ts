import { RetryableError } from '../errors.ts';

/**
 * The one adapter from undici and socket errors to our retryable codes. Matches
 * on `code` only (habit 6): timeouts become CRAWL_E_TIMEOUT, lost or refused
 * connections CRAWL_E_NETWORK, and the original is kept as `cause`.
 */

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

const NETWORK_CODES = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
]);

const HINTS: Record<string, string> = {
  ECONNREFUSED: 'nothing listens on that host and port: is the site (or the lab web server) running?',
  ENOTFOUND: 'the host name does not resolve: check the URL and the DNS settings of this worker',
  EAI_AGAIN: 'DNS lookup failed for now: check the DNS server of this worker',
  UND_ERR_CONNECT_TIMEOUT: 'the server did not accept the connection in downloadConnectTimeout seconds',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers within downloadHeadersTimeout seconds',
  UND_ERR_BODY_TIMEOUT: 'the body stalled for longer than downloadTimeout seconds',
};

/** The code of the error or of the first error it wraps (cause, AggregateError). */
function findCode(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TIMEOUT_CODES.has(code) || NETWORK_CODES.has(code))) return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const c = findCode(inner, depth + 1);
      if (c !== undefined) return c;
    }
  }
  return findCode((error as { cause?: unknown }).cause, depth + 1);
}

/** RetryableError for a known transport failure, undefined for anything else (a bug: rethrow it). */
export function toNetworkError(error: unknown, url: string): RetryableError | undefined {
  const code = findCode(error);
  if (code === undefined) return undefined;
  const kind = TIMEOUT_CODES.has(code) ? 'CRAWL_E_TIMEOUT' : 'CRAWL_E_NETWORK';
  const what = kind === 'CRAWL_E_TIMEOUT' ? 'timed out' : 'failed';
  return new RetryableError(kind, `download of ${url} ${what} (${code})`, {
    url,
    cause: error,
    systemCode: code,
    hint: HINTS[code] ?? 'a transient network failure; it is retried up to retryTimes',
  });
}

/** CRAWL_E_TIMEOUT for the whole-download timer (downloadTimeout). */
export function downloadTimeoutError(url: string, seconds: number): RetryableError {
  return new RetryableError(
    'CRAWL_E_TIMEOUT',
    `download of ${url} took longer than downloadTimeout (${seconds} s)`,
    {
      url,
      hint: 'raise downloadTimeout for slow or large pages, or check the server',
    },
  );
}
