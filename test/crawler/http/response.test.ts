import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DownloadResult } from '../../../crawler/downloader/types.ts';
import { isCrawlError } from '../../../crawler/errors.ts';
import { mediaTypeOf } from '../../../crawler/http/charset.ts';
import { type CrawlRequest, isRequestDraft, toCrawlRequest } from '../../../crawler/http/request.ts';
import { Response } from '../../../crawler/http/response.ts';
import { startHttp } from '../../helpers/http.ts';

const PAGE = 'http://127.0.0.1:8000/forum/list?page=1';

function responseOf(
  body: string | Buffer,
  contentType: string | undefined,
  url = PAGE,
  req?: CrawlRequest,
): Response {
  const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
  const result: DownloadResult = {
    url,
    status: 200,
    headers,
    body: typeof body === 'string' ? Buffer.from(body) : body,
    redirects: [],
    mediaType: mediaTypeOf(contentType),
    latencyMs: 1,
  };
  return new Response(req ?? toCrawlRequest({ url }), result);
}

const html = (inner: string) =>
  responseOf(`<!doctype html><html><head></head><body>${inner}</body></html>`, 'text/html; charset=utf-8');
const urls = (r: Response, ...args: Parameters<Response['followAll']>) =>
  r.followAll(...args).map((d) => String(d.url));

test('follow resolves relative, root-relative and protocol-relative links against the final URL', () => {
  const r = html('');
  assert.equal(r.follow('thread/7').url, 'http://127.0.0.1:8000/forum/thread/7');
  assert.equal(r.follow('../p/1?x=1').url, 'http://127.0.0.1:8000/p/1?x=1');
  assert.equal(r.follow('/root').url, 'http://127.0.0.1:8000/root');
  assert.equal(r.follow('//127.0.0.2:9000/other').url, 'http://127.0.0.2:9000/other');
  assert.equal(r.follow('  ?page=2 ').url, 'http://127.0.0.1:8000/forum/list?page=2');
  assert.equal(r.follow('https://127.0.0.1/abs').url, 'https://127.0.0.1/abs');
});

test('follow returns a request draft carrying the given callback, meta and priority', () => {
  const draft = html('').follow('a', { callback: 'parseThread', meta: { n: 1 }, priority: 5 });
  assert.equal(isRequestDraft(draft), true);
  assert.equal(draft.callback, 'parseThread');
  assert.deepEqual(draft.meta, { n: 1 });
  assert.equal(draft.priority, 5);
});

test('follow accepts a cheerio element or selection', () => {
  const r = html('<a id="x" href="t/1">one</a>');
  assert.equal(r.follow(r.css('#x')).url, 'http://127.0.0.1:8000/forum/t/1');
  const el = r.css('#x')[0];
  assert.ok(el);
  assert.equal(r.follow(el).url, 'http://127.0.0.1:8000/forum/t/1');
  assert.throws(
    () => r.follow(r.css('body')),
    (e) => isCrawlError(e) && e.code === 'CRAWL_E_BAD_URL',
  );
});

test('the first <base href> changes where links resolve, resolved itself against the page URL', () => {
  const r = responseOf(
    '<html><head><base href="/mirror/"><base href="http://ignored.test/"></head><body><a href="t/1">x</a></body></html>',
    'text/html',
  );
  assert.equal(r.baseUrl, 'http://127.0.0.1:8000/mirror/');
  assert.equal(r.follow('t/1').url, 'http://127.0.0.1:8000/mirror/t/1');
  assert.deepEqual(urls(r), ['http://127.0.0.1:8000/mirror/t/1']);
  assert.equal(r.urljoin('//127.0.0.3/z'), 'http://127.0.0.3/z');
});

test('a javascript: base href is ignored', () => {
  const r = responseOf('<head><base href="javascript:alert(1)"></head><a href="x">x</a>', 'text/html');
  assert.equal(r.baseUrl, PAGE);
});

test('followAll skips fragments, script, mail, phone and data links, and de-duplicates', () => {
  const r = html(`
    <a href="t/1">1</a> <a href="t/1#reply">1 again</a> <a href="/forum/t/1">1 absolute</a>
    <a href="">empty</a> <a href="   ">blank</a> <a href="#top">top</a> <a>no href</a>
    <a href="javascript:void(0)">js</a> <a href="JavaScript:go()">js2</a> <a href="mailto:a@b.c">mail</a>
    <a href="tel:+861234">tel</a> <a href="data:text/html,hi">data</a> <a href="ftp://127.0.0.1/f">ftp</a>
    <a href="http://[bad">bad</a> <map><area href="t/2"></map> <a href=" t/3 ">3</a>`);
  assert.deepEqual(urls(r), ['http://127.0.0.1:8000/forum/t/1', 'http://127.0.0.1:8000/forum/t/3']);
  // The default selector is 'a'; image-map areas come with a selector that names them, in document order.
  assert.deepEqual(urls(r, 'a, area'), [
    'http://127.0.0.1:8000/forum/t/1',
    'http://127.0.0.1:8000/forum/t/2',
    'http://127.0.0.1:8000/forum/t/3',
  ]);
});

test('issue 13: every selector picks links the same way: <a href> matched or inside, <area> only when selected itself', () => {
  const r = html(`<div id="nav"><a href="/a">a</a><map><area href="/map"></map></div><a href="/b">b</a>`);
  assert.deepEqual(urls(r, 'body'), urls(r, 'a'), "'body' picks what 'a' picks: no stray <area>");
  assert.deepEqual(urls(r, '#nav'), ['http://127.0.0.1:8000/a']);
  assert.deepEqual(urls(r, '#nav area'), ['http://127.0.0.1:8000/map']);
  assert.deepEqual(urls(r, 'area'), ['http://127.0.0.1:8000/map']);
});

test('followAll allow and deny filter links by URL pattern: RegExp searched, glob over the whole URL', () => {
  const r = html(`<a href="/p/1">t</a><a href="/p/2?pn=2">t2</a><a href="/f?kw=x&pn=50">next</a>
    <a href="/home/main?id=1">user</a><a href="http://other.test/p/3">o</a>`);
  assert.deepEqual(urls(r, 'a', { allow: [/\/p\/\d+$/] }), [
    'http://127.0.0.1:8000/p/1',
    'http://other.test/p/3',
  ]);
  assert.deepEqual(urls(r, 'a', { allow: ['http://127.0.0.1:8000/p/*'] }), [
    'http://127.0.0.1:8000/p/1',
    'http://127.0.0.1:8000/p/2?pn=2',
  ]);
  assert.deepEqual(urls(r, 'a', { deny: [/\/home\//, '*://other.test/*'] }), [
    'http://127.0.0.1:8000/p/1',
    'http://127.0.0.1:8000/p/2?pn=2',
    'http://127.0.0.1:8000/f?kw=x&pn=50',
  ]);
  assert.deepEqual(urls(r, 'a', { allow: [/\/p\//], deny: [/pn=/] }), [
    'http://127.0.0.1:8000/p/1',
    'http://other.test/p/3',
  ]);
  const drafts = r.followAll(['/p/1'], { allow: [/p/], callback: 'parseThread' });
  assert.deepEqual(Object.keys(drafts[0]!).sort(), ['callback', 'url'], 'allow/deny stay out of the request');
  assert.throws(
    () => r.followAll('a', { allow: [42 as unknown as RegExp] }),
    (e: unknown) => isCrawlError(e) && e.code === 'CRAWL_E_SPIDER_INVALID' && /allow/.test(e.message),
  );
});

test('followAll with a selector takes links matching it or inside it', () => {
  const r = html(`
    <div class="pager"><a href="?page=2">2</a><span><a href="?page=3">3</a></span></div>
    <a class="thread" href="/p/9">t</a> <a href="/p/other">o</a>`);
  assert.deepEqual(urls(r, '.pager'), [
    'http://127.0.0.1:8000/forum/list?page=2',
    'http://127.0.0.1:8000/forum/list?page=3',
  ]);
  assert.deepEqual(urls(r, 'a.thread'), ['http://127.0.0.1:8000/p/9']);
  assert.deepEqual(urls(r, '.nothing'), []);
});

test('followAll with a list of hrefs applies the same skips and passes init through', () => {
  const r = html('');
  const drafts = r.followAll(['a', 'mailto:x@y.z', '#', 'a#2', 'b'], { callback: 'parseDetail' });
  assert.deepEqual(
    drafts.map((d) => [d.url, d.callback]),
    [
      ['http://127.0.0.1:8000/forum/a', 'parseDetail'],
      ['http://127.0.0.1:8000/forum/b', 'parseDetail'],
    ],
  );
});

test('json() parses JSON bodies and explains invalid ones', () => {
  const r = responseOf('{"threads":[1,2],"name":"聊天"}', 'application/json', 'http://127.0.0.1:8000/api');
  assert.deepEqual(r.json<{ threads: number[]; name: string }>(), { threads: [1, 2], name: '聊天' });
  const bad = responseOf('<html>oops</html>', 'application/json', 'http://127.0.0.1:8000/api');
  assert.throws(
    () => bad.json(),
    (e) =>
      isCrawlError(e) &&
      e.code === 'CRAWL_E_CALLBACK' &&
      /not valid JSON/.test(e.message) &&
      /<html>oops/.test(e.message),
  );
});

test('non-HTML media are never parsed as HTML', () => {
  const json = responseOf('{"a":"<a href=x>"}', 'application/json');
  assert.equal(json.isHtml, false);
  assert.throws(
    () => json.$,
    (e) => isCrawlError(e) && e.code === 'CRAWL_E_NOT_TEXT' && e.message.includes('application/json'),
  );
  assert.throws(
    () => json.followAll(),
    (e) => isCrawlError(e) && e.code === 'CRAWL_E_NOT_TEXT',
  );
  assert.equal(json.baseUrl, PAGE);
  assert.equal(json.follow('x').url, 'http://127.0.0.1:8000/forum/x');
});

test('binary media have no text', () => {
  for (const type of ['image/png', 'application/pdf', 'application/octet-stream']) {
    const r = responseOf(Buffer.from([0x89, 0x50, 0x4e, 0x47]), type);
    assert.throws(
      () => r.text,
      (e) => isCrawlError(e) && e.code === 'CRAWL_E_NOT_TEXT' && e.message.includes(type),
      type,
    );
    assert.equal(r.body.length, 4);
  }
});

test('XML responses parse in XML mode', () => {
  const r = responseOf(
    '<?xml version="1.0"?><urlset><url><loc>http://127.0.0.1/a</loc></url></urlset>',
    'application/xml',
  );
  assert.equal(r.$('loc').text(), 'http://127.0.0.1/a');
});

test('a body without Content-Type is sniffed: HTML parses, PDF has no text', () => {
  const page = responseOf('<!DOCTYPE html><title>t</title><a href="/x">x</a>', undefined);
  assert.equal(page.mediaType, 'text/html');
  assert.equal(page.css('title').text(), 't');
  const pdf = responseOf('%PDF-1.4 ...', undefined);
  assert.equal(pdf.mediaType, 'application/pdf');
  assert.throws(
    () => pdf.text,
    (e) => isCrawlError(e) && e.code === 'CRAWL_E_NOT_TEXT',
  );
});

test('meta and cbKwargs come from the request', () => {
  const req = toCrawlRequest({ url: PAGE, meta: { from: 'start' }, cbKwargs: { forum: 'chat' } });
  const r = responseOf('', 'text/html', PAGE, req);
  assert.deepEqual(r.meta, { from: 'start' });
  assert.deepEqual(r.cbKwargs, { forum: 'chat' });
  assert.equal(r.request, req);
});

test('a GBK page served over HTTP reads as the right Chinese text', async (t) => {
  // 你好 = c4e3 bac3, 聊天 = c1c4 ccec in GBK.
  const gbkTitle = Buffer.from('c4e3bac3c1c4ccec', 'hex');
  const server = await startHttp((req, res) => {
    const body = Buffer.concat([
      Buffer.from('<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>'),
      gbkTitle,
      Buffer.from('</title></head><body><a href="/f?kw='),
      Buffer.from('c1c4ccec', 'hex'),
      Buffer.from('">x</a></body></html>'),
    ]);
    res.writeHead(200, { 'content-type': req.url === '/lying' ? 'text/html; charset=utf-8' : 'text/html' });
    res.end(body);
  });
  t.after(() => server.close());
  for (const path of ['/honest', '/lying']) {
    const got = await fetch(`${server.origin}${path}`);
    const contentType = got.headers.get('content-type') ?? undefined;
    const result: DownloadResult = {
      url: got.url,
      status: got.status,
      headers: Object.fromEntries(got.headers),
      body: Buffer.from(await got.arrayBuffer()),
      redirects: [],
      mediaType: mediaTypeOf(contentType),
      latencyMs: 0,
    };
    const r = new Response(toCrawlRequest({ url: got.url }), result);
    assert.equal(r.css('title').text(), '你好聊天', path);
    assert.equal(r.encoding, 'gbk');
    // The link text is GBK too; the resolved URL percent-encodes it as UTF-8 (as browsers do for the path/query of a decoded document).
    assert.equal(r.followAll()[0]?.url, `${server.origin}/f?kw=%E8%81%8A%E5%A4%A9`);
  }
});
