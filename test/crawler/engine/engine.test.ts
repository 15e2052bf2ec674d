import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DropItem } from '../../../crawler/errors.ts';
import { request } from '../../../crawler/http/request.ts';
import type { Response } from '../../../crawler/http/response.ts';
import { silentLogger } from '../../../crawler/log.ts';
import { resolveSettings } from '../../../crawler/settings/load.ts';
import { defineSpider, type Spider } from '../../../crawler/spiders/spider.ts';
import { createWorker } from '../../../crawler/worker.ts';
import { startHttp } from '../../helpers/http.ts';

function settingsWith(overrides: string[]) {
  return resolveSettings({
    env: {},
    cwd: tmpdir(),
    overrides: ['redisUrl=memory', 'robotstxtObey=false', 'retryBackoffBase=0.01', ...overrides],
  }).settings;
}

async function crawl(spider: Spider, overrides: string[] = []) {
  const worker = createWorker({ spider, settings: settingsWith(overrides), log: silentLogger });
  return worker.run();
}

test('callbacks by name receive meta and cbKwargs; items and requests can be yielded from async generators', async (t) => {
  const site = await startHttp((req, res) => {
    if (req.url === '/')
      res.writeHead(200, { 'content-type': 'text/html' }).end('<a href="/detail?id=7">d</a>');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":7,"name":"seven"}');
  });
  t.after(() => site.close());
  const seen: unknown[] = [];
  const spider = defineSpider({
    name: 'cb',
    startUrls: [site.url],
    async *parse(response: Response) {
      for (const r of response.followAll('a')) {
        yield request({
          url: r.url,
          callback: 'parseDetail',
          meta: { from: response.url },
          cbKwargs: { n: 1 },
        });
      }
    },
    async *parseDetail(response: Response) {
      seen.push({ meta: response.meta['from'], kw: response.cbKwargs['n'], body: response.json() });
      yield { ok: true };
    },
  });
  const summary = await crawl(spider);
  assert.equal(summary.reason, 'finished');
  assert.deepEqual(seen, [{ meta: site.url, kw: 1, body: { id: 7, name: 'seven' } }]);
  assert.equal(summary.local['item_scraped_count'], 1);
});

test('a 503 is retried through the scheduler and succeeds; a 404 is never retried', async (t) => {
  let flaky = 0;
  const site = await startHttp((req, res) => {
    if (req.url === '/flaky' && ++flaky <= 2) res.writeHead(503).end('busy');
    else if (req.url === '/missing') res.writeHead(404).end('no');
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>ok</h1>');
  });
  t.after(() => site.close());
  const spider = defineSpider({
    name: 'retry',
    startUrls: [`${site.origin}/flaky`, `${site.origin}/missing`],
    *parse(response: Response) {
      yield { url: response.url };
    },
  });
  const summary = await crawl(spider);
  assert.equal(flaky, 3, 'two 503s then a 200');
  assert.equal(site.hits.filter((h) => h === '/missing').length, 1, '404 fetched once');
  assert.equal(summary.local['retry/count'], 2);
  assert.equal(summary.local['item_scraped_count'], 1);
});

test('after the last retry the errback is called with the failure and may yield items', async (t) => {
  const site = await startHttp((_req, res) => res.writeHead(500).end('down'));
  t.after(() => site.close());
  const failures: string[] = [];
  const spider: Spider = defineSpider({
    name: 'errback',
    startUrls: [{ url: site.url, errback: 'onFail' }],
    parse() {},
    *onFail(failure: { code: string; request: { url: string } }) {
      failures.push(failure.code);
      yield { failed: failure.request.url };
    },
  });
  const summary = await crawl(spider, ['retryTimes=1']);
  assert.equal(site.hits.length, 2, 'one try and one retry');
  assert.deepEqual(failures, ['CRAWL_E_HTTP_RETRYABLE']);
  assert.equal(summary.local['item_scraped_count'], 1);
});

test('depthLimit stops following links deeper than the limit', async (t) => {
  const site = await startHttp((req, res) => {
    const n = Number((req.url ?? '/0').slice(1)) || 0;
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<a href="/${n + 1}">next</a>`);
  });
  t.after(() => site.close());
  const spider = defineSpider({
    name: 'depth',
    startUrls: [`${site.origin}/0`],
    *parse(response: Response) {
      yield* response.followAll('a');
    },
  });
  await crawl(spider, ['depthLimit=3']);
  assert.deepEqual(site.hits, ['/0', '/1', '/2', '/3']);
});

test('closespiderPagecount stops the worker with that reason', async (t) => {
  const site = await startHttp((req, res) => {
    const n = Number((req.url ?? '/0').slice(1)) || 0;
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(`<a href="/${n + 1}">a</a><a href="/${n + 2}">b</a>`);
  });
  t.after(() => site.close());
  const spider = defineSpider({
    name: 'close',
    startUrls: [`${site.origin}/0`],
    *parse(response: Response) {
      yield* response.followAll('a');
    },
  });
  const summary = await crawl(spider, ['closespiderPagecount=5', 'concurrentRequests=1']);
  assert.equal(summary.reason, 'closespider_pagecount');
  assert.ok(summary.local['response_received_count']! >= 5);
  assert.ok(site.hits.length < 10);
});

test('pipeline steps run in order, DropItem drops, and --output writes JSON lines with item keys when feedItemKey asks', async (t) => {
  const site = await startHttp((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>x</p>'),
  );
  t.after(() => site.close());
  const dir = mkdtempSync(join(tmpdir(), 'crawl-out-'));
  const order: string[] = [];
  const spider = defineSpider({
    name: 'pipes',
    startUrls: [site.url],
    *parse() {
      yield { n: 1 };
      yield { n: 2, key: 'custom-key' };
      yield { n: 3 };
    },
    pipelines: [
      {
        name: 'tag',
        processItem(item) {
          order.push(`tag${item['n']}`);
          return { ...item, tagged: true };
        },
      },
      {
        name: 'drop-odd-3',
        processItem(item) {
          if (item['n'] === 3) throw new DropItem('three is dropped');
          return item;
        },
      },
    ],
  });
  const out = join(dir, 'items.jsonl');
  const summary = await crawl(spider, [`feedUri=${out}`, 'feedItemKey=true']);
  const lines = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(order, ['tag1', 'tag2', 'tag3']);
  assert.equal(lines.length, 2);
  assert.ok(lines.every((l) => l.tagged === true));
  assert.match(lines[0]._key, /^[0-9a-f]{40}:0$/, 'default key: request fingerprint and position');
  assert.equal(lines[1]._key, 'custom-key');
  assert.equal(summary.local['item_dropped_count'], 1);
});

test('offsite links and redirects to other hosts are dropped', async (t) => {
  const site = await startHttp((req, res) => {
    if (req.url === '/')
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<a href="http://elsewhere.invalid/">x</a><a href="/go">go</a>');
    else res.writeHead(302, { location: 'http://elsewhere.invalid/landing' }).end();
  });
  t.after(() => site.close());
  const spider = defineSpider({
    name: 'offsite',
    startUrls: [site.url],
    allowedDomains: ['127.0.0.1'],
    *parse(response: Response) {
      yield* response.followAll('a');
    },
  });
  const summary = await crawl(spider);
  assert.equal(summary.reason, 'finished');
  assert.equal(summary.local['offsite/filtered'], 1);
  assert.equal(summary.local['request_ignored/CRAWL_E_OFFSITE'], 1, 'the redirect target was refused');
  assert.deepEqual(site.hits, ['/', '/go']);
});

test('keepRunning waits for more start URLs after the crawl is done, and maxIdleTimeBeforeClose ends the wait', async (t) => {
  const site = await startHttp((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>x</h1>'),
  );
  t.after(() => site.close());
  const spider = defineSpider({ name: 'idle', startUrls: [site.url], parse() {} });
  const started = Date.now();
  const summary = await crawl(spider, ['keepRunning=true', 'maxIdleTimeBeforeClose=1']);
  assert.equal(summary.reason, 'idle');
  assert.ok(Date.now() - started >= 1000, 'it stayed up for the idle time');
  assert.equal(summary.local['response_received_count'], 1);
});
