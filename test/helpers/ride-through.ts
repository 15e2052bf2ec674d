import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { type CliResult, crawlCli, summaryOf, waitFor } from './crawl-cli.ts';
import { startGraphSite } from './graph-site.ts';
import { startRedis } from './redis.ts';

const SPIDER = 'test/fixtures/spiders/graph-spider.ts';

type Admin = ReturnType<Awaited<ReturnType<typeof startRedis>>['client']>;

/**
 * A worker crawling a 60-page site on a real redis-server while `fault` makes
 * Redis refuse writes for a while (out of memory, a disk it cannot write): the
 * crawl is seeded, the fault starts once the worker is mid-crawl, and the
 * worker's result comes back after the fault ends, checked to have crawled
 * every page exactly once and never shown a raw ReplyError. `redisArgs` go to
 * redis-server (its `--dir`, `--appendonly`).
 */
export async function crawlThroughFault(
  t: TestContext,
  prefix: string,
  fault: (admin: Admin) => Promise<void>,
  redisArgs: string[] = [],
): Promise<CliResult> {
  const redis = await startRedis(redisArgs);
  t.after(() => redis.stop());
  const admin = redis.client();
  t.after(() => admin.disconnect());
  const site = await startGraphSite(60, 30);
  t.after(() => site.close());
  const common = [SPIDER, '--redis', redis.url, '--set', `redisKeyPrefix=${prefix}`];
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
    async () => Number(await admin.hget(`${prefix}:stats`, 'response_received_count')) >= 3,
    20_000,
    'the worker to be mid-crawl',
  );
  await fault(admin);
  const r = await worker.done;
  assert.equal(r.code, 0, r.stderr.slice(-3000));
  assert.match(r.stderr, /Redis takes writes again after \d+\.\d s/);
  assert.doesNotMatch(r.stderr, /ReplyError/);
  const summary = summaryOf(r);
  assert.equal(summary.crawl['response_received_count'], site.pages, 'every page crawled');
  const pages = [...site.hitsByPath].filter(([p]) => p.startsWith('/p/'));
  assert.equal(pages.length, site.pages);
  assert.ok(
    pages.every(([, n]) => n === 1),
    `each page fetched once: ${JSON.stringify(pages.filter(([, n]) => n !== 1))}`,
  );
  return r;
}
