import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHttp } from '../../helpers/http.ts';
import { downloader, rejectsWith, req } from './support.ts';

/** A site whose /robots.txt answers `status` with `body`, after `delayMs`. */
async function site(t: { after: (fn: () => unknown) => void }, status: number, body = '', delayMs = 0) {
  const srv = await startHttp((q, res) => {
    if (q.url === '/robots.txt') {
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(body);
      }, delayMs);
      return;
    }
    res.end('page');
  });
  t.after(() => srv.close());
  return srv;
}

const ROBOTS = 'User-agent: *\nDisallow: /private\n\nUser-agent: other-bot\nDisallow: /\n';

test('a path disallowed by robots.txt is dropped with CRAWL_E_ROBOTS_DENIED; others pass', async (t) => {
  const srv = await site(t, 200, ROBOTS);
  const { dl, stats } = downloader(t, { robotstxtObey: true });
  await rejectsWith(dl.fetch(req(`${srv.origin}/private/page`)), 'IgnoreRequest', 'CRAWL_E_ROBOTS_DENIED');
  assert.equal((await dl.fetch(req(`${srv.origin}/public`))).status, 200);
  assert.equal(stats.get('robotstxt/forbidden'), 1);
  assert.ok(!srv.hits.includes('/private/page'), 'the denied page was never requested');
});

test('groups match the product token of the user agent', async (t) => {
  const srv = await site(t, 200, ROBOTS);
  const { dl } = downloader(t, {
    robotstxtObey: true,
    userAgent: 'other-bot/2.0 (+mailto:me@example.invalid)',
  });
  await rejectsWith(dl.fetch(req(`${srv.origin}/public`)), 'IgnoreRequest', 'CRAWL_E_ROBOTS_DENIED');
});

test('robots.txt is fetched exactly once for 10 concurrent requests to a new origin', async (t) => {
  const srv = await site(t, 200, ROBOTS, 50);
  const { dl } = downloader(t, { robotstxtObey: true });
  const pages = Array.from({ length: 10 }, (_, i) => dl.fetch(req(`${srv.origin}/p${i}`)));
  await Promise.all(pages);
  assert.equal(srv.hits.filter((h) => h === '/robots.txt').length, 1);
  assert.equal(srv.hits.length, 11);
});

test('a 404 robots.txt allows everything', async (t) => {
  const srv = await site(t, 404, 'User-agent: *\nDisallow: /\n');
  const { dl } = downloader(t, { robotstxtObey: true });
  assert.equal((await dl.fetch(req(`${srv.origin}/private`))).status, 200);
});

test('a 500 robots.txt allows everything and is counted', async (t) => {
  const srv = await site(t, 500, 'User-agent: *\nDisallow: /\n');
  const { dl, stats } = downloader(t, { robotstxtObey: true });
  assert.equal((await dl.fetch(req(`${srv.origin}/private`))).status, 200);
  assert.equal(stats.get('robotstxt/response_status_count/500'), 1);
});

test('meta.dontObeyRobotstxt skips the check, and robotstxtObey=false never fetches it', async (t) => {
  const srv = await site(t, 200, ROBOTS);
  const on = downloader(t, { robotstxtObey: true });
  const r = await on.dl.fetch(req(`${srv.origin}/private/x`, { meta: { dontObeyRobotstxt: true } }));
  assert.equal(r.status, 200);
  const off = downloader(t, { robotstxtObey: false });
  await off.dl.fetch(req(`${srv.origin}/private/y`));
  assert.ok(!srv.hits.includes('/robots.txt'));
});
