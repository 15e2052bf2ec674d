/**
 * Redis memory of the fingerprint filters: the exact bucketed filter (through its real
 * Lua path), scrapy-redis's SET of 40-hex digests, and the bloom filter's bitmap.
 *   npx tsx bench/fingerprints.bench.ts [--urls N]     (default 10,000,000)
 * Starts its own redis-server on 127.0.0.1 and stops it at the end.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { defaultSettings } from 'crawl-lab';
import { bloomBytes, bloomParams, exactCollisionChance, markSeen } from 'crawl-lab/admin';
import type { Redis } from 'ioredis';
import { startRedis } from '../test/helpers/redis.ts';

const { values } = parseArgs({ options: { urls: { type: 'string', default: '10000000' } } });
const N = Number(values.urls);
if (!Number.isInteger(N) || N < 1) throw new Error(`--urls must be a positive integer, got ${values.urls}`);
const BATCH = 1000; // fingerprints per script call
const IN_FLIGHT = 8; // script calls pipelined on the one connection

const digest = (i: number) => createHash('sha1').update(`GEThttp://127.0.0.1/thread/${i}?pn=1`).digest();
const usedMemory = async (redis: Redis) => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function exactFilter(redis: Redis) {
  const settings = defaultSettings();
  const before = await usedMemory(redis);
  const started = process.hrtime.bigint();
  let added = 0;
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const from = next;
      next = Math.min(N, next + BATCH);
      const digests: Buffer[] = [];
      for (let i = from; i < next; i++) digests.push(digest(i));
      // the filter's real Lua path, as workers add fingerprints (crawl-lab/admin markSeen)
      added += await markSeen(redis, 'bench', settings, digests);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const after = await usedMemory(redis);
  return {
    added,
    before,
    after,
    perUrl: (after - before) / N,
    perSecond: N / seconds,
    bucketBits: settings.dupefilterBucketBits,
  };
}

async function scrapyRedisSet(redis: Redis, n: number) {
  const before = await usedMemory(redis);
  for (let from = 0; from < n; from += BATCH * IN_FLIGHT) {
    const p = redis.pipeline();
    for (let b = from; b < Math.min(n, from + BATCH * IN_FLIGHT); b += BATCH) {
      const hex: string[] = [];
      for (let i = b; i < Math.min(n, b + BATCH); i++) hex.push(digest(i).toString('hex'));
      p.sadd('baseline:dupefilter', ...hex);
    }
    await p.exec();
  }
  return { n, perUrl: ((await usedMemory(redis)) - before) / n };
}

async function bloomMemory(redis: Redis) {
  const p = bloomParams(N, defaultSettings().bloomErrorRate);
  const before = await usedMemory(redis);
  // SETBIT on the last bit of each shard allocates it whole, as a full filter would be
  for (let s = 0; s < p.shards; s++) {
    await redis.setbit(`bloombench:${s}`, Math.min(p.shardBits, p.bits - s * p.shardBits) - 1, 1);
  }
  return { ...p, computed: bloomBytes(p), measured: (await usedMemory(redis)) - before };
}

const server = await startRedis();
try {
  const redis = server.client();
  console.log(
    `fingerprint memory, ${N.toLocaleString('en')} distinct URLs (redis-server on port ${server.port})`,
  );
  const exact = await exactFilter(redis);
  console.log(
    `exact filter:   used_memory ${mb(exact.before)} -> ${mb(exact.after)}; ${exact.perUrl.toFixed(1)} bytes/URL; ` +
      `${Math.round(exact.perSecond).toLocaleString('en')} inserts/s; collision chance ${exactCollisionChance(N, exact.bucketBits).toExponential(1)}`,
  );
  if (exact.added !== N)
    console.log(`  WARNING: ${N - exact.added} synthetic fingerprints were taken as duplicates`);
  const base = await scrapyRedisSet(redis, Math.min(N, 1_000_000));
  console.log(
    `scrapy-redis SET of 40-hex (${base.n.toLocaleString('en')} URLs): ${base.perUrl.toFixed(1)} bytes/URL`,
  );
  const bloom = await bloomMemory(redis);
  console.log(
    `bloom filter (p=${defaultSettings().bloomErrorRate}): m=${bloom.bits.toLocaleString('en')} bits, k=${bloom.hashes}, ${bloom.shards} shard(s); ` +
      `computed ${mb(bloom.computed)}, measured ${mb(bloom.measured)} (${(bloom.measured / N).toFixed(1)} bytes/URL)`,
  );
  console.log(
    JSON.stringify({
      urls: N,
      exactBytesPerUrl: exact.perUrl,
      exactInsertsPerSecond: exact.perSecond,
      scrapyRedisBytesPerUrl: base.perUrl,
      bloomBytes: bloom.measured,
    }),
  );
} finally {
  await server.stop();
}
