import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CookieJar } from '../../../crawler/downloader/middlewares/cookies.ts';
import { crawlCli, spiderFile } from '../../helpers/crawl-cli.ts';
import { startHttp } from '../../helpers/http.ts';

test('the cookie jar honours Domain, Path, Max-Age, Expires and Secure', () => {
  const jar = new CookieJar();
  const now = Date.parse('2026-01-01T00:00:00Z');
  const page = new URL('http://shop.example.test/cart/view');
  jar.store(
    page,
    [
      'sid=1; Path=/',
      'cart=2', // default path: /cart
      'wide=3; Domain=.example.test; Path=/',
      'short=4; Max-Age=60; Path=/',
      'old=5; Expires=Wed, 01 Jan 2020 00:00:00 GMT; Path=/',
      'tls=6; Secure; Path=/',
      'foreign=7; Domain=other.test; Path=/',
    ],
    now,
  );
  assert.equal(
    jar.headerFor(new URL('http://shop.example.test/cart/x'), now),
    'cart=2; sid=1; wide=3; short=4',
  );
  assert.equal(jar.headerFor(new URL('http://shop.example.test/other'), now), 'sid=1; wide=3; short=4');
  assert.equal(jar.headerFor(new URL('http://www.example.test/'), now), 'wide=3');
  assert.equal(jar.headerFor(new URL('https://shop.example.test/'), now), 'sid=1; wide=3; short=4; tls=6');
  jar.store(page, ['sid=gone; Max-Age=0; Path=/'], now);
  assert.equal(jar.headerFor(new URL('http://shop.example.test/'), now), 'wide=3; short=4');
  assert.equal(jar.headerFor(new URL('http://shop.example.test/'), now + 61_000), 'wide=3');
  assert.equal(jar.headerFor(new URL('http://other.test/'), now), undefined);
});

/** A site whose start page sets a session cookie and links to /a and to a page on another origin. */
async function site(t: import('node:test').TestContext) {
  const seen: Record<string, { cookie?: string; referer?: string }> = {};
  const other = await startHttp((q, res) => {
    seen[`other${q.url}`] = { cookie: q.headers.cookie, referer: q.headers.referer };
    res.writeHead(200, { 'content-type': 'text/html' }).end('x');
  });
  const srv = await startHttp((q, res) => {
    seen[q.url ?? ''] = { cookie: q.headers.cookie, referer: q.headers.referer };
    if (q.url === '/')
      res
        .writeHead(200, {
          'content-type': 'text/html',
          'set-cookie': ['sid=s3cr3t; Path=/', 'lang=en; Path=/'],
        })
        .end(`<a href="/a#frag">a</a><a href="${other.origin}/b">b</a>`);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('x');
  });
  t.after(() => Promise.all([srv.close(), other.close()]));
  const { spider } = spiderFile(
    t,
    'c.ts',
    `export default {
  name: 'c',
  startUrls: [${JSON.stringify(srv.url)}],
  customSettings: { concurrentRequests: 1 },
  *parse(response) { yield* response.followAll('a'); },
};
`,
  );
  const run = (...more: string[]) =>
    crawlCli(['run', spider, '--redis', 'memory', '--set', 'robotstxtObey=false', ...more]).done;
  return { srv, seen, run };
}

test('issue 13: a crawl keeps cookies and sends a Referer on followed requests, as Scrapy does by default', async (t) => {
  const { srv, seen, run } = await site(t);
  const r = await run();
  assert.equal(r.code, 0, r.stderr);
  assert.equal(seen['/']?.cookie, undefined);
  assert.equal(seen['/']?.referer, undefined, 'a start URL has no referer');
  assert.equal(seen['/a']?.cookie, 'sid=s3cr3t; lang=en');
  assert.equal(seen['/a']?.referer, srv.url);
  // cookies are per host, not per port (RFC 6265): the other server on 127.0.0.1 gets them too
  assert.equal(seen['other/b']?.cookie, 'sid=s3cr3t; lang=en');
  assert.equal(seen['other/b']?.referer, srv.url, 'another origin gets the origin only');
});

test('issue 13: cookiesEnabled=false and refererEnabled=false send neither', async (t) => {
  const { seen, run } = await site(t);
  const r = await run('--set', 'cookiesEnabled=false', '--set', 'refererEnabled=false');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(seen['/a']?.cookie, undefined);
  assert.equal(seen['/a']?.referer, undefined);
});

test('issue 13: a start URL with its own meta.cookiejar is one session: the pages found from it send its cookies only', async (t) => {
  const seen: Record<string, string | undefined> = {};
  const srv = await startHttp((q, res) => {
    const url = new URL(q.url ?? '/', 'http://x');
    seen[`${url.pathname}${url.search}`] = q.headers.cookie;
    const user = url.searchParams.get('user');
    if (url.pathname === '/login')
      res
        .writeHead(200, { 'content-type': 'text/html', 'set-cookie': `who=${user}; Path=/` })
        .end(`<a href="/home?as=${user}">home</a>`);
    else res.writeHead(200, { 'content-type': 'text/html' }).end('x');
  });
  t.after(() => srv.close());
  const { spider } = spiderFile(
    t,
    'jars.ts',
    `export default {
  name: 'jars',
  startUrls: ['a', 'b'].map((u) => ({ url: ${JSON.stringify(srv.origin)} + '/login?user=' + u, meta: { cookiejar: u } })),
  customSettings: { concurrentRequests: 1 },
  *parse(response) { yield* response.followAll('a'); },
};
`,
  );
  const r = await crawlCli(['run', spider, '--redis', 'memory', '--set', 'robotstxtObey=false']).done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(seen['/home?as=a'], 'who=a');
  assert.equal(seen['/home?as=b'], 'who=b');
});
