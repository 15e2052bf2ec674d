import type { CrawlRequest } from '../http/request.ts';

/**
 * The scheduler interface the engine sees. Two implementations:
 * `memory-scheduler.ts` (one process, tests, `--redis memory`) and
 * `redis-scheduler.ts` (the shared, distributed one).
 *
 * Contract:
 * - `next()` leases requests to this worker. A leased request stays owned by
 *   the worker until `complete()` reports an outcome for its `leaseId`, or until
 *   the worker's heartbeat is older than `leaseTimeout`, when any other worker
 *   puts it back in the queue (at-least-once delivery; nothing is lost).
 * - `complete()` is atomic per call: leases are released and the new requests
 *   (de-duplicated by fingerprint) are queued together, so a crash never loses
 *   the children of a finished page.
 * - The crawl is `finished` when the queue, the delayed (retry) set, the start
 *   URLs and every worker's leases are all empty, and it has been seeded.
 */
export interface Lease {
  leaseId: string;
  request: CrawlRequest;
}

export type CrawlState =
  /** requests were returned, or others are working and may produce more */
  | 'working'
  /** nothing to hand out now, but leases are out or retries wait: poll again */
  | 'waiting'
  /** never seeded: no start URL was ever pushed */
  | 'unseeded'
  /** seeded and everything is done */
  | 'finished';

export interface NextResult {
  leases: Lease[];
  state: CrawlState;
  /** Milliseconds until the next delayed retry becomes due, if any wait. */
  nextDueInMs?: number;
}

export type Outcome =
  | {
      kind: 'done';
      leaseId: string;
      /** Requests the callback yielded; filtered by fingerprint unless dontFilter. */
      newRequests: CrawlRequest[];
    }
  | {
      kind: 'retry';
      leaseId: string;
      /** The request to run again, with `attempt` already incremented. */
      request: CrawlRequest;
      delayMs: number;
    }
  | {
      kind: 'failed';
      leaseId: string;
      request: CrawlRequest;
      reason: string;
    }
  | {
      /**
       * The response was a redirect: queue `request` (its target) through the
       * fingerprint filter in the same atomic step; a target seen before is
       * dropped and counted in `redirect/filtered` (and `dupefilter/filtered`).
       */
      kind: 'redirect';
      leaseId: string;
      request: CrawlRequest;
    }
  | {
      /** Not processed: put back at the head of the queue (shutdown). */
      kind: 'release';
      leaseId: string;
    };

export interface EnqueueResult {
  queued: number;
  duplicates: number;
}

/** Counters kept per crawl and per worker: pages, items, bytes, status codes... */
export type StatsDelta = Record<string, number>;

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  alive: boolean;
  lastSeenMs: number;
  leases: number;
}

export interface Scheduler {
  /** Connect, load scripts, register this worker, apply flushOnStart. */
  open(): Promise<void>;
  /** Lease up to `max` requests; also pulls start URLs and reclaims dead workers' leases. */
  next(max: number): Promise<NextResult>;
  /** Report outcomes, with stats deltas to add, in one atomic step. */
  complete(outcomes: Outcome[], stats?: StatsDelta): Promise<void>;
  /** Queue requests through the fingerprint filter (seeding, tests). */
  enqueue(requests: CrawlRequest[]): Promise<EnqueueResult>;
  /** Renew this worker's heartbeat and lease deadline. */
  heartbeat(): Promise<void>;
  /** Aggregated stats of the whole crawl. */
  stats(): Promise<Record<string, number | string>>;
  /** Hand back what this worker still holds, deregister, disconnect. Never deletes shared state others use. */
  close(): Promise<void>;
}
