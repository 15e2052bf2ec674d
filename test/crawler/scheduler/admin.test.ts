import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { ConfigError } from '../../../crawler/errors.ts';
import { inspectCrawl, resetCrawl, seedStartUrls } from '../../../crawler/scheduler/admin.ts';
import { RedisScheduler } from '../../../crawler/scheduler/redis-scheduler.ts';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';
import { req, settingsWith } from './cases.ts';

let server: TestRedis;
let redis: Redis;
before(async () => {
  server = await startRedis();
  redis = server.client();
});
after(() => server.stop());

test('seedStartUrls pushes valid entries, lists rejected ones with reasons, and marks the crawl seeded', async () => {
  const settings = settingsWith();
  const result = await seedStartUrls(redis, 'seed1', settings, [
    'http://127.0.0.1/a',
    'gopher://127.0.0.1/',
    '{"url":"http://127.0.0.1/b","priority":2}',
  ]);
  assert.equal(result.pushed, 2);
  assert.deepEqual(
    result.rejected.map((r) => r.entry),
    ['gopher://127.0.0.1/'],
  );
  assert.match(result.rejected[0]!.reason, /scheme "gopher"/);
  assert.deepEqual(await redis.lrange('seed1:start_urls', 0, -1), [
    'http://127.0.0.1/a',
    '{"url":"http://127.0.0.1/b","priority":2}',
  ]);
  assert.equal(await redis.hget('seed1:meta', 'seeded'), '1');
  await seedStartUrls(redis, 'seed2', settingsWith({ redisStartUrlsAsSet: true }), [
    'http://127.0.0.1/a',
    'http://127.0.0.1/a',
  ]);
  assert.equal(await redis.scard('seed2:start_urls'), 1);
});

test('seedStartUrls refuses a start_urls key of the wrong type with CRAWL_E_REDIS_WRONGTYPE', async () => {
  await redis.sadd('seed3:start_urls', 'http://127.0.0.1/');
  await assert.rejects(
    seedStartUrls(redis, 'seed3', settingsWith(), ['http://127.0.0.1/x']),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError && e.code === 'CRAWL_E_REDIS_WRONGTYPE');
      assert.match(e.hint ?? '', /redisStartUrlsAsSet=true/);
      return true;
    },
  );
});

test('inspectCrawl reports queue, leases per worker, workers, fingerprints and stats', async () => {
  const settings = settingsWith();
  const s = new RedisScheduler({ redis, spider: 'look', settings, workerId: 'w1', host: 'box1' });
  await s.open();
  await s.enqueue([req('a', { priority: 1 }), req('b'), req('c'), req('d')]);
  await s.next(1);
  await seedStartUrls(redis, 'look', settings, ['http://127.0.0.1/s']);
  const info = await inspectCrawl(redis, 'look', settings);
  assert.equal(info.queueLength, 3);
  assert.deepEqual(info.nextRequests, ['http://127.0.0.1/b', 'http://127.0.0.1/c', 'http://127.0.0.1/d']);
  assert.equal(info.startUrlsWaiting, 1);
  assert.equal(info.fingerprints, 4);
  assert.ok(info.fingerprintBytes > 0);
  assert.deepEqual(info.leasesByWorker, { w1: 1 });
  assert.equal(info.workers.length, 1);
  assert.equal(info.workers[0]!.host, 'box1');
  assert.equal(info.workers[0]!.alive, true);
  assert.equal(info.stats['scheduler/enqueued'], 4);
  assert.equal(info.seeded, true);
  assert.equal(info.finished, false);
});

test("resetCrawl deletes every key of the crawl, fingerprint buckets included, and no other crawl's keys", async () => {
  const settings = settingsWith();
  for (const spider of ['gone', 'gonex']) {
    const s = new RedisScheduler({ redis, spider, settings, workerId: 'w1' });
    await s.open();
    await s.enqueue([req('a'), req('b')]);
    await s.complete([], { pages: 1 });
  }
  const before = (await redis.keys('gone:*')).length;
  assert.ok(before >= 6);
  assert.equal(await resetCrawl(redis, 'gone', settings), before);
  assert.equal((await redis.keys('gone:*')).length, 0);
  assert.ok((await redis.keys('gonex:*')).length >= 6);
});

test('inspect never fails while the queue key empties and refills between its reads (it used to throw WRONGTYPE)', async () => {
  const settings = settingsWith();
  const flipper = server.client();
  let running = true;
  // a worker emptying and refilling the priority queue (a zset that vanishes when empty), as fast as it can
  const churn = (async () => {
    for (let i = 0; running && i < 20_000; i++) {
      await flipper.del('flip:requests');
      await flipper.zadd('flip:requests', 0, JSON.stringify({ url: `http://127.0.0.1/${i}` }));
    }
  })();
  try {
    for (let i = 0; i < 300; i++) {
      const info = await inspectCrawl(redis, 'flip', settings);
      assert.ok(info.queueLength === 0 || info.queueLength === 1);
    }
  } finally {
    running = false;
    await churn;
    flipper.disconnect();
  }
});
