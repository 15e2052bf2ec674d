import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { CrawlError } from './errors.ts';
import { redact } from './log.ts';
import { redisTlsOptions } from './redis-tls.ts';
import { SETTINGS } from './settings/defaults.ts';

/**
 * After a start, Redis reads its dump.rdb or appendonly file before it serves
 * commands; until then it answers "LOADING Redis is loading the dataset in
 * memory" (issue 12: `lab:down && lab:up` met it). The first contact of a
 * command or worker waits for that state here: bounded (`redisLoadingTimeout`),
 * with a line saying what it waits for, then an error that says what to do.
 */
/** The bound when nothing sets one (the lab's redis-cli checks use it too). */
export const DEFAULT_LOADING_TIMEOUT_S: number = SETTINGS.redisLoadingTimeout.default;

export interface LoadingWaitOptions {
  /** Seconds to wait; 0 = do not wait. @default DEFAULT_LOADING_TIMEOUT_S */
  timeoutS?: number;
  /** Told once when the wait starts, and every ~10 s after, with the progress Redis reports. */
  log?: (line: string) => void;
  /** Between two polls. @default 250 */
  pollMs?: number;
}

export interface LoadingState {
  loading: boolean;
  /** loading_loaded_perc, when Redis reports it. */
  percent?: number;
  /** loading_eta_seconds, when Redis reports it. */
  etaS?: number;
}

/** Parse `INFO persistence` (loading:1, loading_loaded_perc, loading_eta_seconds). */
export function parseLoading(info: string): LoadingState {
  const field = (name: string) => new RegExp(`^${name}:([0-9.]+)\\s*$`, 'm').exec(info)?.[1];
  const state: LoadingState = { loading: field('loading') === '1' };
  const percent = field('loading_loaded_perc');
  const eta = field('loading_eta_seconds');
  if (percent !== undefined) state.percent = Number(percent);
  if (eta !== undefined) state.etaS = Number(eta);
  return state;
}

function progress(s: LoadingState): string {
  const parts = [
    ...(s.percent === undefined ? [] : [`${s.percent.toFixed(0)}% read`]),
    ...(s.etaS === undefined ? [] : [`about ${s.etaS} s left`]),
  ];
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/**
 * Wait while the Redis behind `client` loads its dataset. `client` must be
 * connected with `enableReadyCheck: false` (else ioredis itself holds every
 * command, silently and without bound, until the load ends). INFO is served
 * while loading. Errors other than loading are the caller's to explain.
 */
export async function waitWhileLoading(
  client: Redis,
  url: string,
  o: LoadingWaitOptions = {},
): Promise<void> {
  const timeoutS = o.timeoutS ?? DEFAULT_LOADING_TIMEOUT_S;
  const started = Date.now();
  let toldAt: number | undefined;
  for (;;) {
    const state = parseLoading(await client.info('persistence'));
    if (!state.loading) {
      if (toldAt !== undefined)
        o.log?.(
          `Redis at ${redact(url)} finished loading after ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      return;
    }
    const waited = (Date.now() - started) / 1000;
    if (waited >= timeoutS) {
      throw new CrawlError(
        'CRAWL_E_REDIS_LOADING',
        `Redis at ${redact(url)} is still loading its dataset into memory after ${waited.toFixed(0)} s${progress(state)}`,
        {
          hint: `a large dump.rdb or appendonly file takes a while after Redis starts: run the command again when \`redis-cli ping\` says PONG, or wait longer with --set redisLoadingTimeout=SECONDS (now ${timeoutS})`,
        },
      );
    }
    if (toldAt === undefined || Date.now() - toldAt >= 10_000) {
      o.log?.(
        `Redis at ${redact(url)} is loading its dataset into memory${progress(state)}; waiting up to ${timeoutS} s (redisLoadingTimeout)`,
      );
      toldAt = Date.now();
    }
    await sleep(o.pollMs ?? 250);
  }
}

/**
 * The same wait on a connection of its own, for clients that keep ioredis's
 * ready check (workers: it carries them through later restarts). Returns at
 * once when Redis cannot be reached at all: the caller's own retries and
 * messages deal with that.
 */
export async function waitUntilLoaded(
  url: string,
  o: LoadingWaitOptions & { ca?: string } = {},
): Promise<void> {
  const probe = new Redis(url, {
    ...redisTlsOptions(url, o.ca),
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 5000,
    retryStrategy: () => null,
  });
  probe.on('error', () => {}); // reported by the caller's own client
  try {
    await probe.connect();
  } catch {
    probe.disconnect();
    return;
  }
  try {
    await waitWhileLoading(probe, url, o);
  } catch (error) {
    if (error instanceof CrawlError) throw error;
    // not reachable, wrong password, ...: the worker's own client says so
  } finally {
    probe.disconnect();
  }
}
