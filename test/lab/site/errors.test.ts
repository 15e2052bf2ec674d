import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { isCrawlError } from '../../../common/errors.ts';
import { resolveSiteOptions, SITE_DEFAULTS } from '../../../lab/site/options.ts';
import { startSite } from '../../../lab/site/server.ts';
import { get, listPath } from './support.ts';

test('unknown paths, threads, pages, bars and posts answer 404', async (t) => {
  const site = await startSite({ listPages: 2 });
  t.after(() => site.close());
  const tid = site.truth.threads.tids[0]!;
  const cases = [
    '/',
    '/home/main?id=x',
    '/p/123',
    `/p/${tid}?pn=99`,
    '/f?kw=%E4%B8%8D%E5%AD%98%E5%9C%A8&ie=utf-8&pn=0',
    '/p/totalComment?tid=1&fid=9532&pn=1',
    `/p/comment?tid=${tid}&pid=1&pn=1`,
    `/p/comment?tid=${site.truth.threads.tids[1]}&pid=${site.truthDocuments()[0]!.floors[0]!.postId}&pn=1`,
  ];
  for (const path of cases) assert.equal((await get(site, path)).status, 404, path);
  const bar = await get(site, '/f?kw=%E4%B8%8D%E5%AD%98%E5%9C%A8&ie=utf-8&pn=0');
  assert.match(bar.body, /“不存在”吧不存在/);
});

test('robots.txt allows list and thread pages and disallows /home/', async (t) => {
  const site = await startSite({ listPages: 1 });
  t.after(() => site.close());
  const robots = await get(site, '/robots.txt');
  assert.equal(robots.status, 200);
  assert.match(robots.body, /^User-agent: \*$/m);
  assert.match(robots.body, /^Disallow: \/home\/$/m);
  assert.doesNotMatch(robots.body, /^Disallow: \/(f|p\/)?$/m);
});

test('failFirst makes the first requests of each URL answer 503, then the page', async (t) => {
  const site = await startSite({ listPages: 1, failFirst: 2 });
  t.after(() => site.close());
  const path = listPath(site, 0);
  assert.deepEqual(
    [(await get(site, path)).status, (await get(site, path)).status, (await get(site, path)).status],
    [503, 503, 200],
  );
  assert.equal((await get(site, '/robots.txt')).status, 503, 'counted per URL');
  assert.equal(site.requests(), 4);
});

test('site options are validated with the option, the value and the fix in the message', () => {
  assert.deepEqual(resolveSiteOptions(), { ...SITE_DEFAULTS });
  const cases: [Record<string, unknown>, RegExp, string][] = [
    [{ listPage: 3 }, /unknown site option "listPage"/, 'CRAWL_E_SETTING_UNKNOWN'],
    [
      { listPages: 0 },
      /"listPages" must be an integer from 1 to 2000, got 0 \(number\)/,
      'CRAWL_E_SETTING_INVALID',
    ],
    [
      { threadsPerPage: 'abc' },
      /"threadsPerPage" must be an integer .* got "abc" \(string\)/,
      'CRAWL_E_SETTING_INVALID',
    ],
    [{ markup: '2020' }, /"markup" must be "2024" or "2017", got "2020"/, 'CRAWL_E_SETTING_INVALID'],
    [{ bar: '' }, /"bar" must be a non-empty string/, 'CRAWL_E_SETTING_INVALID'],
    [
      { pinnedThreads: 9, threadsPerPage: 5 },
      /"pinnedThreads" must be at most threadsPerPage \(5\)/,
      'CRAWL_E_SETTING_INVALID',
    ],
  ];
  for (const [input, message, code] of cases) {
    assert.throws(
      () => resolveSiteOptions(input as never),
      (error: unknown) => {
        assert.ok(isCrawlError(error));
        assert.equal(error.code, code);
        assert.match(error.message, message);
        assert.ok(error.hint && error.hint.length > 10, 'a hint tells the fix');
        return true;
      },
    );
  }
  assert.match(
    (() => {
      try {
        resolveSiteOptions({ latencyMs: -1 });
      } catch (error) {
        return isCrawlError(error) ? error.explain() : '';
      }
      return '';
    })(),
    /fix: pass --latency-ms with/,
  );
});

test('the CLI prints the start URL and a truth summary, serves, and exits 0 on SIGTERM', async (t) => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'lab/site/main.ts', '--port', '0', '--list-pages', '2', '--seed', '5'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout });
  const it = lines[Symbol.asyncIterator]();
  const url = String((await it.next()).value);
  const summary = String((await it.next()).value);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/f\?kw=%E8%81%8A%E5%A4%A9&ie=utf-8&pn=0$/);
  assert.match(
    summary,
    /2 list pages, 100 threads, \d+ thread pages, \d+ floors, \d+ sub-comments; a full crawl fetches \d+ URLs/,
  );
  assert.equal((await fetch(url)).status, 200);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});

test('the CLI rejects an unknown flag and a bad value with exit code 2 and a fix', async () => {
  for (const args of [
    ['--list-pagez', '3'],
    ['--markup', '2020'],
  ]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'lab/site/main.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 2, args.join(' '));
    assert.match(stderr, /fix: /);
  }
});
