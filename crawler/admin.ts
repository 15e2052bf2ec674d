/**
 * `crawl-lab/admin`: operating a crawl from outside its workers — what `crawl
 * seed`, `crawl stats`, `crawl inspect` and `crawl reset` do, for programs (the
 * lab's runner, dashboard, lessons, benchmarks). Deliberate re-exports only.
 */

export { type AdminConnectOptions, connectAdmin, unreachable } from './redis-admin.ts';
export {
  classifyRedisFailure,
  isRedisLoading,
  type RedisFailure,
  redisUnreachableHint,
} from './redis-hints.ts';
export { DEFAULT_LOADING_TIMEOUT_S, type LoadingWaitOptions } from './redis-loading.ts';
export { redisTlsOptions } from './redis-tls.ts';
export {
  type CrawlInspection,
  inspectCrawl,
  resetCrawl,
  type SeedResult,
  seedStartUrls,
} from './scheduler/admin.ts';
export { bloomBytes, bloomParams, exactCollisionChance } from './scheduler/dupefilter.ts';
export { markSeen } from './scheduler/mark-seen.ts';
export { compileSpider } from './spiders/compile.ts';
