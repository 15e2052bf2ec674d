/**
 * The crawl's stat names, declared once (Scrapy's names where Scrapy has one).
 * Workers count into them (engine, downloader, the scheduler's Lua scripts),
 * and everything that reads a crawl's stats — `crawl stats`, `crawl inspect`,
 * the lab's runner, dashboard, chaos and benchmarks — names them through
 * here. The Lua scripts in scheduler/lua/ write the ones marked "Lua" with the
 * same literal text; test/crawler/stats.test.ts checks that they agree.
 *
 * Each name exists crawl-wide (`<prefix>:stats` field `name`) and per worker
 * (field `worker/<id>/<name>`, see workerStat).
 */
export const STAT = Object.freeze({
  /** Responses handed to a callback (pages fetched). */
  pages: 'response_received_count',
  /** Items that passed every pipeline step. */
  items: 'item_scraped_count',
  /** Items a pipeline step dropped (DropItem). */
  itemsDropped: 'item_dropped_count',
  /** Child requests a callback returned (before de-duplication). */
  requestsScheduled: 'request_scheduled_count',
  /** Requests the shared fingerprint filter dropped as seen before (Lua). */
  duplicatesFiltered: 'dupefilter/filtered',
  /** Redirect targets the shared fingerprint filter dropped as seen before (Lua); also in dupefilter/filtered. */
  redirectsFiltered: 'redirect/filtered',
  /** Requests admitted to the shared queue (Lua). */
  enqueued: 'scheduler/enqueued',
  /** Requests leased from the shared queue (Lua). */
  dequeued: 'scheduler/dequeued',
  /** Acknowledgements for a lease the worker no longer held (Lua). */
  staleLeases: 'leases/stale',
  /** Leases of dead workers put back in the queue (Lua). */
  leasesReclaimed: 'leases/reclaimed',
  /** Start URLs taken into the queue, and entries that were not valid JSON or URLs (Lua). */
  startUrlsAdmitted: 'start_urls/admitted',
  startUrlsMalformed: 'start_urls/malformed',
  /** Retries scheduled; per reason under `retry/reason_count/<code>`. */
  retries: 'retry/count',
  /** Requests that failed after their last retry. */
  retriesExhausted: 'retry/max_reached',
  /** Failed requests of any kind; per code under `error_count/<code>`. */
  errors: 'error_count',
  /** Requests dropped because they point outside allowedDomains. */
  offsite: 'offsite/filtered',
  /** Requests dropped by depthLimit. */
  depthIgnored: 'depth/request_ignored_count',
  /** Requests dropped by urlLengthLimit. */
  urlLengthIgnored: 'urllength/request_ignored_count',
  /** Downloads started, answered, and body bytes received. */
  downloads: 'downloader/request_count',
  downloadResponses: 'downloader/response_count',
  downloadBytes: 'downloader/response_bytes',
  /** robots.txt fetched, answered, and requests it forbade. */
  robotsRequests: 'robotstxt/request_count',
  robotsResponses: 'robotstxt/response_count',
  robotsForbidden: 'robotstxt/forbidden',
  /** Redis round trips of this worker (its summary only, not stored in Redis). */
  redisRoundTrips: 'redis/round_trips',
} as const);

export type StatName = (typeof STAT)[keyof typeof STAT];

/** The names written by the scheduler's Lua scripts (kept equal to the literals there). */
export const LUA_STATS: readonly StatName[] = [
  STAT.duplicatesFiltered,
  STAT.redirectsFiltered,
  STAT.enqueued,
  STAT.dequeued,
  STAT.staleLeases,
  STAT.leasesReclaimed,
  STAT.startUrlsAdmitted,
  STAT.startUrlsMalformed,
];

/** Per-reason and per-code families: `retry/reason_count/<code>`, `error_count/<code>`, `request_ignored/<code>`. */
export const statFor = {
  retryReason: (code: string) => `retry/reason_count/${code}`,
  errorCode: (code: string) => `error_count/${code}`,
  ignored: (code: string) => `request_ignored/${code}`,
} as const;

/** The field of one worker's share of a stat in the crawl's stats hash. */
export function workerStat(workerId: string, name: StatName): string {
  return `worker/${workerId}/${name}`;
}

/** A stat's value from a stats hash as Redis returns it (strings) or as a worker sums it (numbers); 0 when absent. */
export function statValue(
  stats: Readonly<Record<string, number | string | undefined>>,
  field: string,
): number {
  const v = Number(stats[field] ?? 0);
  return Number.isFinite(v) ? v : 0;
}
