import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCrawlRequest } from '../../../crawler/http/request.ts';
import { fingerprint, fingerprintHex } from '../../../crawler/scheduler/fingerprint.ts';

const TIEBA = 'https://tieba.baidu.com/f?kw=%E8%81%8A%E5%A4%A9&ie=utf-8&pn=50';

test('fingerprints match scrapy-redis <= 0.7 (scheme A) for GET without a body', () => {
  assert.equal(fingerprintHex({ method: 'GET', url: TIEBA }), 'cb2742758aa2c59c7edeb8b398c618e00af14222');
  assert.equal(
    fingerprintHex({ method: 'GET', url: 'http://www.example.com' }),
    '818492beabce92630298c5cc9d88fbe69a26be47',
  );
});

test('a request built by toCrawlRequest gets the same fingerprint as the raw URL', () => {
  assert.equal(fingerprintHex(toCrawlRequest({ url: TIEBA })), 'cb2742758aa2c59c7edeb8b398c618e00af14222');
  assert.equal(
    fingerprintHex(toCrawlRequest({ url: 'http://www.example.com' })),
    '818492beabce92630298c5cc9d88fbe69a26be47',
  );
});

test('the raw fingerprint is the 20-byte SHA-1 digest of the hex form', () => {
  const raw = fingerprint({ method: 'GET', url: TIEBA });
  assert.equal(raw.length, 20);
  assert.equal(raw.toString('hex'), fingerprintHex({ method: 'GET', url: TIEBA }));
});

test('query order, case of scheme and host, and method case do not change the fingerprint', () => {
  const a = fingerprintHex({ method: 'get', url: 'HTTP://Example.COM/p?b=2&a=1' });
  const b = fingerprintHex({ method: 'GET', url: 'http://example.com/p?a=1&b=2' });
  assert.equal(a, b);
});

test('method and body change the fingerprint', () => {
  const get = fingerprintHex(toCrawlRequest({ url: TIEBA }));
  const post = fingerprintHex(toCrawlRequest({ url: TIEBA, method: 'POST' }));
  const postA = fingerprintHex(toCrawlRequest({ url: TIEBA, method: 'POST', body: 'a=1' }));
  const postB = fingerprintHex(toCrawlRequest({ url: TIEBA, method: 'POST', body: 'a=2' }));
  assert.equal(new Set([get, post, postA, postB]).size, 4);
});

test('headers, meta, cbKwargs, priority and the fragment do not change the fingerprint', () => {
  const base = fingerprintHex(toCrawlRequest({ url: TIEBA }));
  const dressed = toCrawlRequest({
    url: `${TIEBA}#comments`,
    headers: { 'User-Agent': 'x', Cookie: 'a=b' },
    meta: { depth: 3, page: 'p' },
    cbKwargs: { forum: 'chat' },
    priority: 7,
  });
  assert.equal(fingerprintHex(dressed), base);
});
