import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { startHttp, type TestServer } from '../../helpers/http.ts';
import { downloader, rejectsWith, req } from './support.ts';

interface Seen {
  method: string;
  path: string;
  body: string;
  headers: IncomingMessage['headers'];
}

/** /r/<code>?to=<url> redirects; anything else answers 200 with what it received. */
async function redirectServer(t: {
  after: (fn: () => unknown) => void;
}): Promise<TestServer & { seen: Seen[] }> {
  const seen: Seen[] = [];
  const srv = await startHttp((q, res) => {
    const parts: Buffer[] = [];
    q.on('data', (c: Buffer) => parts.push(c));
    q.on('end', () => {
      const url = new URL(q.url ?? '/', 'http://x');
      seen.push({
        method: q.method ?? '',
        path: url.pathname,
        body: Buffer.concat(parts).toString(),
        headers: q.headers,
      });
      const m = /^\/r\/(\d{3})$/.exec(url.pathname);
      if (m) {
        res.writeHead(Number(m[1]), { location: url.searchParams.get('to') ?? '/final' });
        return void res.end();
      }
      res.end(`${q.method} ${url.pathname}`);
    });
  });
  t.after(() => srv.close());
  return Object.assign(srv, { seen });
}

const cases: Array<[number, string, string, string]> = [
  // code, method sent, method expected after the hop, body expected after the hop
  [301, 'POST', 'GET', ''],
  [302, 'POST', 'GET', ''],
  [303, 'POST', 'GET', ''],
  [303, 'PUT', 'GET', ''],
  [307, 'POST', 'POST', 'payload'],
  [308, 'POST', 'POST', 'payload'],
  [301, 'PUT', 'PUT', 'payload'],
  [302, 'DELETE', 'DELETE', 'payload'],
];

for (const [code, method, expectMethod, expectBody] of cases) {
  test(`${code} after ${method} is followed with ${expectMethod}${expectBody ? ' and the body' : ' and no body'}`, async (t) => {
    const srv = await redirectServer(t);
    const { dl, stats } = downloader(t);
    const r = await dl.fetch(
      req(`${srv.origin}/r/${code}`, { method, body: 'payload', headers: { 'content-type': 'text/plain' } }),
    );
    assert.equal(r.status, 200);
    assert.equal(r.url, `${srv.origin}/final`);
    assert.deepEqual(r.redirects, [`${srv.origin}/r/${code}`]);
    const last = srv.seen.at(-1)!;
    assert.equal(last.method, expectMethod);
    assert.equal(last.body, expectBody);
    if (!expectBody)
      assert.equal(last.headers['content-type'], undefined, 'body headers dropped with the body');
    assert.equal(stats.get(`redirect/${code}`), 1);
  });
}

test('HEAD stays HEAD through 301, 302 and 303', async (t) => {
  const srv = await redirectServer(t);
  const { dl } = downloader(t);
  for (const code of [301, 302, 303]) {
    await dl.fetch(req(`${srv.origin}/r/${code}`, { method: 'HEAD' }));
    assert.equal(srv.seen.at(-1)!.method, 'HEAD', String(code));
  }
});

test('a relative Location resolves against the current URL over several hops', async (t) => {
  const srv = await redirectServer(t);
  const { dl } = downloader(t);
  const hop2 = `/r/302?to=${encodeURIComponent('../final')}`;
  const r = await dl.fetch(req(`${srv.origin}/r/301?to=${encodeURIComponent(hop2)}`));
  assert.equal(r.url, `${srv.origin}/final`);
  assert.equal(r.redirects.length, 2);
  assert.equal(r.body.toString(), 'GET /final');
});

test('a redirect loop is dropped with CRAWL_E_REDIRECT_LOOP', async (t) => {
  const srv = await startHttp((q, res) => {
    res.writeHead(302, { location: q.url === '/a' ? '/b' : '/a' });
    res.end();
  });
  t.after(() => srv.close());
  const { dl } = downloader(t);
  await rejectsWith(dl.fetch(req(`${srv.origin}/a`)), 'IgnoreRequest', 'CRAWL_E_REDIRECT_LOOP');
  assert.deepEqual(srv.hits, ['/a', '/b']);
});

test('more than redirectMaxTimes hops is dropped with CRAWL_E_REDIRECT_LIMIT', async (t) => {
  const srv = await startHttp((q, res) => {
    const n = Number(q.url?.slice(1));
    res.writeHead(301, { location: `/${n + 1}` });
    res.end();
  });
  t.after(() => srv.close());
  const { dl } = downloader(t, { redirectMaxTimes: 3 });
  await rejectsWith(dl.fetch(req(`${srv.origin}/0`)), 'IgnoreRequest', 'CRAWL_E_REDIRECT_LIMIT');
  assert.deepEqual(srv.hits, ['/0', '/1', '/2', '/3']);
});

test('a redirect off the allowed domains is dropped with CRAWL_E_OFFSITE', async (t) => {
  const srv = await redirectServer(t);
  const { dl } = downloader(t, {}, ['127.0.0.1']);
  const away = encodeURIComponent('http://localhost:1/elsewhere');
  await rejectsWith(dl.fetch(req(`${srv.origin}/r/302?to=${away}`)), 'IgnoreRequest', 'CRAWL_E_OFFSITE');
  const onsite = await dl.fetch(req(`${srv.origin}/r/302`));
  assert.equal(onsite.url, `${srv.origin}/final`, 'a redirect within the allowed domains is followed');
});

test('a redirect to a non-http scheme is dropped with CRAWL_E_SCHEME', async (t) => {
  const srv = await redirectServer(t);
  const { dl } = downloader(t);
  const to = encodeURIComponent('ftp://127.0.0.1/file');
  await rejectsWith(dl.fetch(req(`${srv.origin}/r/302?to=${to}`)), 'IgnoreRequest', 'CRAWL_E_SCHEME');
});

test('authorization and cookie are dropped when the redirect changes origin, kept when it does not', async (t) => {
  const a = await redirectServer(t);
  const b = await redirectServer(t);
  const { dl } = downloader(t);
  const headers = { authorization: 'Bearer secret', cookie: 'sid=1' };
  await dl.fetch(req(`${a.origin}/r/302?to=/same`, { headers }));
  assert.equal(a.seen.at(-1)!.headers['authorization'], 'Bearer secret');
  assert.equal(a.seen.at(-1)!.headers['cookie'], 'sid=1');
  await dl.fetch(req(`${a.origin}/r/302?to=${encodeURIComponent(`${b.origin}/other`)}`, { headers }));
  assert.equal(b.seen.at(-1)!.path, '/other');
  assert.equal(b.seen.at(-1)!.headers['authorization'], undefined);
  assert.equal(b.seen.at(-1)!.headers['cookie'], undefined);
});

test('meta.dontRedirect and redirectEnabled=false stop at the 3xx', async (t) => {
  const srv = await redirectServer(t);
  const { dl } = downloader(t, { httpErrorAllowedCodes: [302] });
  const r = await dl.fetch(req(`${srv.origin}/r/302`, { meta: { dontRedirect: true } }));
  assert.equal(r.status, 302);
  assert.equal(r.headers['location'], '/final');
  const off = downloader(t, { redirectEnabled: false });
  await rejectsWith(off.dl.fetch(req(`${srv.origin}/r/302`)), 'IgnoreRequest', 'CRAWL_E_HTTP_STATUS');
});
