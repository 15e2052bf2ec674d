import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crawlCli, waitFor } from '../../helpers/crawl-cli.ts';
import { startGraphSite } from '../../helpers/graph-site.ts';
import { startRedis } from '../../helpers/redis.ts';

/**
 * Issue 12: SIGTERM to a worker whose Redis is down hung until a second signal
 * (13 minutes seen once). A stop must end within shutdownTimeout and say what
 * it gave up on. A real redis-server, stopped mid-crawl; a real worker process.
 */
const SPIDER = 'test/fixtures/spiders/graph-spider.ts';

test('issue 12: SIGTERM to a worker whose Redis is down ends it within the shutdown bound, saying what it gave up on', {
  timeout: 180_000,
}, async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const site = await startGraphSite(60, 1500);
  t.after(() => site.close());
  const seed = await crawlCli(['seed', SPIDER, site.startUrl, '--redis', redis.url]).done;
  assert.equal(seed.code, 0, seed.stderr);
  const admin = redis.client();
  const worker = crawlCli([
    'run',
    SPIDER,
    '--redis',
    redis.url,
    '--worker-id',
    'w1',
    '--set',
    'leaseTimeout=600',
  ]);
  t.after(() => {
    if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
  });
  await waitFor(async () => (await admin.hlen('graph:leases:w1')) >= 3, 30_000, 'requests in flight');
  admin.disconnect();
  await redis.stop();

  worker.child.kill('SIGTERM');
  // generous: the default bound is 8 s; a hang is what this catches, not speed
  const deadline = setTimeout(() => worker.child.kill('SIGKILL'), 90_000);
  const r = await worker.done;
  clearTimeout(deadline);
  assert.equal(
    r.signal,
    null,
    `the worker had to be killed; it hung after SIGTERM:\n${r.stderr.slice(-2000)}`,
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /shutdown: gave up after 8 s waiting for /);
  assert.match(
    r.stderr,
    /crawl run: shutdown gave up after 8 s waiting for .+: Redis at redis:\/\/127\.0\.0\.1:\d+\/0 did not answer/,
  );
  assert.match(
    r.stderr,
    /fix: this worker's unfinished requests go back to the queue by themselves after leaseTimeout \(600 s\)/,
  );
});
