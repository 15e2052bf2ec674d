import type { Redis } from 'ioredis';
import type { Settings } from '../settings/defaults.ts';
import { bloomParams } from './dupefilter.ts';
import { expectedTypes } from './key-types.ts';
import { type CrawlKeys, keysFor, prefixPattern } from './keys.ts';
import { numericFields } from './redis-scheduler.ts';
import { checkStartEntry, wrongTypeError } from './start-urls.ts';
import type { WorkerInfo } from './types.ts';

/**
 * Job commands for the CLI (`crawl seed`, `crawl stats`, `crawl reset`). These
 * run from the master, outside any worker; only resetCrawl deletes shared state.
 */

const BATCH = 1000;
const MEMORY_SAMPLE = 64;

export interface SeedResult {
  pushed: number;
  rejected: { entry: string; reason: string }[];
}

/** Validate entries (start-urls.ts) and push the good ones to <prefix>:start_urls; marks the crawl seeded. */
export async function seedStartUrls(
  redis: Redis,
  spider: string,
  settings: Settings,
  entries: string[],
): Promise<SeedResult> {
  const keys = keysFor(spider, settings);
  const rejected: SeedResult['rejected'] = [];
  const good: string[] = [];
  for (const entry of entries) {
    const check = checkStartEntry(entry, settings);
    if (check.ok) good.push(entry.trim());
    else rejected.push({ entry, reason: check.reason });
  }
  const wanted = settings.redisStartUrlsAsSet ? 'set' : 'list';
  const actual = await redis.type(keys.startUrls);
  if (actual !== 'none' && actual !== wanted) {
    throw wrongTypeError({ key: keys.startUrls, actual, wanted, which: 'startUrls', settings });
  }
  if (good.length === 0) return { pushed: 0, rejected };
  const tx = redis.multi();
  for (let i = 0; i < good.length; i += BATCH) {
    const chunk = good.slice(i, i + BATCH);
    if (settings.redisStartUrlsAsSet) tx.sadd(keys.startUrls, ...chunk);
    else tx.rpush(keys.startUrls, ...chunk);
  }
  tx.hset(keys.meta, 'seeded', '1');
  await tx.exec();
  return { pushed: good.length, rejected };
}

/** Delete every key of the crawl (SCAN over the glob-escaped prefix). Returns the number deleted. */
export async function resetCrawl(redis: Redis, spider: string, settings: Settings): Promise<number> {
  let deleted = 0;
  for await (const found of scanKeys(redis, prefixPattern(keysFor(spider, settings)))) {
    deleted += await redis.unlink(...found);
  }
  return deleted;
}

export interface CrawlInspection {
  prefix: string;
  queueLength: number;
  /** URLs of the first 5 requests to be handed out */
  nextRequests: string[];
  delayed: number;
  startUrlsWaiting: number;
  fingerprints: number;
  /** Redis memory of the fingerprint filter (sampled for the exact filter) */
  fingerprintBytes: number;
  leasesByWorker: Record<string, number>;
  workers: WorkerInfo[];
  stats: Record<string, number | string>;
  failed: number;
  seeded: boolean;
  finished: boolean;
}

/** {type, length, up to 5 members in pop order}: one atomic look at a list, zset or set key. */
const PEEK = `
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'zset' then
  return {t, redis.call('ZCARD', KEYS[1]), ARGV[1] == 'count' and {} or redis.call('ZRANGE', KEYS[1], 0, 4)}
elseif t == 'list' then
  local items = {}
  if ARGV[1] == 'lifo' then
    local tail = redis.call('LRANGE', KEYS[1], -5, -1)
    for i = #tail, 1, -1 do items[#items + 1] = tail[i] end
  elseif ARGV[1] ~= 'count' then
    items = redis.call('LRANGE', KEYS[1], 0, 4)
  end
  return {t, redis.call('LLEN', KEYS[1]), items}
elseif t == 'set' then
  return {t, redis.call('SCARD', KEYS[1]), {}}
end
return {t, 0, {}}`;

/** The crawl's fixed keys besides the queue hold their types (or are absent), else a ConfigError naming the key and the fix. */
export async function checkKeyTypes(redis: Redis, keys: CrawlKeys, settings: Settings): Promise<void> {
  // the queue and start URLs are read whatever their type (PEEK): a reader with other queue settings
  // than the workers' (the lab's progress, the dashboard) still sees them
  const wanted = expectedTypes(keys, settings).filter((w) => w.role !== 'requests' && w.role !== 'startUrls');
  const tx = redis.pipeline();
  for (const w of wanted) tx.type(w.key);
  const types = (await tx.exec()) ?? [];
  wanted.forEach((w, i) => {
    const [error, actual] = types[i] ?? [];
    if (error) throw error;
    if (actual !== 'none' && actual !== w.type)
      throw wrongTypeError({ key: w.key, actual: String(actual), wanted: w.type, which: w.role, settings });
  });
}

export async function inspectCrawl(
  redis: Redis,
  spider: string,
  settings: Settings,
): Promise<CrawlInspection> {
  const keys = keysFor(spider, settings);
  await checkKeyTypes(redis, keys, settings);
  // type and contents are read in one script: the queue key vanishes when it empties and comes back
  // as soon as a worker queues again, so a TYPE and a later LLEN could see two different keys (WRONGTYPE)
  const [time, queue, start] = await Promise.all([
    redis.time(),
    redis.eval(PEEK, 1, keys.requests, settings.schedulerQueueClass === 'lifo' ? 'lifo' : 'fifo') as Promise<
      [string, number, string[]]
    >,
    redis.eval(PEEK, 1, keys.startUrls, 'count') as Promise<[string, number, string[]]>,
  ]);
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const [, queueLength, members] = queue;
  const [, startUrlsWaiting] = start;
  const [delayed, failed, meta, stats, deadlines] = await Promise.all([
    redis.zcard(keys.delayed),
    redis.hlen(keys.failed),
    redis.hgetall(keys.meta),
    redis.hgetall(keys.stats),
    redis.zrange(keys.workers, 0, '-1', 'WITHSCORES'),
  ]);
  const deadline = new Map<string, number>();
  for (let i = 0; i + 1 < deadlines.length; i += 2) deadline.set(deadlines[i]!, Number(deadlines[i + 1]));
  const ids = new Set(deadline.keys());
  for await (const found of scanKeys(redis, `${glob(keys.worker)}:*`))
    for (const k of found) ids.add(k.slice(keys.worker.length + 1));
  const workers: WorkerInfo[] = [];
  const leasesByWorker: Record<string, number> = {};
  for (const id of [...ids].sort()) {
    const [info, leases] = await Promise.all([
      redis.hgetall(`${keys.worker}:${id}`),
      redis.hlen(`${keys.leases}:${id}`),
    ]);
    leasesByWorker[id] = leases;
    const { host, pid, lastSeen } = info;
    workers.push({
      id,
      host: host ?? '',
      pid: Number(pid ?? 0),
      alive: (deadline.get(id) ?? 0) > now,
      lastSeenMs: Number(lastSeen ?? 0),
      leases,
    });
  }
  const { fingerprints: stored, seeded: seededFlag } = meta;
  const fingerprints = Number(stored ?? 0);
  const seeded = seededFlag !== undefined;
  const leasesOut = Object.values(leasesByWorker).reduce((a, b) => a + b, 0);
  return {
    prefix: keys.prefix,
    queueLength,
    nextRequests: members.map(memberUrl),
    delayed,
    startUrlsWaiting,
    fingerprints,
    fingerprintBytes: await filterBytes(redis, keys, settings, fingerprints),
    leasesByWorker,
    workers,
    stats: numericFields(stats),
    failed,
    seeded,
    finished: seeded && queueLength === 0 && delayed === 0 && startUrlsWaiting === 0 && leasesOut === 0,
  };
}

/** Exact: MEMORY USAGE of a sample of buckets x the expected number of non-empty buckets. Bloom: all shards. */
async function filterBytes(redis: Redis, keys: CrawlKeys, settings: Settings, n: number): Promise<number> {
  if (settings.dupefilterClass === 'bloom') {
    const { shards } = bloomParams(settings.bloomCapacity, settings.bloomErrorRate);
    let total = 0;
    for (let i = 0; i < shards; i++) total += (await redis.memory('USAGE', `${keys.bloom}:${i}`)) ?? 0;
    return total;
  }
  if (n === 0) return 0;
  const sample: string[] = [];
  for await (const found of scanKeys(redis, `${glob(keys.dupefilter)}:*`)) {
    sample.push(...found);
    if (sample.length >= MEMORY_SAMPLE) break;
  }
  if (sample.length === 0) return 0;
  let bytes = 0;
  for (const k of sample.slice(0, MEMORY_SAMPLE)) bytes += (await redis.memory('USAGE', k)) ?? 0;
  const buckets = 2 ** settings.dupefilterBucketBits;
  const occupied = buckets * (1 - Math.exp(-n / buckets));
  return Math.round((bytes / Math.min(sample.length, MEMORY_SAMPLE)) * occupied);
}

async function* scanKeys(redis: Redis, match: string): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', BATCH);
    cursor = next;
    if (found.length > 0) yield found;
  } while (cursor !== '0');
}

function glob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/** Queue member '<seq>|<json>' -> its URL. */
function memberUrl(member: string): string {
  try {
    return String((JSON.parse(member.slice(member.indexOf('|') + 1)) as { url?: unknown }).url);
  } catch {
    return member.slice(0, 200);
  }
}
