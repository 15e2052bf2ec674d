import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalizeUrl, hostAllowed, isHttpUrl } from '../../../crawler/http/url.ts';

// [input, w3lib canonicalize_url output]; most vectors come from w3lib's tests/test_url.py.
const VECTORS: [string, string][] = [
  [
    'HTTP://WWW.Example.COM:80/%7Euser/caf%c3%a9?b=2&a=1&a=0',
    'http://www.example.com:80/~user/caf%C3%A9?a=0&a=1&b=2',
  ],
  [
    'https://tieba.baidu.com/f?kw=%E8%81%8A%E5%A4%A9&ie=utf-8&pn=50',
    'https://tieba.baidu.com/f?ie=utf-8&kw=%E8%81%8A%E5%A4%A9&pn=50',
  ],
  ['http://www.example.com', 'http://www.example.com/'],
  ['http://www.example.com/do?c=1&b=2&a=3', 'http://www.example.com/do?a=3&b=2&c=1'],
  ['http://www.example.com/do?&a=1', 'http://www.example.com/do?a=1'],
  ['http://www.example.com/do?q=a%20space&a=1', 'http://www.example.com/do?a=1&q=a+space'],
  ['http://www.example.com/do?q=a+space&a=1', 'http://www.example.com/do?a=1&q=a+space'],
  ['http://www.example.com/do?q=a space&a=1', 'http://www.example.com/do?a=1&q=a+space'],
  ['http://www.example.com/do?1750,4', 'http://www.example.com/do?1750%2C4='],
  ['http://www.example.com/do?a=1&b=&c', 'http://www.example.com/do?a=1&b=&c='],
  ['http://www.example.com/do?a=1&&b=2&', 'http://www.example.com/do?a=1&b=2'],
  ['http://www.example.com/do?', 'http://www.example.com/do'],
  ['http://www.example.com/do?k=b%a3', 'http://www.example.com/do?k=b%A3'],
  ['http://www.example.com/a%a3do', 'http://www.example.com/a%A3do'],
  ['http://www.example.com/r%c3%a9sum%c3%a9', 'http://www.example.com/r%C3%A9sum%C3%A9'],
  ['http://www.example.com/caf%E9-caf%C3%A9', 'http://www.example.com/caf%E9-caf%C3%A9'],
  ['http://www.example.com/résumé?q=résumé', 'http://www.example.com/r%C3%A9sum%C3%A9?q=r%C3%A9sum%C3%A9'],
  ['http://www.example.com/a do?a=1', 'http://www.example.com/a%20do?a=1'],
  ['http://www.example.com/a %20do?a=1', 'http://www.example.com/a%20%20do?a=1'],
  ['http://foo.com/AC%2FDC+rocks%3f/?yeah=1', 'http://foo.com/AC%2FDC+rocks%3F/?yeah=1'],
  ['http://foo.com/AC%2FDC/', 'http://foo.com/AC%2FDC/'],
  ['http://www.EXAMPLE.com/', 'http://www.example.com/'],
  ['sftp://UsEr:PaSsWoRd@www.EXAMPLE.com/', 'sftp://UsEr:PaSsWoRd@www.example.com/'],
  ['http://user:pass@www.example.com/do?a=1#frag', 'http://user:pass@www.example.com/do?a=1'],
  ['http://www.example.com:8888/do?b=2&a=1', 'http://www.example.com:8888/do?a=1&b=2'],
  ['http://www.example.com:/do?a=1', 'http://www.example.com/do?a=1'],
  ['https://www.example.com:443/', 'https://www.example.com:443/'],
  ['http://www.bücher.de?q=bücher', 'http://www.xn--bcher-kva.de/?q=b%C3%BCcher'],
  ['http://.example.com/résumé?q=résumé', 'http://.example.com/r%C3%A9sum%C3%A9?q=r%C3%A9sum%C3%A9'],
  [
    'http://www.simplybedrooms.com/White-Bedroom-Furniture/Bedroom-Mirror:-Josephine-Cheval-Mirror.html',
    'http://www.simplybedrooms.com/White-Bedroom-Furniture/Bedroom-Mirror:-Josephine-Cheval-Mirror.html',
  ],
  ['http://www.example.com/a|b', 'http://www.example.com/a|b'],
  ['http://www.example.com/%23x', 'http://www.example.com/%23x'],
  ['http://www.example.com/?q=%E2%82%AC&q=%e2%82%ac', 'http://www.example.com/?q=%E2%82%AC&q=%E2%82%AC'],
  ['http://www.example.com/?a=1;b=2', 'http://www.example.com/?a=1&b=2'],
  ['http://www.example.com/?a%3Db=c', 'http://www.example.com/?a%3Db=c'],
  ['http://www.example.com/?a=b=c', 'http://www.example.com/?a=b%3Dc'],
  ["http://www.example.com/?a=~*'()!", 'http://www.example.com/?a=~%2A%27%28%29%21'],
  ['  http://www.example.com/\t\na\r\n  ', 'http://www.example.com/a'],
  ['http://[::1]:8080/x', 'http://[::1]:8080/x'],
];

test('canonicalizeUrl reproduces w3lib canonicalize_url on its test vectors', () => {
  for (const [input, expected] of VECTORS) {
    assert.equal(canonicalizeUrl(input), expected, `input ${JSON.stringify(input)}`);
  }
});

test('canonicalizeUrl keeps ;params of the last path segment without decoding them', () => {
  assert.equal(canonicalizeUrl('http://a.com/x%7e;p%7e?b=1'), 'http://a.com/x~;p%7e?b=1');
  assert.equal(canonicalizeUrl('http://a.com/x;y/z%7e'), 'http://a.com/x;y/z~');
});

test('canonicalizeUrl is, like w3lib, not idempotent for a literal %25 before hex digits', () => {
  const once = canonicalizeUrl('http://a.com/a%2541');
  assert.equal(once, 'http://a.com/a%41');
  assert.equal(canonicalizeUrl(once), 'http://a.com/aA');
});

test('canonicalizeUrl is, like w3lib, not idempotent for an escaped ; that ends the path', () => {
  const once = canonicalizeUrl('http://a.com/x%3b');
  assert.equal(once, 'http://a.com/x;');
  assert.equal(canonicalizeUrl(once), 'http://a.com/x');
});

test('canonicalizeUrl never throws for odd strings', () => {
  for (const odd of [
    '',
    ' ',
    'http://',
    'http:foo',
    '//x',
    '%',
    'http://a/%',
    'http://a/%zz?%=%',
    'http://\u{1F600}.com/',
    'http://a/\uD800',
  ]) {
    assert.equal(typeof canonicalizeUrl(odd), 'string');
  }
});

test('isHttpUrl accepts only absolute http and https URLs', () => {
  assert.equal(isHttpUrl('http://127.0.0.1:8080/'), true);
  assert.equal(isHttpUrl('HTTPS://example.com'), true);
  assert.equal(isHttpUrl(new URL('https://example.com')), true);
  assert.equal(isHttpUrl('ftp://example.com/'), false);
  assert.equal(isHttpUrl('mailto:a@b.c'), false);
  assert.equal(isHttpUrl('/relative'), false);
  assert.equal(isHttpUrl('not a url'), false);
});

test('hostAllowed lets everything through when the list is empty', () => {
  assert.equal(hostAllowed('http://anything.example/', []), true);
});

test('hostAllowed accepts the domain and its subdomains, case-insensitively, any port', () => {
  const allowed = ['Example.com'];
  assert.equal(hostAllowed('http://example.com/', allowed), true);
  assert.equal(hostAllowed('http://WWW.example.COM:8080/x', allowed), true);
  assert.equal(hostAllowed('https://a.b.example.com/', allowed), true);
  assert.equal(hostAllowed(new URL('http://example.com./'), allowed), true);
});

test('hostAllowed rejects look-alike hosts and unparsable URLs', () => {
  const allowed = ['example.com'];
  assert.equal(hostAllowed('http://notexample.com/', allowed), false);
  assert.equal(hostAllowed('http://example.com.evil.org/', allowed), false);
  assert.equal(hostAllowed('http://example.org/', allowed), false);
  assert.equal(hostAllowed('not a url', allowed), false);
});

test('hostAllowed requires the port when the entry names one', () => {
  const allowed = ['127.0.0.1:8080', '[::1]:9000', 'plain.test:80'];
  assert.equal(hostAllowed('http://127.0.0.1:8080/', allowed), true);
  assert.equal(hostAllowed('http://127.0.0.1:8081/', allowed), false);
  assert.equal(hostAllowed('http://127.0.0.1/', allowed), false);
  assert.equal(hostAllowed('http://[::1]:9000/', allowed), true);
  assert.equal(hostAllowed('http://[::1]:9001/', allowed), false);
  // ':80' is the default port of http, which WHATWG leaves out of url.port.
  assert.equal(hostAllowed('http://plain.test/', allowed), true);
  assert.equal(hostAllowed('https://plain.test/', allowed), false);
});

test('hostAllowed matches IDNA domains whichever form the entry uses', () => {
  assert.equal(hostAllowed('http://www.bücher.de/', ['bücher.de']), true);
  assert.equal(hostAllowed('http://www.bücher.de/', ['xn--bcher-kva.de']), true);
});
