import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crawlCli } from '../../helpers/crawl-cli.ts';

test('crawl fingerprint prints each URL canonical form and fingerprint, and marks a second spelling as a duplicate (issue 12)', async () => {
  const r = await crawlCli([
    'fingerprint',
    'http://127.0.0.1:8080/f?kw=聊天&ie=utf-8&pn=0',
    'http://127.0.0.1:8080/f?ie=utf-8&pn=0&kw=聊天#top',
  ]).done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /canonical {3}http:\/\/127\.0\.0\.1:8080\/f\?ie=utf-8&kw=%E8%81%8A%E5%A4%A9&pn=0/);
  assert.match(r.stdout, /fingerprint 0074d6599013df6ac07c987ab42a3ff67dd13f32 {2}new/);
  assert.match(r.stdout, /fingerprint 0074d6599013df6ac07c987ab42a3ff67dd13f32 {2}duplicate of #1/);
  assert.match(r.stdout, /2 URL\(s\), 1 distinct fingerprint\(s\)/);
  const help = await crawlCli(['--help']).done;
  assert.match(help.stdout, /crawl fingerprint <url \.\.\.>/);
});

test('crawl fingerprint without a URL exits 2 and shows how to call it', async () => {
  const r = await crawlCli(['fingerprint']).done;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /crawl fingerprint: give one or more URLs/);
  assert.match(r.stderr, /crawl fingerprint 'http/);
});
