import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { canonicalizeUrl } from '../../../crawler/http/url.ts';

// Path and query text with the characters that make canonicalization interesting:
// reserved marks, spaces, '+', '|', unicode, and percent-escapes in both cases.
// Left out on purpose in paths, because w3lib (and so we) are not idempotent
// for them (see url.test.ts): a bare or escaped '%' (it may meet decoded hex
// digits) and an escaped ';' (decoded, it can turn into an empty ;params).
const pctEscape = fc
  .integer({ min: 0, max: 255 })
  .filter((b) => b !== 0x25 && b !== 0x3b)
  .chain((b) =>
    fc.constantFrom(
      `%${b.toString(16).padStart(2, '0')}`,
      `%${b.toString(16).padStart(2, '0').toUpperCase()}`,
    ),
  );
const plain = fc.constantFrom(
  ...'aZ09-._~!$&\'()*+,;=:@|/ "<>^`{}[]\\'.split(''),
  'é',
  '聊天',
  '\u{1F600}',
  'ß',
);
const pathText = fc.array(fc.oneof(plain, pctEscape), { maxLength: 12 }).map((parts) => parts.join(''));
const queryText = fc
  .array(fc.oneof(plain, pctEscape, fc.constant('%')), { maxLength: 10 })
  .map((parts) => parts.join('').replaceAll('#', ''));
const host = fc.oneof(
  fc.domain(),
  fc.constantFrom('127.0.0.1', '[::1]', 'WWW.Example.COM', 'www.bücher.de', '聊天.example'),
);
const port = fc.option(fc.constantFrom(':80', ':443', ':8080', ':'), { nil: '' });
const scheme = fc.constantFrom('http', 'https', 'HTTP', 'Https');
const pair = fc.tuple(
  fc
    .array(fc.oneof(plain, pctEscape), { minLength: 1, maxLength: 4 })
    .map((p) => p.join('').replace(/[&;=]/g, '')),
  fc.array(fc.oneof(plain, pctEscape), { maxLength: 4 }).map((p) => p.join('').replace(/[&;]/g, '')),
);

const url = fc
  .record({ scheme, host, port, path: pathText, query: fc.option(queryText, { nil: undefined }) })
  .map(
    ({ scheme, host, port, path, query }) =>
      `${scheme}://${host}${port}/${path.replaceAll('?', '')}${query === undefined ? '' : `?${query}`}`,
  );

test('canonicalizing twice gives the same URL as canonicalizing once', () => {
  fc.assert(
    fc.property(url, (u) => {
      const once = canonicalizeUrl(u);
      assert.equal(canonicalizeUrl(once), once);
    }),
    { numRuns: 2000 },
  );
});

test('the order of query parameters does not change the canonical URL', () => {
  fc.assert(
    fc.property(
      fc
        .array(pair, { minLength: 1, maxLength: 6 })
        .chain((pairs) =>
          fc.tuple(fc.constant(pairs), fc.shuffledSubarray(pairs, { minLength: pairs.length })),
        ),
      ([pairs, shuffled]) => {
        const build = (ps: [string, string][]) =>
          `http://example.com/p?${ps.map(([k, v]) => `${k}=${v}&`).join('')}`;
        assert.equal(canonicalizeUrl(build(shuffled)), canonicalizeUrl(build(pairs)));
      },
    ),
    { numRuns: 1000 },
  );
});

test('the fragment never matters', () => {
  fc.assert(
    fc.property(url, fc.string({ unit: 'binary', maxLength: 20 }), (u, fragment) => {
      // Trailing spaces are trimmed only at the very end of the string (w3lib and WHATWG alike).
      fc.pre(!/\s$/.test(u));
      assert.equal(canonicalizeUrl(`${u}#${fragment}`), canonicalizeUrl(u));
    }),
    { numRuns: 1000 },
  );
});

test('every URL the WHATWG parser accepts canonicalizes without throwing', () => {
  fc.assert(
    fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string()), (s) => {
      let valid = true;
      try {
        new URL(s);
      } catch {
        valid = false;
      }
      fc.pre(valid);
      assert.equal(typeof canonicalizeUrl(s), 'string');
    }),
    { numRuns: 1000 },
  );
});
