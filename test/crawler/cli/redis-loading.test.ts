import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crawlCli } from '../../helpers/crawl-cli.ts';
import { startLoadingRedis } from '../../helpers/redis-server.ts';

/**
 * Issue 12: right after a start, Redis answers "LOADING Redis is loading the
 * dataset in memory" until it has read its dump. The crawler's first contact
 * waits for that, says so, and gives up after redisLoadingTimeout with a fix.
 * Real redis-server processes, loading a real dump.rdb slowly (key-load-delay).
 */

test('issue 12: crawl stats waits for a Redis that is loading its dataset, says so, then answers', {
  timeout: 120_000,
}, async (t) => {
  const redis = await startLoadingRedis();
  t.after(() => redis.stop());
  const r = await crawlCli(['stats', 'tieba', '--redis', redis.url, '--json']).done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Redis at redis:\/\/127\.0\.0\.1:\d+\/0 is loading its dataset into memory/);
  assert.match(r.stderr, /waiting up to 120 s \(redisLoadingTimeout\)/);
  assert.match(r.stderr, /finished loading after/);
  assert.equal(JSON.parse(r.stdout).spider, 'tieba');
});

test('issue 12: the wait is bounded: redisLoadingTimeout=1 stops the command with exit 1 and the fix', {
  timeout: 120_000,
}, async (t) => {
  const redis = await startLoadingRedis(40_000);
  t.after(() => redis.stop());
  const r = await crawlCli(['stats', 'tieba', '--redis', redis.url, '--set', 'redisLoadingTimeout=1']).done;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /crawl stats: Redis at \S+ is still loading its dataset into memory after 1 s/);
  assert.match(r.stderr, /fix: .*--set redisLoadingTimeout=SECONDS \(now 1\)/);
});

test('issue 12: a worker (crawl run) waits for the same state before it starts, bounded the same way', {
  timeout: 120_000,
}, async (t) => {
  const redis = await startLoadingRedis(40_000);
  t.after(() => redis.stop());
  const r = await crawlCli([
    'run',
    'test/fixtures/spiders/graph-spider.ts',
    '--redis',
    redis.url,
    '--set',
    'redisLoadingTimeout=1',
  ]).done;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /is loading its dataset into memory/);
  assert.match(r.stderr, /crawl run: Redis at \S+ is still loading its dataset into memory after 1 s/);
});
