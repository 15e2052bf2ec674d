import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { startCatalogueSite } from '../../../bench/lib/catalogue-site.ts';
import type { DownloadResult } from '../../../crawler/downloader/types.ts';
import { mediaTypeOf } from '../../../crawler/http/charset.ts';
import { toCrawlRequest } from '../../../crawler/http/request.ts';
import { Response } from '../../../crawler/http/response.ts';
import { parseSimpleSelector } from '../../../crawler/http/simple-selector.ts';
import { startSite } from '../../../lab/site/index.ts';
import { randomHtml } from '../../helpers/random-html.ts';

// Issue 14: followAll(selector) and <base href> on a page not yet parsed are
// answered by one tokenizer pass without a DOM (crawler/http/stream-links.ts).
// They must give exactly the URLs the DOM gives, in the same order, on any page.

const PAGE = 'http://127.0.0.1:8000/shop/list?page=1';

function responseOf(body: string | Buffer, url = PAGE, contentType = 'text/html; charset=utf-8'): Response {
  const result: DownloadResult = {
    url,
    status: 200,
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? Buffer.from(body) : body,
    redirects: [],
    mediaType: mediaTypeOf(contentType),
    latencyMs: 1,
  };
  return new Response(toCrawlRequest({ url }), result);
}

/** followAll's URLs and the base URL, once by the tokenizer pass (fresh response) and once on the DOM. */
function bothWays(body: string | Buffer, selector: string, url = PAGE) {
  const fresh = responseOf(body, url);
  const streamed = { urls: fresh.followAll(selector).map((d) => String(d.url)), base: fresh.baseUrl };
  const parsed = responseOf(body, url);
  void parsed.document; // the DOM first: followAll and baseUrl then select on it
  const dom = { urls: parsed.followAll(selector).map((d) => String(d.url)), base: parsed.baseUrl };
  return { streamed, dom };
}

function assertSame(body: string | Buffer, selector: string, url = PAGE): string[] {
  const { streamed, dom } = bothWays(body, selector, url);
  assert.deepEqual(streamed, dom, `selector ${JSON.stringify(selector)}`);
  return streamed.urls;
}

test('simple selectors are recognised; pseudo-classes, attribute values and sibling combinators are left to the DOM', () => {
  for (const s of [
    'a',
    'a.next',
    '.related a',
    'ul.items > li > a',
    '#main a, .x',
    'A[HREF]',
    '*',
    'div  >  a.b.c#d',
  ])
    assert.ok(parseSimpleSelector(s), s);
  for (const s of [
    'a:first',
    'a[href*="p"]',
    'li + li a',
    'li ~ a',
    '> a',
    'a,',
    '',
    'a::text',
    '.1x',
    'a\\:b',
    'é',
  ])
    assert.equal(parseSimpleSelector(s), undefined, s);
});

test('tricky HTML: comments, CDATA, script text, uppercase tags and attributes, entities, nesting, implied ends, base href', () => {
  const body =
    '<!doctype html><html><head><BASE HREF="http://127.0.0.1:8000/base/dir/"><base href="/ignored/">' +
    '<script>var s = "<a href=\'/in-script\'>x</a>";</script><style>a[href] { color: red }</style></head><body>' +
    '<!-- <a class="next" href="/in-comment">hidden</a> --><![CDATA[<a href="/in-cdata">x</a>]]>' +
    '<DIV CLASS="Related related"><A HREF="p?a=1&amp;b=2&#x26;c=&lt;3">one</A><a href=" rel#frag ">two</a>' +
    '<a href=/unquoted?x=&copy>three</a><a href="">empty</a><a>no href</a><a href="javascript:void(0)">js</a>' +
    '<a href="mailto:x@y.z">mail</a><a href="//other.host/path">proto</a></div>' +
    '<p class="x"><a class="next" href="/p1">p1<p class="y">implied end of the first p <a href="/p2">p2</a>' +
    '<ul class="items"><li><a class="product-link" href="/product/1">1</a><li><a class="product-link" href="/product/2">2</a></ul>' +
    '<map><area href="/area" class="next"><area href="/area2"></map>' +
    '<a href="/outer" class="next"><span><a href="/inner">nested</a></span></a>' +
    '<svg><a href="/svg-link">svg</a></svg><table><tr><td><a href="/cell" class="related">cell</a></table>' +
    '</body></html>';
  const cases: Record<string, string[]> = {};
  for (const sel of [
    'a',
    'a.next',
    '.next',
    '.related a',
    '.Related',
    'div a',
    'p a',
    'p > a',
    'ul.items > li > a',
    'li a, .next',
    'map',
    'area',
    'a, area',
    '*',
    'td',
    'svg a',
    'A.NEXT',
    'a[HREF]',
    '#nothing',
    'div.related.Related a',
  ])
    cases[sel] = assertSame(body, sel);
  // what the tokenizer pass must see as the DOM does: comments, CDATA and script text hold no links
  assert.ok(!cases['a']!.some((u) => /in-(comment|cdata|script)/.test(u)));
  assert.equal(responseOf(body).baseUrl, 'http://127.0.0.1:8000/base/dir/');
  assert.ok(cases['.related a']!.includes('http://127.0.0.1:8000/base/dir/p?a=1&b=2&c=%3C3'));
  assert.deepEqual(cases['area'], ['http://127.0.0.1:8000/area', 'http://127.0.0.1:8000/area2']);
});

const tag = fc.constantFrom(
  'a',
  'A',
  'div',
  'p',
  'span',
  'ul',
  'li',
  'area',
  'base',
  'table',
  'td',
  'br',
  'script',
);
const html = randomHtml({
  tags: tag,
  attrs: {
    class: fc.constantFrom('x', 'y', 'next', 'x y', 'X', ' next\tx '),
    id: fc.constantFrom('main', 'n1', 'Main'),
    href: fc.constantFrom(
      '/p/1',
      'p/2?x=1&amp;y=2',
      'http://h/a#f',
      '#top',
      '',
      ' /sp ',
      '/b&#47;c',
      'javascript:x',
    ),
    HREF: fc.constantFrom('/upper'),
    'data-k': fc.constantFrom('v', 'w'),
  },
  leaves: [
    'text',
    ' ',
    '<br>',
    '&amp;',
    '<!-- <a href="/c">c</a> -->',
    '<![CDATA[<a href="/d">]]>',
    '</p>',
    '<p>',
  ],
  unclosed: true,
});
const compound = fc
  .tuple(
    fc.constantFrom('', 'a', 'A', 'div', 'p', 'li', 'area', 'td', '*'),
    fc.constantFrom('', '.x', '.next', '.X', '#main', '#Main', '[href]', '[data-k]', '.x.y'),
  )
  .map(([t, rest]) => t + rest)
  .filter((c) => c !== '');
const selector = fc
  .array(fc.tuple(fc.constantFrom(' ', ' > ', '>', ', '), compound), { maxLength: 2 })
  .chain((rest) => compound.map((first) => first + rest.map(([c, x]) => c + x).join('')));

test('on random pages the tokenizer pass follows exactly what the DOM follows, in the same order', () => {
  fc.assert(
    fc.property(fc.array(html, { maxLength: 6 }), selector, (parts, sel) => {
      assert.ok(parseSimpleSelector(sel), `generated selector ${sel} should be simple`);
      assertSame(`<html><head></head><body>${parts.join('')}</body></html>`, sel);
    }),
    { numRuns: 400 },
  );
});

test('on the mini-Tieba site and the bench catalogue, the tokenizer pass follows what the DOM follows', async (t) => {
  const tieba = await startSite({ listPages: 2, latencyMs: 0 });
  t.after(() => tieba.close());
  const shop = await startCatalogueSite({ listPages: 2, latencyMs: 0 });
  t.after(() => shop.close());
  const fetchPage = async (url: string) => ({
    url,
    body: Buffer.from(await (await fetch(url)).arrayBuffer()),
  });
  const list = await fetchPage(tieba.startUrl);
  const threads = responseOf(list.body, list.url)
    .followAll(
      [...responseOf(list.body, list.url).text.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!),
      {
        allow: [/\/p\/\d+$/],
      },
    )
    .slice(0, 3)
    .map((d) => String(d.url));
  const pages = [
    list,
    ...(await Promise.all(threads.map(fetchPage))),
    await fetchPage(shop.startUrl),
    await fetchPage(`${shop.url}/catalogue?page=2`),
    await fetchPage(`${shop.url}/product/1`),
    await fetchPage(`${shop.url}/product/77`),
  ];
  const selectors = [
    'a',
    'a.next',
    'a.product-link',
    '.related a',
    'li a',
    'ul.items > li > a',
    'div a',
    'header a, footer a',
    'h3.core_title_txt',
    '.d_post_content a',
    '#thread_list a',
    'a[href]',
    '*',
  ];
  let followed = 0;
  for (const p of pages)
    for (const sel of selectors) {
      assert.ok(parseSimpleSelector(sel));
      followed += assertSame(p.body, sel, p.url).length;
    }
  assert.ok(threads.length > 0 && followed > 100, `followed ${followed} links over ${pages.length} pages`);
});
