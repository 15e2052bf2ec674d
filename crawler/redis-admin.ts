import { Redis } from 'ioredis';
import { redact, redactUrl, urlSecrets } from '../common/redact.ts';
import { CrawlError, isCrawlError } from './errors.ts';
import { redisUnreachableHint } from './redis-hints.ts';
import { type LoadingWaitOptions, waitWhileLoading } from './redis-loading.ts';
import { redisTlsOptions } from './redis-tls.ts';

export interface AdminConnectOptions extends LoadingWaitOptions {
  /** rediss:// only: the CA certificate file (the redisCa setting). @default '' (the system's CAs) */
  ca?: string;
}

const CONNECT_TIMEOUT_MS = 5000;

/**
 * A Redis client for one-shot commands (seed, stats, reset): it fails fast
 * with an explanation instead of waiting through an outage like a worker does.
 * A Redis still loading its dataset after a start is waited for, bounded and
 * said (./redis-loading.ts).
 */
export async function connectAdmin(url: string, loading: AdminConnectOptions = {}): Promise<Redis> {
  const client = new Redis(url, {
    ...redisTlsOptions(url, loading.ca),
    lazyConnect: true,
    // our own wait for LOADING (bounded, told) instead of ioredis's silent one
    enableReadyCheck: false,
    maxRetriesPerRequest: 1,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: () => null,
  });
  let lastError: unknown;
  client.on('error', (error: unknown) => {
    lastError = error; // the real reason; connect() itself only says "Connection is closed"
  });
  try {
    await client.connect();
    await waitWhileLoading(client, url, loading);
    await client.ping();
    return client;
  } catch (cause) {
    client.disconnect();
    if (isCrawlError(cause)) throw cause;
    throw unreachable(url, lastError ?? cause);
  }
}

export function unreachable(url: string, cause: unknown): CrawlError {
  const text = cause instanceof Error ? cause.message : String(cause);
  const where = redactUrl(url);
  const server = hostAndPort(url);
  const hint =
    (server && redisUnreachableHint(text, server.host, server.port)) ??
    `is redis-server running there? Check --redis or REDIS_URL (now ${where}).`;
  return new CrawlError(
    'CRAWL_E_REDIS_UNREACHABLE',
    `cannot use Redis at ${where}: ${redact(text, urlSecrets(url))}`,
    {
      cause,
      hint,
    },
  );
}

/** The server a Redis URL names, with ioredis's defaults; undefined when it is no URL. */
function hostAndPort(url: string): { host: string; port: number } | undefined {
  try {
    const parsed = new URL(url);
    return { host: parsed.hostname || 'localhost', port: Number(parsed.port || 6379) };
  } catch {
    return undefined;
  }
}
