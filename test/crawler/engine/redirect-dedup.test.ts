import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { seedStartUrls } from '../../../crawler/admin.ts';
import type { Response } from '../../../crawler/http/response.ts';
import { silentLogger } from '../../../crawler/log.ts';
import type { PipelineStep } from '../../../crawler/pipelines/types.ts';
import { resolveSettings } from '../../../crawler/settings/load.ts';
import { defineSpider } from '../../../crawler/spiders/spider.ts';
import { STAT } from '../../../crawler/stats.ts';
import { createWorker } from '../../../crawler/worker.ts';
import { startHttp } from '../../helpers/http.ts';
import { sharedRedis } from '../../helpers/redis.ts';

// Issue 13: a redirect's target goes through the shared fingerprint filter like any
// request, so a target already crawled (or the start URL) is never fetched again.

const redis = sharedRedis();

/**
 * The start page links to /r1../r4 (each 301 to /item) and /back (302 to the start
 * URL); with `linkItem` it also links /item itself. Pages with an <h1> give an item.
 */
async function redirectSite(t: { after: (fn: () => unknown) => void }, linkItem: boolean) {
  const srv = await startHttp((req, res) => {
    const path = req.url ?? '/';
    const redirect = /^\/r\d$/.test(path) ? '/item' : path === '/back' ? '/' : undefined;
    if (redirect !== undefined) {
      // a little wait so the workers' redirects really overlap
      setTimeout(() => res.writeHead(path === '/back' ? 302 : 301, { location: redirect }).end(), 20);
      return;
    }
    if (path === '/item')
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>item</h1>');
    if (path !== '/') return void res.writeHead(404).end();
    const links = ['/r1', '/r2', '/r3', '/r4', '/back', ...(linkItem ? ['/item'] : [])];
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(`<h1>start</h1>${links.map((l) => `<a href="${l}">${l}</a>`).join('')}`);
  });
  t.after(() => srv.close());
  return srv;
}

async function crawlWithWorkers(prefix: string, startUrl: string, workers: number) {
  const items: Array<{ url: string; key: string }> = [];
  const collect: PipelineStep = {
    name: 'collect',
    processItem(item, ctx) {
      items.push({ url: String(item['url']), key: ctx.key });
      return item;
    },
  };
  const spider = defineSpider({
    name: 'redirects',
    *parse(response: Response) {
      const h1 = response.$('h1').text();
      if (h1) yield { url: response.url, h1 };
      yield* response.followAll('a');
    },
  });
  const settingsFor = (id: string) =>
    resolveSettings({
      env: {},
      cwd: tmpdir(),
      overrides: [
        `redisUrl=${redis.url}`,
        `redisKeyPrefix=${prefix}`,
        `workerId=${id}`,
        'robotstxtObey=false',
        'concurrentRequests=4',
      ],
    }).settings;
  await seedStartUrls(redis.admin, spider.name, settingsFor('seed'), [startUrl]);
  const summaries = await Promise.all(
    Array.from({ length: workers }, (_, i) =>
      createWorker({
        spider,
        settings: settingsFor(`w${i}`),
        log: silentLogger,
        extraSteps: [collect],
      }).run(),
    ),
  );
  const crawl = await redis.admin.hgetall(`${prefix}:stats`);
  return { items, summaries, crawl };
}

test('three workers racing redirects to one target fetch it once and store one item; the other redirects are counted in redirect/filtered', async (t) => {
  const site = await redirectSite(t, false);
  const { items, summaries, crawl } = await crawlWithWorkers('rd1', site.url, 3);
  for (const s of summaries) assert.equal(s.reason, 'finished');
  assert.equal(site.hits.filter((h) => h === '/item').length, 1, '/item fetched once');
  assert.equal(
    site.hits.filter((h) => h === '/').length,
    1,
    'the start URL fetched once, /back did not repeat it',
  );
  assert.deepEqual(items.map((i) => i.url).sort(), [site.url, `${site.origin}/item`].sort());
  // one of /r1../r4 won the race for /item; the other three and /back's start URL were seen
  assert.equal(Number(crawl[STAT.redirectsFiltered]), 4);
  assert.equal(Number(crawl[STAT.pages]), 2);
  assert.ok(Number(crawl[STAT.duplicatesFiltered]) >= 4, 'redirects count in dupefilter/filtered too');
});

test('a redirect to a page already linked and crawled, and to the start URL, is dropped before any fetch', async (t) => {
  const site = await redirectSite(t, true);
  const { items, crawl } = await crawlWithWorkers('rd2', site.url, 3);
  assert.equal(site.hits.filter((h) => h === '/item').length, 1);
  assert.equal(site.hits.filter((h) => h === '/').length, 1);
  assert.equal(items.length, 2);
  assert.equal(new Set(items.map((i) => i.key)).size, 2, 'each item has one key');
  assert.equal(Number(crawl[STAT.redirectsFiltered]), 5, 'four redirects to /item and one to the start URL');
});

test('a redirect chain is followed across workers with the redirecting URLs in response.redirects (memory scheduler)', async (t) => {
  const srv = await startHttp((req, res) => {
    if (req.url === '/a') return void res.writeHead(301, { location: '/b' }).end();
    if (req.url === '/b') return void res.writeHead(302, { location: '/c' }).end();
    if (req.url === '/loop') return void res.writeHead(302, { location: '/loop2' }).end();
    if (req.url === '/loop2') return void res.writeHead(302, { location: '/loop' }).end();
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>c</h1>');
  });
  t.after(() => srv.close());
  const seen: Array<{ url: string; redirects: readonly string[]; from: unknown }> = [];
  const spider = defineSpider({
    name: 'chain',
    startUrls: [
      { url: `${srv.origin}/a`, meta: { from: 'start' } },
      { url: `${srv.origin}/loop`, dontFilter: true },
    ],
    parse(response: Response) {
      seen.push({ url: response.url, redirects: response.redirects, from: response.meta['from'] });
    },
  });
  const settings = resolveSettings({
    env: {},
    cwd: tmpdir(),
    overrides: ['redisUrl=memory', 'robotstxtObey=false'],
  }).settings;
  const summary = await createWorker({ spider, settings, log: silentLogger }).run();
  assert.deepEqual(seen, [
    { url: `${srv.origin}/c`, redirects: [`${srv.origin}/a`, `${srv.origin}/b`], from: 'start' },
  ]);
  assert.equal(summary.local['request_ignored/CRAWL_E_REDIRECT_LOOP'], 1, 'a loop is still caught');
});
