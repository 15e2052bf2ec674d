import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from 'cheerio/slim';
import fc from 'fast-check';
import { parseDocument } from 'htmlparser2';
import { selectAll, withCompiledSelectors } from '../../../crawler/http/select.ts';
import { randomHtml } from '../../helpers/random-html.ts';

// Issue 14: `response.$` answers plain selectors from the compiled-selector cache
// and followAll picks links with css-select directly; both must select exactly
// what cheerio selects, in the same order, on any page.

const tag = fc.constantFrom('a', 'div', 'p', 'span', 'ul', 'li', 'h1', 'area', 'A', 'Div');
const cls = fc.constantFrom('x', 'y', 'next', 'product-link', 'x y');
const html = randomHtml({
  tags: tag,
  attrs: {
    class: cls,
    id: fc.constantFrom('main', 'n1', 'n2'),
    href: fc.constantFrom('/p/1', '/p/2?x=1', 'http://h/a', '#top', ''),
    'data-k': fc.constantFrom('v', 'V', 'v w'),
  },
  leaves: ['text', ' ', '<br>', '&amp;'],
});

const simple = fc.oneof(
  tag.map((t) => t.toLowerCase()),
  cls.map((c) => `.${c.split(' ')[0]}`),
  fc.constantFrom('#main', '*', 'a[href]', 'a[href*="p"]', '[data-k~=v]', 'a.next', 'li a', 'A'),
);
const selector = fc
  .tuple(
    simple,
    fc.option(fc.tuple(fc.constantFrom(' ', ' > ', ' + ', ' ~ ', ', '), simple), { nil: undefined }),
  )
  .map(([a, rest]) => (rest ? `${a}${rest[0]}${rest[1]}` : a));

test('response.$ with a plain selector selects what cheerio selects, in the same order', () => {
  fc.assert(
    fc.property(fc.array(html, { maxLength: 6 }), selector, (parts, sel) => {
      const doc = parseDocument(`<html><body>${parts.join('')}</body></html>`, { decodeEntities: true });
      const api = load(doc, { xml: false });
      const fast = withCompiledSelectors(api, doc);
      assert.deepEqual(fast(sel).toArray(), api(sel).toArray());
      assert.equal(fast(sel).text(), api(sel).text());
      assert.deepEqual(fast(sel).end().toArray(), api(sel).end().toArray());
    }),
    { numRuns: 400 },
  );
});

test("followAll's link query through css-select picks what cheerio picks", () => {
  fc.assert(
    fc.property(fc.array(html, { maxLength: 6 }), selector, (parts, sel) => {
      const doc = parseDocument(`<html><body>${parts.join('')}</body></html>`, { decodeEntities: true });
      const query = `:is(${sel}):is(a[href], area[href]), :is(${sel}) a[href]`;
      assert.deepEqual(selectAll(query, doc), load(doc, { xml: false })(query).toArray());
    }),
    { numRuns: 400 },
  );
});

test('the static methods and non-plain selections of the wrapped $ are cheerio’s own', () => {
  const doc = parseDocument('<html><body><ul><li>a</li><li class="x">b</li></ul></body></html>');
  const api = load(doc, { xml: false });
  const $ = withCompiledSelectors(api, doc);
  assert.equal($.html(), api.html());
  assert.equal($('li:first').text(), 'a');
  assert.equal($('li', 'ul').length, 2);
  assert.equal($.root().find('.x').text(), 'b');
  assert.deepEqual($('li.x').end().toArray(), api('li.x').end().toArray());
});
