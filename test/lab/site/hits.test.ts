import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { checkFetches, fetchesAreExact } from '../../../lab/runner/truth-check.ts';
import { SiteData } from '../../../lab/site/data.ts';
import { HOLD_PATH } from '../../../lab/site/hold.ts';
import { crawlPages, pageName } from '../../../lab/site/pages.ts';
import { HITS_PATH, startSite } from '../../../lab/site/server.ts';
import { crawlCli, summaryOf } from '../../helpers/crawl-cli.ts';
import { startRedis } from '../../helpers/redis.ts';
import { get, listPath } from './support.ts';

/**
 * The site's own hit log (/__truth/hits): what it served, counted by page, so
 * "each page fetched once" is checked from the server's side, not from the
 * crawler's stats.
 */

test('the hit log counts GETs per page under one name whatever the URL form, other requests apart, and DELETE starts it again', async (t) => {
  const site = await startSite({ listPages: 2, threadsPerPage: 5, seed: 3 });
  t.after(() => site.close());
  const tid = site.truth.threads.tids[0]!;
  await get(site, listPath(site, 0));
  await get(site, `/f?pn=0&ie=utf-8&kw=${encodeURIComponent(site.options.bar)}`); // the same page, params reordered
  await get(site, listPath(site, 7)); // pn inside list page 2 (5 rows a page)
  await get(site, `/p/${tid}`);
  await get(site, `/p/totalComment?tid=${tid}&fid=${site.options.fid}&pn=1&t=123`);
  await get(site, '/p/1'); // no such thread
  await get(site, '/robots.txt');
  await get(site, '/__truth');
  const log = site.hits();
  assert.deepEqual(log.pages, {
    [pageName.list(0)]: 2,
    [pageName.list(5)]: 1,
    [pageName.thread(tid, 1)]: 1,
    [pageName.totalComment(tid, 1)]: 1,
  });
  assert.deepEqual(log.other, { '404 /p/1': 1 }, 'robots.txt and /__truth are not counted');

  const served = await get(site, HITS_PATH);
  assert.equal(served.status, 200);
  assert.deepEqual(JSON.parse(served.body), log, 'served as JSON');
  const reset = await fetch(`${site.url}${HITS_PATH}`, { method: 'DELETE' });
  assert.equal(reset.status, 200);
  assert.deepEqual({ ...((await reset.json()) as object), since: 0 }, { since: 0, pages: {}, other: {} });
  assert.deepEqual(site.hits().pages, {});
});

test('a chaos hold keeps the requests of one address unanswered and lists them; one whose client goes away is abandoned, never served; release answers the rest', async (t) => {
  const site = await startSite({ listPages: 2, threadsPerPage: 5, seed: 3 });
  t.after(() => site.close());
  const tid = site.truth.threads.tids[0]!;
  const put = await fetch(`${site.url}${HOLD_PATH}?from=10.0.0.9&s=5`, { method: 'PUT' });
  assert.equal(put.status, 200);
  assert.equal((await get(site, listPath(site, 0))).status, 200, 'another address is answered');
  await fetch(`${site.url}${HOLD_PATH}?from=127.0.0.1&s=30`, { method: 'PUT' });
  // one client goes away while held (a killed worker), the other waits for the release
  const gone = request({ host: site.host, port: site.port, path: `/p/${tid}`, agent: false });
  gone.on('error', () => {});
  gone.end();
  const waiting = get(site, listPath(site, 5));
  const until = async (ok: (h: ReturnType<typeof site.hits>) => boolean) => {
    for (let i = 0; i < 200 && !ok(site.hits()); i++) await new Promise((r) => setTimeout(r, 25));
    return site.hits();
  };
  const held = await until((h) => (h.held?.['127.0.0.1']?.length ?? 0) === 2);
  assert.deepEqual(held.held?.['127.0.0.1']?.sort(), [pageName.list(5), pageName.thread(tid, 1)].sort());
  gone.destroy();
  const after = await until((h) => h.abandoned !== undefined);
  assert.deepEqual(after.abandoned, [{ from: '127.0.0.1', page: pageName.thread(tid, 1) }]);
  assert.deepEqual(after.pages, { [pageName.list(0)]: 1 }, 'held and abandoned pages are not served');
  const released = await fetch(`${site.url}${HOLD_PATH}`, { method: 'DELETE' });
  assert.equal(released.status, 200);
  assert.equal((await waiting).status, 200);
  const log = site.hits();
  assert.equal(log.held, undefined, 'no hold, nothing listed');
  assert.deepEqual(log.pages, { [pageName.list(0)]: 1, [pageName.list(5)]: 1 });
  assert.equal(
    (await fetch(`${site.url}${HOLD_PATH}?s=5`, { method: 'PUT' })).status,
    400,
    'from is required',
  );
  await fetch(`${site.url}${HITS_PATH}`, { method: 'DELETE' });
  assert.equal(site.hits().abandoned, undefined, 'a reset of the hit log forgets them');
});

test('two workers crawling with allPages fetch exactly the pages crawlPages lists, each once, by the site hit log', {
  timeout: 180_000,
}, async (t) => {
  const redis = await startRedis();
  const options = { listPages: 2, threadsPerPage: 10, seed: 9, maxSubComments: 35, maxThreadPages: 3 };
  const site = await startSite(options);
  t.after(async () => {
    await site.close();
    await redis.stop();
  });
  const pages = crawlPages(new SiteData(site.options), true);
  assert.ok(
    pages.some((p) => p.startsWith('/p/comment')),
    'floors with /p/comment pages are covered',
  );
  assert.ok(
    pages.some((p) => /^\/p\/\d+\?pn=2$/.test(p)),
    'multi-page threads are covered',
  );
  const seed = JSON.stringify({ url: site.startUrl, meta: { maxListPages: 2, allPages: true } });
  const seeded = await crawlCli(['seed', 'tieba', seed, '--redis', redis.url]).done;
  assert.equal(seeded.code, 0, seeded.stderr);
  const runs = await Promise.all(
    ['w1', 'w2'].map(
      (id) =>
        crawlCli([
          'run',
          'tieba',
          '--redis',
          redis.url,
          '--worker-id',
          id,
          '--json',
          '--set',
          'logLevel=warn',
        ]).done,
    ),
  );
  for (const r of runs) assert.equal(summaryOf(r).reason, 'finished', r.stderr);
  const check = checkFetches(site.hits(), {
    pages: pages.length,
    pageNames: pages,
    docs: [],
    allPages: true,
  });
  assert.deepEqual(check.differences, []);
  assert.ok(fetchesAreExact(check));
  assert.equal(check.fetched, pages.length);
});

test('the fetch check names a page not fetched, a page fetched twice and a request beyond the site', () => {
  const pages = ['/f?pn=0', '/p/1?pn=1', '/p/totalComment?tid=1&pn=1'];
  const check = checkFetches(
    { since: 0, pages: { '/f?pn=0': 1, '/p/1?pn=1': 2, '/f?pn=50': 1 }, other: { '404 /p/9': 1 } },
    { pages: 3, pageNames: pages, docs: [], allPages: true },
  );
  assert.deepEqual(
    { notFetched: check.notFetched, twice: check.twice, extra: check.extra, fetched: check.fetched },
    { notFetched: 1, twice: 1, extra: 2, fetched: 4 },
  );
  assert.deepEqual(check.differences, [
    { kind: 'not fetched', what: '/p/totalComment?tid=1&pn=1' },
    { kind: 'fetched twice', what: '/p/1?pn=1 (2 times)' },
    { kind: 'extra fetch', what: '/f?pn=50 (1 time)' },
    { kind: 'extra fetch', what: '404 /p/9 (1 time)' },
  ]);
  assert.equal(fetchesAreExact(check), false);
});
