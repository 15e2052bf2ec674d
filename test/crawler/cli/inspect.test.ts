import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crawlCli, waitFor } from '../../helpers/crawl-cli.ts';
import { startGraphSite } from '../../helpers/graph-site.ts';
import { sharedRedis } from '../../helpers/redis.ts';

const SPIDER = 'test/fixtures/spiders/graph-spider.ts';
const redis = sharedRedis();

const inspectArgs = (prefix: string, ...extra: string[]) => [
  'inspect',
  SPIDER,
  '--redis',
  redis.url,
  '--set',
  `redisKeyPrefix=${prefix}`,
  ...extra,
];

test('inspect shows a running crawl: queue head with priorities, fingerprints, leases per worker, items, stats, live workers', async (t) => {
  const site = await startGraphSite(60, 400);
  t.after(() => site.close());
  const seed = await crawlCli([
    'seed',
    SPIDER,
    site.startUrl,
    '--redis',
    redis.url,
    '--set',
    'redisKeyPrefix=i1',
  ]).done;
  assert.equal(seed.code, 0, seed.stderr);
  const worker = crawlCli([
    'run',
    SPIDER,
    '--redis',
    redis.url,
    '--worker-id',
    'busy',
    '--set',
    'redisKeyPrefix=i1',
    '--set',
    'concurrentRequests=2',
    '--set',
    'redisItemsEnabled=true',
    '--set',
    'logLevel=warn',
  ]);
  t.after(() => worker.child.kill('SIGKILL'));
  await waitFor(
    async () =>
      Number(await redis.admin.hget('i1:stats', 'response_received_count')) >= 2 &&
      (await redis.admin.hlen('i1:leases:busy')) > 0 &&
      (await redis.admin.zcard('i1:requests')) > 0 &&
      (await redis.admin.llen('i1:items')) > 0,
    20_000,
    'the worker to be mid-crawl with items in Redis',
  );

  // the worker goes on storing items while inspect runs: the count read lies between these two
  const itemsBefore = await redis.admin.llen('i1:items');
  const json = await crawlCli(inspectArgs('i1', '--json')).done;
  const itemsAfter = await redis.admin.llen('i1:items');
  assert.equal(json.code, 0, json.stderr);
  const v = JSON.parse(json.stdout) as Record<string, unknown> & {
    nextRequests: { url: string; priority: number }[];
    leasesByWorker: Record<string, number>;
    workers: { id: string; alive: boolean }[];
    summary: Record<string, number>;
  };
  assert.equal(v['spider'], 'graph');
  assert.ok((v['queueLength'] as number) > 0);
  assert.ok(v.nextRequests.length > 0 && v.nextRequests.length <= 5);
  assert.ok(v.nextRequests[0]!.url.startsWith(site.url));
  assert.equal(typeof v.nextRequests[0]!.priority, 'number');
  assert.ok((v['fingerprints'] as number) > 0);
  assert.ok((v['fingerprintBytes'] as number) > 0);
  assert.ok((v.leasesByWorker['busy'] ?? 0) > 0);
  assert.equal(v['startUrlsWaiting'], 0);
  const itemsInRedis = v['itemsInRedis'] as number;
  assert.ok(
    itemsInRedis >= itemsBefore && itemsInRedis <= itemsAfter,
    `itemsInRedis ${itemsInRedis}: the list i1:items held ${itemsBefore} before and ${itemsAfter} after`,
  );
  assert.ok(v.summary['pages']! >= 2);
  for (const k of ['items', 'retries', 'errors', 'duplicatesFiltered'])
    assert.equal(typeof v.summary[k], 'number');
  assert.deepEqual(
    v.workers.map((w) => [w.id, w.alive]),
    [['busy', true]],
  );

  const plain = await crawlCli(inspectArgs('i1')).done;
  assert.equal(plain.code, 0, plain.stderr);
  for (const heading of ['QUEUE', 'FINGERPRINTS', 'LEASES', 'ITEMS', 'STATS', 'WORKERS (1 alive of 1)'])
    assert.match(plain.stdout, new RegExp(`^${heading.replace(/[()]/g, '\\$&')}`, 'm'), heading);
  assert.match(plain.stdout, /state\s+running/);
  assert.match(plain.stdout, /^ {2}busy\s+[1-9]/m, 'leases of worker busy');
  assert.match(plain.stdout, /^ {2}alive {2}busy/m);
  assert.match(
    plain.stdout,
    new RegExp(`^ +-?\\d+ {2}${site.url.replace(/\/$/, '').replace(/[.]/g, '\\.')}/p/`, 'm'),
    'next request with priority',
  );
});

test('inspect --watch refreshes --count times at --interval, as JSON lines or as repeated screens', async () => {
  await redis.admin.rpush('i2:start_urls', 'http://127.0.0.1:9/a');
  // when each JSON line arrives: refreshes 4 s apart can only arrive at least ~4 s apart (the default is 2 s)
  const watch = crawlCli(inspectArgs('i2', '--watch', '--interval', '4', '--count', '2', '--json'));
  const arrivals: number[] = [];
  let seen = '';
  watch.child.stdout!.on('data', (d: Buffer) => {
    seen += d.toString();
    while (arrivals.length < (seen.match(/\n/g)?.length ?? 0)) arrivals.push(Date.now());
  });
  const json = await watch.done;
  assert.equal(json.code, 0, json.stderr);
  const lines = json.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  for (const l of lines) assert.equal((JSON.parse(l) as { startUrlsWaiting: number }).startUrlsWaiting, 1);
  const gap = arrivals[1]! - arrivals[0]!;
  assert.ok(gap >= 3500, `the second refresh came ${gap} ms after the first: --interval 4 was not kept`);
  const plain = await crawlCli(inspectArgs('i2', '--watch', '--interval', '0.2', '--count', '3')).done;
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stdout.match(/^QUEUE$/gm)?.length, 3);
  assert.match(plain.stdout, /start URLs waiting\s+1/);
});

test('inspect of a crawl nobody seeded says so; a bad --interval is refused with the fix', async () => {
  const empty = await crawlCli(inspectArgs('i3')).done;
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /not seeded yet \(run `crawl seed`\)/);
  assert.match(empty.stdout, /WORKERS \(0 alive of 0\)\n {2}none yet/);
  const bad = await crawlCli(inspectArgs('i3', '--watch', '--interval', 'soon')).done;
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--interval must be a positive number, got "soon"/);
  assert.match(bad.stderr, /fix: e\.g\. --interval 2/);
});
