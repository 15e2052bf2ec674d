/**
 * THE one place for crawler defaults. Names follow Scrapy / scrapy-redis
 * settings in camelCase (CONCURRENT_REQUESTS -> concurrentRequests); units are
 * Scrapy's (seconds for delays and timeouts, bytes for sizes).
 *
 * Precedence (lowest first): these defaults < spider `customSettings`
 * < config file (`--config` or ./crawl.config.json) < environment
 * (CRAWL_<SNAKE_NAME>, plus REDIS_URL) < `--set name=value`.
 *
 * Each entry: `default`, the value's `kind` (used to parse strings from env and
 * --set and to validate), optional bounds, and `doc` (shown by `crawl --help settings`).
 */

export type SettingKind =
  | { type: 'int'; min?: number; max?: number }
  | { type: 'number'; min?: number; max?: number }
  | { type: 'bool' }
  | { type: 'string'; pattern?: RegExp; example?: string }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'intList'; min?: number; max?: number }
  | { type: 'stringList' }
  | { type: 'headers' };

interface Spec<T> {
  default: T;
  kind: SettingKind;
  doc: string;
}

const spec = <T>(s: Spec<T>): Spec<T> => s;

export const SETTINGS = {
  // --- connection -------------------------------------------------------
  /** @default 'redis://127.0.0.1:6379/0' */
  redisUrl: spec({
    default: 'redis://127.0.0.1:6379/0',
    kind: {
      type: 'string',
      pattern: /^(rediss?:\/\/|unix:\/\/|memory$)/,
      example: 'redis://:password@192.168.56.10:6379/0',
    },
    doc: "Redis holding the shared queue (REDIS_URL). 'memory' runs one worker with an in-process queue, no Redis.",
  }),
  /** @default '' (the system's CAs) */
  redisCa: spec({
    default: '',
    kind: { type: 'string', pattern: /^[^\0\n\r]{0,4096}$/, example: '/etc/crawl-lab/redis-ca.crt' },
    doc: "rediss:// only: the PEM certificate of the CA that signed Redis's TLS certificate (CRAWL_REDIS_CA); empty = the system's CAs. The lab sets it when lab.yaml has redis.tls: true.",
  }),
  /** @default 120 */
  redisLoadingTimeout: spec({
    default: 120,
    kind: { type: 'number', min: 0, max: 86400 },
    doc: 'Seconds a worker or command waits, when it first reaches Redis, for a Redis still loading its dataset after a restart (the LOADING reply), saying so; then it stops with an explanation. 0 = do not wait.',
  }),
  /** @default '' (hostname-pid) */
  workerId: spec({
    default: '',
    kind: { type: 'string', pattern: /^[A-Za-z0-9_.:-]{0,64}$/, example: 'worker1' },
    doc: 'Name of this worker in stats and leases; empty = <hostname>-<pid>.',
  }),

  // --- concurrency and politeness ---------------------------------------
  /** @default 16 */
  concurrentRequests: spec({
    default: 16,
    kind: { type: 'int', min: 1, max: 1024 },
    doc: 'Requests in flight in this worker (CONCURRENT_REQUESTS).',
  }),
  /** @default 8 */
  concurrentRequestsPerDomain: spec({
    default: 8,
    kind: { type: 'int', min: 1, max: 1024 },
    doc: 'Requests in flight per host in this worker (CONCURRENT_REQUESTS_PER_DOMAIN).',
  }),
  /** @default 0 */
  downloadDelay: spec({
    default: 0,
    kind: { type: 'number', min: 0, max: 3600 },
    doc: 'Seconds between requests to the same host from this worker (DOWNLOAD_DELAY).',
  }),
  /** @default true */
  randomizeDownloadDelay: spec({
    default: true,
    kind: { type: 'bool' },
    doc: 'Wait 0.5x to 1.5x downloadDelay (RANDOMIZE_DOWNLOAD_DELAY).',
  }),
  /** @default false */
  autothrottleEnabled: spec({
    default: false,
    kind: { type: 'bool' },
    doc: "Adapt each host's delay to its latency (AUTOTHROTTLE_ENABLED).",
  }),
  /** @default 5 */
  autothrottleStartDelay: spec({
    default: 5,
    kind: { type: 'number', min: 0, max: 3600 },
    doc: 'AutoThrottle initial delay, seconds.',
  }),
  /** @default 60 */
  autothrottleMaxDelay: spec({
    default: 60,
    kind: { type: 'number', min: 0, max: 3600 },
    doc: 'AutoThrottle maximum delay, seconds.',
  }),
  /** @default 1 */
  autothrottleTargetConcurrency: spec({
    default: 1,
    kind: { type: 'number', min: 0.01, max: 1024 },
    doc: 'AutoThrottle: average requests in parallel per host to aim for.',
  }),

  // --- downloading ---------------------------------------------------------
  /** @default 'crawl-lab/0.1 (+https://example.invalid/contact-me; teaching crawler)' */
  userAgent: spec({
    default: 'crawl-lab/0.1 (teaching crawler; contact: you@example.invalid)',
    kind: { type: 'string', pattern: /^[^\r\n]{1,512}$/ },
    doc: 'User-Agent header. Put your own contact address in it before crawling a real site.',
  }),
  /** @default { accept: 'text/html,...', 'accept-language': 'en' } */
  defaultRequestHeaders: spec<Record<string, string>>({
    default: {
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      'accept-language': 'en',
    },
    kind: { type: 'headers' },
    doc: 'Headers sent with every request unless the request sets them (DEFAULT_REQUEST_HEADERS).',
  }),
  /** @default 10 */
  downloadConnectTimeout: spec({
    default: 10,
    kind: { type: 'number', min: 0.001, max: 3600 },
    doc: 'Seconds to open a TCP/TLS connection (counted in downloadTimeout too).',
  }),
  /** @default 30 */
  downloadHeadersTimeout: spec({
    default: 30,
    kind: { type: 'number', min: 0.001, max: 3600 },
    doc: 'Seconds to wait for the response headers once the request is sent; downloadTimeout bounds this wait too, whichever ends first.',
  }),
  /** @default 180 */
  downloadTimeout: spec({
    default: 180,
    kind: { type: 'number', min: 0.001, max: 86400 },
    doc: 'Seconds for a whole download, from sending the request to the last body byte: it also bounds the wait for the headers (DOWNLOAD_TIMEOUT).',
  }),
  /** @default 33554432 (32 MiB) */
  downloadMaxsize: spec({
    default: 32 * 1024 * 1024,
    kind: { type: 'int', min: 1024, max: 2 ** 31 },
    doc: 'Largest response body in bytes after decompression (DOWNLOAD_MAXSIZE); larger ones are dropped.',
  }),
  /** @default true */
  compressionEnabled: spec({
    default: true,
    kind: { type: 'bool' },
    doc: 'Ask for and decode gzip, deflate and br bodies (COMPRESSION_ENABLED).',
  }),
  /** @default 2083 */
  urlLengthLimit: spec({
    default: 2083,
    kind: { type: 'int', min: 16, max: 1_000_000 },
    doc: 'Longer URLs are dropped (URLLENGTH_LIMIT).',
  }),

  // --- retries and redirects ----------------------------------------------
  /** @default true */
  retryEnabled: spec({
    default: true,
    kind: { type: 'bool' },
    doc: 'Retry transient failures (RETRY_ENABLED).',
  }),
  /** @default 2 */
  retryTimes: spec({
    default: 2,
    kind: { type: 'int', min: 0, max: 100 },
    doc: 'Retries after the first attempt (RETRY_TIMES): 2 means at most 3 attempts.',
  }),
  /** @default [500, 502, 503, 504, 522, 524, 408, 429] */
  retryHttpCodes: spec<number[]>({
    default: [500, 502, 503, 504, 522, 524, 408, 429],
    kind: { type: 'intList', min: 100, max: 599 },
    doc: 'HTTP statuses that are retried (RETRY_HTTP_CODES). Other 4xx are never retried.',
  }),
  /** @default -1 */
  retryPriorityAdjust: spec({
    default: -1,
    kind: { type: 'int', min: -1000, max: 1000 },
    doc: 'Added to a retried request priority (RETRY_PRIORITY_ADJUST).',
  }),
  /** @default 1 */
  retryBackoffBase: spec({
    default: 1,
    kind: { type: 'number', min: 0, max: 3600 },
    doc: 'Seconds before the first retry; doubles on every further attempt.',
  }),
  /** @default 60 */
  retryBackoffMax: spec({
    default: 60,
    kind: { type: 'number', min: 0, max: 86400 },
    doc: 'Longest wait before a retry, seconds; also caps Retry-After.',
  }),
  /** @default true */
  redirectEnabled: spec({ default: true, kind: { type: 'bool' }, doc: 'Follow 301/302/303/307/308.' }),
  /** @default 20 */
  redirectMaxTimes: spec({
    default: 20,
    kind: { type: 'int', min: 0, max: 100 },
    doc: 'Redirect hops before giving up (REDIRECT_MAX_TIMES).',
  }),
  /** @default true */
  cookiesEnabled: spec({
    default: true,
    kind: { type: 'bool' },
    doc: "Keep cookies (COOKIES_ENABLED): Set-Cookie answers (Domain, Path, Expires, Max-Age, Secure) are sent back in a Cookie header on later requests. One jar per worker for the crawl, or per `meta.cookiejar` value (inherited by the requests a page yields: a session per start URL); workers do not share jars (a session cookie one worker got is not sent by another). A request's own Cookie header wins.",
  }),
  /** @default true */
  refererEnabled: spec({
    default: true,
    kind: { type: 'bool' },
    doc: "Send the page's URL as the Referer header of the requests its callback yields (REFERER_ENABLED), unless the request sets its own.",
  }),
  /** @default true */
  robotstxtObey: spec({
    default: true,
    kind: { type: 'bool' },
    doc: 'Obey robots.txt, fetched once per host (ROBOTSTXT_OBEY).',
  }),
  /** @default [] */
  httpErrorAllowedCodes: spec<number[]>({
    default: [],
    kind: { type: 'intList', min: 100, max: 599 },
    doc: 'Non-2xx statuses passed to callbacks instead of dropped (HTTPERROR_ALLOWED_CODES).',
  }),

  // --- depth and close conditions ---------------------------------------------
  /** @default 0 */
  depthLimit: spec({
    default: 0,
    kind: { type: 'int', min: 0, max: 10_000 },
    doc: 'Deepest link depth followed; 0 = unlimited (DEPTH_LIMIT).',
  }),
  /** @default 0 */
  depthPriority: spec({
    default: 0,
    kind: { type: 'int', min: -100, max: 100 },
    doc: 'Priority change per depth level: positive = breadth-first, negative = depth-first (DEPTH_PRIORITY).',
  }),
  /** @default 0 */
  closespiderTimeout: spec({
    default: 0,
    kind: { type: 'number', min: 0, max: 31_536_000 },
    doc: 'Stop this worker after N seconds; 0 = off (CLOSESPIDER_TIMEOUT).',
  }),
  /** @default 0 */
  closespiderItemcount: spec({
    default: 0,
    kind: { type: 'int', min: 0 },
    doc: 'Stop the crawl after N items in all workers; 0 = off (CLOSESPIDER_ITEMCOUNT).',
  }),
  /** @default 0 */
  closespiderPagecount: spec({
    default: 0,
    kind: { type: 'int', min: 0 },
    doc: 'Stop the crawl after N pages in all workers; 0 = off (CLOSESPIDER_PAGECOUNT).',
  }),
  /** @default 0 */
  closespiderErrorcount: spec({
    default: 0,
    kind: { type: 'int', min: 0 },
    doc: 'Stop the crawl after N errors in all workers; 0 = off (CLOSESPIDER_ERRORCOUNT).',
  }),

  // --- the shared scheduler (scrapy-redis) ----------------------------------------
  /** @default 'priority' */
  schedulerQueueClass: spec({
    default: 'priority',
    kind: { type: 'enum', values: ['priority', 'fifo', 'lifo'] },
    doc: 'Shared queue order (SCHEDULER_QUEUE_CLASS). priority: higher first, FIFO among equals.',
  }),
  /** @default true */
  schedulerPersist: spec({
    default: true,
    kind: { type: 'bool' },
    doc: 'Keep queue and fingerprints when the crawl ends, to resume or extend it (SCHEDULER_PERSIST). Workers never delete state others use; `crawl reset` does.',
  }),
  /** @default false */
  schedulerFlushOnStart: spec({
    default: false,
    kind: { type: 'bool' },
    doc: 'Delete queue and fingerprints when a worker starts and no other worker is alive (SCHEDULER_FLUSH_ON_START).',
  }),
  /** @default 'exact' */
  dupefilterClass: spec({
    default: 'exact',
    kind: { type: 'enum', values: ['exact', 'bloom'] },
    doc: 'exact: compact bucketed fingerprints, no false positives. bloom: fixed-size Redis bitmaps, may drop a few unseen URLs (DUPEFILTER_CLASS).',
  }),
  /** @default false */
  dupefilterDebug: spec({
    default: false,
    kind: { type: 'bool' },
    doc: 'Log every filtered duplicate, not only the first (DUPEFILTER_DEBUG).',
  }),
  /** @default 20 */
  dupefilterBucketBits: spec({
    default: 20,
    kind: { type: 'int', min: 4, max: 24 },
    doc: 'exact filter: 2^N Redis keys hold the fingerprints. 20 suits up to ~50 million URLs. Fixed for the life of a crawl.',
  }),
  /** @default 100000000 */
  bloomCapacity: spec({
    default: 100_000_000,
    kind: { type: 'int', min: 1000, max: 100_000_000_000 },
    doc: 'bloom filter: number of URLs it is sized for.',
  }),
  /** @default 0.0001 */
  bloomErrorRate: spec({
    default: 0.0001,
    kind: { type: 'number', min: 1e-9, max: 0.5 },
    doc: 'bloom filter: chance that an unseen URL is taken for seen (and skipped).',
  }),
  /** @default '{spider}' */
  redisKeyPrefix: spec({
    default: '{spider}',
    kind: { type: 'string', pattern: /^[^\s]{1,200}$/, example: '{spider}' },
    doc: "Prefix of every Redis key; '{spider}' becomes the spider name (keys tieba:requests, tieba:dupefilter, ... as in scrapy-redis). On Redis Cluster use '{{spider}}' so all keys share one hash tag.",
  }),
  /** @default false */
  redisStartUrlsAsSet: spec({
    default: false,
    kind: { type: 'bool' },
    doc: '<prefix>:start_urls is a SET instead of a LIST (REDIS_START_URLS_AS_SET).',
  }),
  /** @default 0 (= concurrentRequests) */
  redisBatchSize: spec({
    default: 0,
    kind: { type: 'int', min: 0, max: 10_000 },
    doc: 'Requests popped per Redis round trip; 0 = concurrentRequests.',
  }),
  /** @default 30 */
  leaseTimeout: spec({
    default: 30,
    kind: { type: 'number', min: 1, max: 86400 },
    doc: "Seconds without a heartbeat after which a worker's in-flight requests go back to the queue.",
  }),
  /** @default 8 */
  shutdownTimeout: spec({
    default: 8,
    kind: { type: 'number', min: 0.1, max: 3600 },
    doc: "Seconds a stopping worker (Ctrl-C, SIGTERM, a close condition) waits for Redis to take its requests and leases back; then it gives up, says on what, and exits 1 (its leases return after leaseTimeout). Below the lab's 10 s stop timeout.",
  }),
  /** @default false */
  keepRunning: spec({
    default: false,
    kind: { type: 'bool' },
    doc: 'scrapy-redis style: stay idle waiting for more start URLs instead of exiting when the crawl is done.',
  }),
  /** @default 0 */
  maxIdleTimeBeforeClose: spec({
    default: 0,
    kind: { type: 'number', min: 0, max: 31_536_000 },
    doc: 'With keepRunning: exit after N seconds with nothing to do; 0 = never (MAX_IDLE_TIME_BEFORE_CLOSE).',
  }),

  // --- items -----------------------------------------------------------------
  /** @default '' */
  feedUri: spec({
    default: '',
    kind: { type: 'string', pattern: /^(?:|[^\0]*\.(?:jsonl|jl|json|csv))$/i, example: 'items.jsonl' },
    doc: "Write items to this file (--output), in the format its extension names: .jsonl or .jl JSON lines, .json one JSON array (closed when the worker stops), .csv CSV with a header of the first item's fields. Each worker writes its own file.",
  }),
  /** @default false */
  feedOverwrite: spec({
    default: false,
    kind: { type: 'bool' },
    doc: 'Replace the feedUri file at the start instead of appending to it (--overwrite, Scrapy -O).',
  }),
  /** @default false */
  feedItemKey: spec({
    default: false,
    kind: { type: 'bool' },
    doc: "Add each item's stable key as `_key` to the items written to feedUri and the Redis items list (the lab's truth check merges by it). Off: items hold only the fields the spider yielded. MongoDB documents always keep `_key`, their upsert key.",
  }),
  /** @default false */
  redisItemsEnabled: spec({
    default: false,
    kind: { type: 'bool' },
    doc: 'Store items in the Redis list <prefix>:items, each item key once (RedisPipeline).',
  }),

  /** @default '' */
  mongoUri: spec({
    default: '',
    kind: {
      type: 'string',
      pattern: /^(|mongodb(\+srv)?:\/\/\S+)$/,
      example: 'mongodb://crawler:secret@192.168.56.10:27017/?authSource=admin',
    },
    doc: 'Store items in MongoDB at this connection string (MONGO_URI); empty = no MongoDB sink.',
  }),
  /** @default 'yuliao' */
  mongoDatabase: spec({
    default: 'yuliao',
    kind: { type: 'string', pattern: /^[^/\\. "$*<>:|?]{1,63}$/, example: 'yuliao' },
    doc: "MongoDB database for items (the article's: yuliao).",
  }),
  /** @default '{spider}' */
  mongoCollection: spec({
    default: '{spider}',
    kind: { type: 'string', pattern: /^[^$\0]{1,120}$/, example: 'tieba' },
    doc: "MongoDB collection for items; '{spider}' becomes the spider name (the article's: tieba).",
  }),
  /** @default 100 */
  mongoBatchSize: spec({
    default: 100,
    kind: { type: 'int', min: 1, max: 10_000 },
    doc: 'Items per MongoDB bulk write.',
  }),
  /** @default 10000 */
  mongoBufferMax: spec({
    default: 10_000,
    kind: { type: 'int', min: 1, max: 1_000_000 },
    doc: 'Items held while MongoDB is unreachable; when full, the worker stops taking new pages until they are stored.',
  }),

  // --- output -------------------------------------------------------------------
  /** @default 'info' */
  logLevel: spec({
    default: 'info',
    kind: { type: 'enum', values: ['debug', 'info', 'warn', 'error', 'silent'] },
    doc: 'Least severe log level printed (LOG_LEVEL).',
  }),
  /** @default 'text' */
  logFormat: spec({
    default: 'text',
    kind: { type: 'enum', values: ['text', 'json'] },
    doc: 'text for people, json for machines (one object per line).',
  }),
  /** @default 5 */
  logStatsInterval: spec({
    default: 5,
    kind: { type: 'number', min: 0, max: 3600 },
    doc: 'Seconds between progress lines; 0 = none (LOGSTATS_INTERVAL).',
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;
type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T;
export type Settings = { readonly [K in SettingName]: Widen<(typeof SETTINGS)[K]['default']> };

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

export function defaultSettings(): Settings {
  const out: Record<string, unknown> = Object.create(null);
  for (const name of SETTING_NAMES) out[name] = structuredClone(SETTINGS[name].default);
  return out as Settings;
}

/** Redis key names, relative to the resolved prefix. One template each, used everywhere. */
export const REDIS_KEYS = {
  requests: '{prefix}:requests',
  delayed: '{prefix}:delayed',
  seq: '{prefix}:seq',
  dupefilter: '{prefix}:dupefilter',
  bloom: '{prefix}:bloom',
  startUrls: '{prefix}:start_urls',
  leases: '{prefix}:leases',
  workers: '{prefix}:workers',
  worker: '{prefix}:worker',
  stats: '{prefix}:stats',
  failed: '{prefix}:failed',
  meta: '{prefix}:meta',
  items: '{prefix}:items',
  itemKeys: '{prefix}:items:keys',
} as const;
