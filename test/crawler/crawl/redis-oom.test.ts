import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { crawlCli, summaryOf, waitFor } from '../../helpers/crawl-cli.ts';
import { startGraphSite } from '../../helpers/graph-site.ts';
import { startRedis } from '../../helpers/redis.ts';

/**
 * Issue 15 §5: Redis out of memory (maxmemory reached, policy noeviction)
 * refuses every write. A worker rides it through as it rides a Redis restart:
 * it says why once, with the fix, waits, and finishes the crawl when Redis
 * takes writes again; nothing lost, nothing fetched twice.
 */
const SPIDER = 'test/fixtures/spiders/graph-spider.ts';

test('a worker rides through Redis out of memory for 3 s, says why with the maxmemory and bloom hint, and crawls every page once (issue 15)', {
  timeout: 90_000,
}, async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const admin = redis.client();
  t.after(() => admin.disconnect());
  const site = await startGraphSite(60, 30);
  t.after(() => site.close());
  const common = [SPIDER, '--redis', redis.url, '--set', 'redisKeyPrefix=oom'];
  const seed = await crawlCli(['seed', ...common, site.startUrl]).done;
  assert.equal(seed.code, 0, seed.stderr);
  const worker = crawlCli([
    'run',
    ...common,
    '--json',
    '--set',
    'concurrentRequests=2',
    '--set',
    'logLevel=info',
  ]);
  t.after(() => worker.child.kill('SIGKILL'));
  await waitFor(
    async () => Number(await admin.hget('oom:stats', 'response_received_count')) >= 3,
    20_000,
    'the worker to be mid-crawl',
  );
  // out of memory: every write is refused from now on, for 3 s
  await admin.config('SET', 'maxmemory', '1');
  await sleep(3000);
  await admin.config('SET', 'maxmemory', '0');

  const r = await worker.done;
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  assert.match(r.stderr, /Redis is out of memory .*refuses writes/);
  assert.match(r.stderr, /fix: .*maxmemory.*dupefilterClass=bloom/);
  assert.match(r.stderr, /Redis takes writes again after \d+\.\d s/);
  assert.doesNotMatch(r.stderr, /ReplyError/);
  assert.equal(
    r.stderr.match(/Redis is out of memory/g)?.length,
    1,
    'said once per episode, not once per try',
  );
  const summary = summaryOf(r);
  assert.equal(summary.crawl['response_received_count'], site.pages, 'every page crawled');
  const pages = [...site.hitsByPath].filter(([p]) => p.startsWith('/p/'));
  assert.equal(pages.length, site.pages);
  assert.ok(
    pages.every(([, n]) => n === 1),
    `each page fetched once: ${JSON.stringify(pages.filter(([, n]) => n !== 1))}`,
  );
});
