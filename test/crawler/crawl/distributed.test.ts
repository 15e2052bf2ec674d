import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crawlCli, summaryOf, waitFor } from '../../helpers/crawl-cli.ts';
import { startGraphSite } from '../../helpers/graph-site.ts';
import { sharedRedis } from '../../helpers/redis.ts';

const SPIDER = 'test/fixtures/spiders/graph-spider.ts';
const redis = sharedRedis();

/** Each test uses its own key prefix so they never see each other's state. */
function workerArgs(prefix: string, id: string, extra: string[] = []): string[] {
  return [
    'run',
    SPIDER,
    '--redis',
    redis.url,
    '--worker-id',
    id,
    '--json',
    '--set',
    `redisKeyPrefix=${prefix}`,
    '--set',
    'redisItemsEnabled=true',
    '--set',
    'feedItemKey=true',
    '--set',
    'logLevel=warn',
    ...extra,
  ];
}

async function seed(prefix: string, url: string): Promise<void> {
  const r = await crawlCli(['seed', SPIDER, url, '--redis', redis.url, '--set', `redisKeyPrefix=${prefix}`])
    .done;
  assert.equal(r.code, 0, r.stderr);
}

async function storedItemKeys(prefix: string): Promise<string[]> {
  const raw = await redis.admin.lrange(`${prefix}:items`, 0, -1);
  return raw.map((s) => (JSON.parse(s) as { _key: string })._key);
}

test('three worker processes share the queue: every page fetched exactly once, all exit 0 when the crawl is done', async (t) => {
  const site = await startGraphSite(150);
  t.after(() => site.close());
  await seed('t1', site.startUrl);
  const workers = ['w1', 'w2', 'w3'].map((id) => crawlCli(workerArgs('t1', id)));
  const results = await Promise.all(workers.map((w) => w.done));
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(summaryOf(r).reason, 'finished');
  }
  for (let i = 0; i < site.pages; i++)
    assert.equal(site.hitsByPath.get(`/p/${i}`), 1, `/p/${i} fetched once`);
  assert.equal(site.hitsByPath.get('/private/x'), undefined, 'robots.txt Disallow is obeyed');
  const keys = await storedItemKeys('t1');
  assert.equal(keys.length, site.pages);
  assert.equal(new Set(keys).size, site.pages);
  const crawl = summaryOf(results[0]!).crawl;
  assert.equal(Number(crawl['response_received_count']), site.pages);
  assert.ok(Number(crawl['dupefilter/filtered']) > 0, 'repeated links were filtered by fingerprint');
  const shares = results.map((r) => Number(summaryOf(r).local['response_received_count'] ?? 0));
  assert.equal(
    shares.reduce((a, b) => a + b, 0),
    site.pages,
  );
});

test('kill -9 of a worker mid-crawl loses nothing: its leases return to the queue, no item key is stored twice', async (t) => {
  const site = await startGraphSite(120, 40);
  t.after(() => site.close());
  await seed('t2', site.startUrl);
  const extra = ['--set', 'leaseTimeout=2', '--set', 'concurrentRequests=8'];
  const victim = crawlCli(workerArgs('t2', 'victim', extra));
  const others = ['w2', 'w3'].map((id) => crawlCli(workerArgs('t2', id, extra)));
  // wait until the victim holds leases, then kill it without any chance to clean up
  await waitFor(
    async () => (await redis.admin.hlen('t2:leases:victim')) > 0,
    20_000,
    'the victim to hold leases',
  );
  victim.child.kill('SIGKILL');
  const killed = await victim.done;
  assert.equal(killed.signal, 'SIGKILL');
  const results = await Promise.all(others.map((w) => w.done));
  for (const r of results) assert.equal(r.code, 0, r.stderr);
  for (let i = 0; i < site.pages; i++)
    assert.ok((site.hitsByPath.get(`/p/${i}`) ?? 0) >= 1, `/p/${i} fetched`);
  const keys = await storedItemKeys('t2');
  assert.equal(new Set(keys).size, site.pages, 'no item lost');
  assert.equal(keys.length, site.pages, 'no item key twice');
  const stats = await redis.admin.hgetall('t2:stats');
  assert.ok(Number(stats['leases/reclaimed'] ?? 0) > 0, 'the dead worker leases were reclaimed');
});

test('a worker started before seeding waits, a late joiner works too, and both exit 0 at the end', async (t) => {
  const site = await startGraphSite(60, 10);
  t.after(() => site.close());
  const early = crawlCli(workerArgs('t3', 'early'));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(early.child.exitCode, null, 'an unseeded crawl is not finished: the worker keeps waiting');
  await seed('t3', site.startUrl);
  await waitFor(() => (site.hitsByPath.get('/p/0') ?? 0) > 0, 20_000, 'the crawl to start');
  const late = crawlCli(workerArgs('t3', 'late'));
  const [a, b] = await Promise.all([early.done, late.done]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(summaryOf(a).reason, 'finished');
  assert.equal(summaryOf(b).reason, 'finished');
  assert.equal((await storedItemKeys('t3')).length, site.pages);
});

test('SIGTERM hands in-flight requests back at once; another worker finishes the crawl with nothing lost', async (t) => {
  const site = await startGraphSite(80, 150);
  t.after(() => site.close());
  await seed('t4', site.startUrl);
  const first = crawlCli(workerArgs('t4', 'first', ['--set', 'leaseTimeout=600']));
  await waitFor(async () => (await redis.admin.hlen('t4:leases:first')) >= 3, 20_000, 'requests in flight');
  first.child.kill('SIGTERM');
  const r1 = await first.done;
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(summaryOf(r1).reason, 'shutdown');
  assert.equal(
    await redis.admin.hlen('t4:leases:first'),
    0,
    'no lease left behind (leaseTimeout is 600 s, so none expired)',
  );
  const second = await crawlCli(workerArgs('t4', 'second')).done;
  assert.equal(second.code, 0, second.stderr);
  assert.equal(summaryOf(second).reason, 'finished');
  assert.equal((await storedItemKeys('t4')).length, site.pages);
});
