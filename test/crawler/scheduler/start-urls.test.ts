import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCrawlError } from '../../../crawler/errors.ts';
import { toCrawlRequest } from '../../../crawler/http/request.ts';
import { checkStartEntry, parseStartEntry } from '../../../crawler/scheduler/start-urls.ts';
import { settingsWith } from './cases.ts';

const settings = settingsWith({ urlLengthLimit: 100 });
const reason = (raw: string) => {
  const r = checkStartEntry(raw, settings);
  assert.equal(r.ok, false, `expected ${raw} to be rejected`);
  return r.ok ? '' : r.reason;
};

test('a plain URL becomes a GET request at depth 0 with priority 0', () => {
  const r = parseStartEntry('  http://127.0.0.1/f?kw=x  ', settings);
  assert.equal(r.url, 'http://127.0.0.1/f?kw=x');
  assert.equal(r.method, 'GET');
  assert.equal(r.priority, 0);
  assert.equal(r.depth, 0);
});

test('a JSON entry keeps url, method, body, headers, meta, priority, callback and dontFilter', () => {
  const r = parseStartEntry(
    JSON.stringify({
      url: 'http://127.0.0.1/post',
      method: 'post',
      body: 'a=1',
      headers: { 'X-Test': 'yes' },
      meta: { page: 2 },
      priority: 3,
      callback: 'parseList',
      dontFilter: true,
    }),
    settings,
  );
  assert.equal(r.method, 'POST');
  assert.equal(Buffer.from(r.body!, 'base64').toString(), 'a=1');
  assert.deepEqual(r.headers, { 'x-test': 'yes' });
  assert.deepEqual(r.meta, { page: 2 });
  assert.equal(r.priority, 3);
  assert.equal(r.callback, 'parseList');
  assert.equal(r.dontFilter, true);
});

test('the queue form written by toCrawlRequest is accepted, body base64', () => {
  const original = toCrawlRequest({
    url: 'http://127.0.0.1/x',
    method: 'POST',
    body: 'q=1',
    cbKwargs: { k: 1 },
  });
  const r = parseStartEntry(JSON.stringify(original), settings);
  assert.equal(r.body, original.body);
  assert.deepEqual(r.cbKwargs, { k: 1 });
});

test('unknown keys are rejected instead of silently becoming form data', () => {
  assert.match(reason('{"url":"http://127.0.0.1/f?kw=x","foo":1}'), /unknown key "foo".*body/);
});

test('non-http schemes, relative and over-long URLs, bad JSON and bad field types are rejected with a reason', () => {
  assert.match(reason('ftp://127.0.0.1/file'), /scheme "ftp"/);
  assert.match(reason('/relative/path'), /not an absolute URL/);
  assert.match(reason(`http://127.0.0.1/${'a'.repeat(100)}`), /over urlLengthLimit \(100\)/);
  assert.match(reason('{"url": "http://127.0.0.1/",'), /not valid JSON/);
  assert.match(reason('["http://127.0.0.1/"]'), /must be an object/);
  assert.match(reason('{"method":"GET"}'), /"url" is missing/);
  assert.match(reason('{"url":"http://127.0.0.1/","priority":1.5}'), /"priority" must be an integer/);
  assert.match(reason('{"url":"http://127.0.0.1/","meta":[1]}'), /"meta" must be an object/);
  assert.match(
    reason('{"url":"http://127.0.0.1/","dontFilter":"yes"}'),
    /"dontFilter" must be true or false/,
  );
  assert.match(reason(''), /empty/);
});

test('parseStartEntry throws a CrawlError with code CRAWL_E_START_URL', () => {
  assert.throws(
    () => parseStartEntry('mailto:someone@127.0.0.1', settings),
    (e: unknown) => isCrawlError(e) && e.code === 'CRAWL_E_START_URL',
  );
});
