import type { CrawlState } from './types.ts';

/** What both schedulers count to decide the crawl state (see types.ts). */
export interface CrawlCounts {
  queue: number;
  delayed: number;
  /** ms until the next delayed retry is due; -1 if none waits */
  nextDueMs: number;
  /** leases held by all workers, this one included */
  leases: number;
  startUrls: number;
  seeded: boolean;
}

/**
 * finished iff seeded and queue, delayed, start URLs and all leases are empty;
 * unseeded iff never seeded and nothing is anywhere; otherwise working (this call
 * handed out requests) or waiting (others hold leases, retries wait, start URLs wait).
 */
export function crawlState(handedOut: number, c: CrawlCounts): CrawlState {
  if (handedOut > 0) return 'working';
  const empty = c.queue === 0 && c.delayed === 0 && c.leases === 0 && c.startUrls === 0;
  if (empty) return c.seeded ? 'finished' : 'unseeded';
  return 'waiting';
}
