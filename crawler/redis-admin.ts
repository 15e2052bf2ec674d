import { Redis } from 'ioredis';
import { CrawlError } from './errors.ts';
import { redact } from './log.ts';

const CONNECT_TIMEOUT_MS = 5000;

/**
 * A Redis client for one-shot commands (seed, stats, reset): it fails fast
 * with an explanation instead of waiting through an outage like a worker does.
 */
export async function connectAdmin(url: string): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
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
    await client.ping();
    return client;
  } catch (cause) {
    client.disconnect();
    throw unreachable(url, lastError ?? cause);
  }
}

export function unreachable(url: string, cause: unknown): CrawlError {
  const text = cause instanceof Error ? cause.message : String(cause);
  const where = redact(url);
  let hint = `is redis-server running there? Check --redis or REDIS_URL (now ${where}).`;
  if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(text)) {
    hint =
      'Redis wants a password, and this one is missing or wrong: write it into the URL as a colon and the password before @host (the lab keeps it in .lab/).';
  } else if (/DENIED|protected mode/i.test(text)) {
    hint =
      'Redis is in protected mode: it refuses other machines while no password is set. Set requirepass (or, as the article does, protected-mode no).';
  } else if (/ECONNREFUSED/.test(text)) {
    hint = `nothing listens at ${where}: start redis-server, or, from another machine, make Redis listen beyond 127.0.0.1 (the "bind" line in redis.conf).`;
  } else if (/ETIMEDOUT|timeout/i.test(text)) {
    hint = `no answer from ${where}: check the address and that a firewall lets port 6379 through.`;
  }
  return new CrawlError('CRAWL_E_REDIS_UNREACHABLE', `cannot use Redis at ${where}: ${redact(text)}`, {
    cause,
    hint,
  });
}
