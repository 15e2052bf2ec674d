import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { ConfigError } from '../../../crawler/errors.ts';
import { createLogger } from '../../../crawler/log.ts';
import { RedisScheduler } from '../../../crawler/scheduler/redis-scheduler.ts';
import type { Settings } from '../../../crawler/settings/defaults.ts';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';
import { req, settingsWith, sharedCases } from './cases.ts';

let server: TestRedis;
let redis: Redis;
let n = 0;
const open: RedisScheduler[] = [];

before(async () => {
  server = await startRedis();
  redis = server.client();
});
after(() => server.stop());

function scheduler(
  spider: string,
  overrides: Partial<Settings> = {},
  workerId = 'w1',
  client: Redis = redis,
) {
  const s = new RedisScheduler({
    redis: client,
    spider,
    settings: settingsWith(overrides),
    workerId,
    host: 'test',
  });
  open.push(s);
  return s;
}

sharedCases(async (overrides) => {
  const s = scheduler(`shared${++n}`, overrides);
  await s.open();
  return s;
});

test('concurrent enqueues of the same URLs from several clients queue each URL exactly once', async () => {
  const spider = `conc${++n}`;
  const clients = [redis, server.client(), server.client(), server.client()];
  const workers = clients.map((c, i) => scheduler(spider, {}, `w${i}`, c));
  const urls = Array.from({ length: 200 }, (_, i) => req(`page${i}`));
  const results = await Promise.all(
    workers.flatMap((w) => [0, 1, 2].map((k) => w.enqueue(k % 2 ? urls : [...urls].reverse()))),
  );
  assert.equal(
    results.reduce((sum, r) => sum + r.queued, 0),
    200,
  );
  assert.equal(
    results.reduce((sum, r) => sum + r.duplicates, 0),
    200 * 11,
  );
  assert.equal(await redis.zcard(workers[0]!.keys.requests), 200);
});

test('bloom mode also drops duplicates', async () => {
  const s = scheduler(`bloom${++n}`, {
    dupefilterClass: 'bloom',
    bloomCapacity: 10_000,
    bloomErrorRate: 0.001,
  });
  await s.open();
  assert.deepEqual(await s.enqueue([req('a'), req('b'), req('a')]), { queued: 2, duplicates: 1 });
  assert.deepEqual(await s.enqueue([req('b'), req('c')]), { queued: 1, duplicates: 1 });
  assert.equal(await redis.exists(`${s.keys.bloom}:0`), 1);
});

test("a stopped worker's leases go back to the queue once its lease times out", async () => {
  const spider = `reclaim${++n}`;
  const a = scheduler(spider, { leaseTimeout: 1 }, 'a');
  const b = scheduler(spider, { leaseTimeout: 1 }, 'b');
  await a.open();
  await b.open();
  await a.enqueue([req('x'), req('y')]);
  assert.equal((await a.next(5)).leases.length, 2);
  // a stops heart-beating; b sees 'waiting' until a's deadline passes
  assert.equal((await b.next(5)).state, 'waiting');
  let got: string[] = [];
  // poll until b reclaims them, with a deadline far beyond the 1 s lease (a loaded machine may lag)
  for (const deadline = Date.now() + 60_000; got.length === 0 && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 100));
    await b.heartbeat();
    got = (await b.next(5)).leases.map((l) => l.request.url);
  }
  assert.deepEqual(got.sort(), ['http://127.0.0.1/x', 'http://127.0.0.1/y']);
  assert.equal((await b.stats())['leases/reclaimed'], 2);
});

test('a worker restarted under the same id after kill -9 puts back the leases its predecessor held', async () => {
  const spider = `restart${++n}`;
  const first = scheduler(spider, { leaseTimeout: 30 }, 'w');
  await first.open();
  await first.enqueue([req('x'), req('y'), req('z')]);
  assert.equal((await first.next(2)).leases.length, 2);
  // killed: no close(). Its successor heart-beats under the same id, so the deadline alone never frees them.
  const second = scheduler(spider, { leaseTimeout: 30 }, 'w');
  await second.open();
  const got = (await second.next(5)).leases.map((l) => l.request.url).sort();
  assert.deepEqual(got, ['http://127.0.0.1/x', 'http://127.0.0.1/y', 'http://127.0.0.1/z']);
});

test('start URLs from a list are admitted through the filter; JSON entries keep their fields', async () => {
  const s = scheduler(`start${++n}`);
  await s.open();
  await redis.rpush(
    s.keys.startUrls,
    'http://127.0.0.1/a',
    'http://127.0.0.1/a',
    JSON.stringify({ url: 'http://127.0.0.1/j', priority: 7, meta: { page: 1 }, callback: 'parseList' }),
  );
  const got = await s.next(10);
  assert.deepEqual(
    got.leases.map((l) => [l.request.url, l.request.priority, l.request.callback]),
    [
      ['http://127.0.0.1/j', 7, 'parseList'],
      ['http://127.0.0.1/a', 0, undefined],
    ],
  );
  assert.deepEqual(got.leases[0]!.request.meta, { page: 1 });
  const stats = await s.stats();
  assert.equal(stats['start_urls/admitted'], 2);
  assert.equal(stats['dupefilter/filtered'], 1);
  assert.equal(await redis.hlen(`${s.keys.leases}:w1`), 2);
});

test('start URLs from a set are read with redisStartUrlsAsSet', async () => {
  const s = scheduler(`startset${++n}`, { redisStartUrlsAsSet: true });
  await s.open();
  await redis.sadd(s.keys.startUrls, 'http://127.0.0.1/s1', 'http://127.0.0.1/s2');
  const got = await s.next(10);
  assert.deepEqual(got.leases.map((l) => l.request.url).sort(), [
    'http://127.0.0.1/s1',
    'http://127.0.0.1/s2',
  ]);
});

test('malformed start entries are logged, dropped and counted without stopping the worker', async () => {
  const lines: string[] = [];
  const log = createLogger({ level: 'warn', format: 'json', write: (l) => lines.push(l) });
  const spider = `malformed${++n}`;
  const s = new RedisScheduler({ redis, spider, settings: settingsWith(), workerId: 'w1', log });
  await s.open();
  await redis.rpush(
    s.keys.startUrls,
    'ftp://127.0.0.1/x',
    '{"url": 5}',
    '{"url":"http://127.0.0.1/ok","foo":1}',
    'not a url',
    'http://127.0.0.1/good',
  );
  const got = await s.next(10);
  assert.deepEqual(
    got.leases.map((l) => l.request.url),
    ['http://127.0.0.1/good'],
  );
  assert.equal((await s.stats())['start_urls/malformed'], 4);
  assert.equal(lines.length, 4);
  assert.match(lines[2]!, /unknown key \\"foo\\"/);
  assert.equal(await redis.hlen(`${s.keys.leases}:w1`), 1);
});

test('a start_urls key of the wrong type is a ConfigError naming the key and the fix', async () => {
  const s = scheduler(`wrongtype${++n}`);
  await redis.set(s.keys.startUrls, 'http://127.0.0.1/');
  await assert.rejects(s.open(), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, 'CRAWL_E_REDIS_WRONGTYPE');
    assert.match(e.message, /start_urls" is a string, but a list is expected/);
    assert.match(e.hint ?? '', /DEL/);
    return true;
  });
  await redis.del(s.keys.startUrls);
  await redis.sadd(s.keys.startUrls, 'http://127.0.0.1/');
  await assert.rejects(
    s.next(1),
    (e: unknown) => e instanceof ConfigError && /redisStartUrlsAsSet=true/.test(e.hint ?? ''),
  );
});

test('a queue made with another schedulerQueueClass is a ConfigError pointing at that setting', async () => {
  const spider = `queuetype${++n}`;
  const fifo = scheduler(spider, { schedulerQueueClass: 'fifo' });
  await fifo.open();
  await fifo.enqueue([req('a')]);
  const prio = scheduler(spider, { schedulerQueueClass: 'priority' }, 'w2');
  await assert.rejects(
    prio.next(1),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === 'CRAWL_E_REDIS_WRONGTYPE' &&
      /requests" is a list, but a zset is expected/.test(e.message) &&
      /schedulerQueueClass=fifo or lifo/.test(e.hint ?? ''),
  );
});

test('a finally failed request is recorded with its reason and attempts', async () => {
  const s = scheduler(`failed${++n}`);
  await s.open();
  await s.enqueue([req('broken')]);
  const [lease] = (await s.next(1)).leases;
  await s.complete([
    {
      kind: 'failed',
      leaseId: lease!.leaseId,
      request: { ...lease!.request, attempt: 2 },
      reason: 'HTTP 500',
    },
  ]);
  const records = Object.values(await redis.hgetall(s.keys.failed)).map((v) => JSON.parse(v));
  assert.equal(records.length, 1);
  assert.equal(records[0].reason, 'HTTP 500');
  assert.equal(records[0].attempts, 3);
  assert.equal(records[0].request.url, 'http://127.0.0.1/broken');
});

test('stats deltas are added to the crawl totals and to the worker share', async () => {
  const s = scheduler(`stats${++n}`, {}, 'wA');
  await s.open();
  await s.complete([], { response_received_count: 3, 'downloader/response_bytes': 1200 });
  await s.complete([], { response_received_count: 2 });
  const stats = await s.stats();
  const { response_received_count: pagesSeen } = stats;
  assert.equal(pagesSeen, 5);
  assert.equal(stats['worker/wA/response_received_count'], 5);
  assert.equal(stats['downloader/response_bytes'], 1200);
});

test('flushOnStart refuses while another worker is alive and flushes when it is alone', async () => {
  const spider = `flush${++n}`;
  const a = scheduler(spider, {}, 'a');
  await a.open();
  await a.enqueue([req('old')]);
  const b = scheduler(spider, { schedulerFlushOnStart: true }, 'b');
  await b.open();
  assert.equal(b.flushedOnOpen, false);
  assert.equal(await redis.zcard(a.keys.requests), 1);
  await a.close();
  await b.close();
  const c = scheduler(spider, { schedulerFlushOnStart: true }, 'c');
  await c.open();
  assert.equal(c.flushedOnOpen, true);
  assert.equal(await redis.exists(a.keys.requests), 0);
  assert.equal((await redis.keys(`${a.keys.dupefilter}:*`)).length, 0);
  assert.deepEqual(await c.enqueue([req('old')]), { queued: 1, duplicates: 0 });
});

test('with schedulerPersist=false the queue and fingerprints are deleted when the crawl finishes, stats stay', async () => {
  const s = scheduler(`nopersist${++n}`, { schedulerPersist: false });
  await s.open();
  await s.enqueue([req('a')]);
  const [lease] = (await s.next(1)).leases;
  await s.complete([{ kind: 'done', leaseId: lease!.leaseId, newRequests: [] }], { pages: 1 });
  assert.equal((await s.next(1)).state, 'finished');
  assert.equal((await redis.keys(`${s.keys.dupefilter}:*`)).length, 0);
  assert.equal(await redis.exists(s.keys.seq), 0);
  const { pages } = await s.stats();
  assert.equal(pages, 1);
  assert.equal((await s.next(1)).state, 'finished');
});

test('state stays waiting while another worker holds leases', async () => {
  const spider = `waiting${++n}`;
  const a = scheduler(spider, {}, 'a');
  const b = scheduler(spider, {}, 'b');
  await a.open();
  await b.open();
  await a.enqueue([req('a')]);
  const [lease] = (await a.next(1)).leases;
  assert.equal((await b.next(1)).state, 'waiting');
  await a.complete([{ kind: 'done', leaseId: lease!.leaseId, newRequests: [] }]);
  assert.equal((await b.next(1)).state, 'finished');
});

test('next() is one Redis round trip, two when it admits start URLs; complete() is one', async (t) => {
  // the scheduler on a connection of its own, so MONITOR tells its commands from the test's
  const client = server.client();
  t.after(() => client.disconnect());
  const s = scheduler(`trips${++n}`, {}, 'w1', client);
  await s.open();
  await s.enqueue([req('a'), req('b')]);
  const address = /\baddr=(\S+)/.exec(String(await client.client('INFO')))?.[1];
  assert.ok(address, 'CLIENT INFO names the connection address');
  const monitor = await redis.monitor();
  t.after(() => monitor.disconnect());
  const marker = `trips-end-${n}`;
  // every command the scheduler's connection sends (commands run inside its scripts come from "lua")
  const sent: string[] = [];
  const seenMarker = new Promise<void>((resolve) => {
    monitor.on('monitor', (_t: string, args: string[], source: string) => {
      if (source === address) sent.push(String(args[0]).toLowerCase());
      if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) resolve();
    });
  });
  const [lease] = (await s.next(1)).leases;
  await s.complete([{ kind: 'done', leaseId: lease!.leaseId, newRequests: [req('c')] }], { pages: 1 });
  await redis.rpush(s.keys.startUrls, 'http://127.0.0.1/start');
  await s.next(10);
  await s.next(10);
  // MONITOR lists commands in the order Redis ran them: once the marker sent after them shows, all did
  await redis.echo(marker);
  await seenMarker;
  // next, complete, next (queue), next + admit (queue now empty, start URL waiting): five scripts, nothing else
  assert.equal(sent.length, 5, sent.join(' '));
  assert.ok(
    sent.every((c) => c === 'evalsha' || c === 'eval'),
    sent.join(' '),
  );
});

test('a wrong type at stats, workers, meta, failed or delayed is a ConfigError naming the key and the fix, not a raw WRONGTYPE (issue 15)', async () => {
  const cases = [
    { key: 'stats', write: (k: string) => redis.set(k, 'x'), actual: 'string', wanted: 'hash' },
    { key: 'workers', write: (k: string) => redis.hset(k, 'w', '1'), actual: 'hash', wanted: 'zset' },
    { key: 'meta', write: (k: string) => redis.rpush(k, 'x'), actual: 'list', wanted: 'hash' },
    { key: 'failed', write: (k: string) => redis.sadd(k, 'x'), actual: 'set', wanted: 'hash' },
    { key: 'delayed', write: (k: string) => redis.set(k, 'x'), actual: 'string', wanted: 'zset' },
  ] as const;
  for (const c of cases) {
    // before the crawl: the worker's first heartbeat says so
    const s = scheduler(`keytype${++n}`);
    await c.write(s.keys[c.key]);
    const named = (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.code, 'CRAWL_E_REDIS_WRONGTYPE');
      assert.ok(
        e.message.includes(`"${s.keys[c.key]}" is a ${c.actual}, but a ${c.wanted} is expected (it holds`),
        e.message,
      );
      assert.doesNotMatch(e.message, /script|WRONGTYPE Operation/);
      assert.match(e.hint ?? '', /redis-cli DEL .*crawl reset/);
      return true;
    };
    await assert.rejects(s.open(), named);
    // mid-crawl: completing a request says so too
    await redis.del(s.keys[c.key]);
    await s.open();
    await s.enqueue([req('a')]);
    const [lease] = (await s.next(1)).leases;
    await redis.del(s.keys[c.key]);
    await c.write(s.keys[c.key]);
    await assert.rejects(
      s.complete([{ kind: 'failed', leaseId: lease!.leaseId, request: lease!.request, reason: 'x' }]),
      named,
    );
  }
});
