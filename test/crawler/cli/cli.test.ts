import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crawlCli, spiderFile, twoPageSite } from '../../helpers/crawl-cli.ts';
import { startHttp } from '../../helpers/http.ts';
import { sharedRedis, startRedis } from '../../helpers/redis.ts';

const SPIDER = 'test/fixtures/spiders/graph-spider.ts';
const redis = sharedRedis();

test('crawl --help documents every command and the settings precedence', async () => {
  const r = await crawlCli(['--help']).done;
  assert.equal(r.code, 0);
  for (const word of [
    'crawl run',
    'crawl seed',
    'crawl stats',
    'crawl reset',
    'crawl new',
    'crawl fetch',
    'crawl shell',
    'crawl list',
    '--set NAME=VALUE',
    'Exit codes',
  ]) {
    assert.ok(r.stdout.includes(word), `help mentions ${word}`);
  }
  const s = await crawlCli(['--help', 'settings']).done;
  assert.match(s.stdout, /concurrentRequests = 16 {4}\[CRAWL_CONCURRENT_REQUESTS\]/);
  // issue 13: Scrapy's cookie and referer defaults, and the item key left out of items
  assert.match(s.stdout, /cookiesEnabled = true {4}\[CRAWL_COOKIES_ENABLED\]\n.*workers do not share jars/);
  assert.match(s.stdout, /refererEnabled = true {4}\[CRAWL_REFERER_ENABLED\]/);
  assert.match(s.stdout, /feedItemKey = false {4}\[CRAWL_FEED_ITEM_KEY\]/);
  // issue 13: which timeout covers what
  assert.match(s.stdout, /downloadTimeout[\s\S]*?it also bounds the wait for the headers/);
  assert.match(s.stdout, /downloadHeadersTimeout[\s\S]*?downloadTimeout bounds this wait too/);
  const run = await crawlCli(['run', '--help']).done;
  assert.match(run.stdout, /exits 0 when the whole\s+distributed crawl is finished/);
});

test('issue 12: a misspelled flag prints the "crawl run:" prefix once and suggests the closest flag', async () => {
  const r = await crawlCli(['run', '--outptu', 'x']).done;
  assert.equal(r.code, 2);
  assert.equal(r.stderr.split('crawl run:').length - 1, 1, r.stderr);
  assert.match(r.stderr, /^crawl run: unknown flag --outptu \(did you mean --output\?\)$/m);
  const stats = await crawlCli(['stats', 'tieba', '--jsn']).done;
  assert.equal(stats.code, 2);
  assert.match(stats.stderr, /^crawl stats: unknown flag --jsn \(did you mean --json\?\)$/m);
});

test("issue 12: `crawl crawl tieba` (Scrapy's command name) suggests `crawl run tieba`", async () => {
  const r = await crawlCli(['crawl', 'tieba']).done;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command "crawl" \(did you mean `crawl run tieba`\?\)/);
  const typo = await crawlCli(['stast', 'tieba']).done;
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /did you mean `crawl stats tieba`\?/);
});

test('an unknown setting stops the worker with exit 2 and a did-you-mean fix', async () => {
  const r = await crawlCli(['run', SPIDER, '--redis', redis.url, '--set', 'concurentRequests=4']).done;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown setting "concurentRequests"/);
  assert.match(r.stderr, /did you mean "concurrentRequests"/);
});

test('an invalid value names the setting, the value and the allowed range', async () => {
  const r = await crawlCli(['run', SPIDER, '--redis', redis.url, '--set', 'concurrentRequests=0']).done;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /setting "concurrentRequests" got "0"/);
  assert.match(r.stderr, /from 1 to 1024/);
});

test('a missing spider says which spiders exist', async () => {
  const r = await crawlCli(['run', 'no-such-spider', '--redis', redis.url]).done;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no bundled spider named "no-such-spider"/);
  assert.match(r.stderr, /tieba/);
});

test('crawl seed pushes good entries, lists bad ones, and never pushes a bad one', async () => {
  const r = await crawlCli([
    'seed',
    SPIDER,
    'http://127.0.0.1:9/a',
    '{"url":"http://127.0.0.1:9/b","priority":3}',
    'ftp://x/y',
    '{"nourl":1}',
    '{broken',
    '--redis',
    redis.url,
    '--set',
    'redisKeyPrefix=cli1',
  ]).done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pushed 2 start URL/);
  assert.equal((r.stdout.match(/rejected/g) ?? []).length, 3);
  assert.equal(await redis.admin.llen('cli1:start_urls'), 2);
});

test('crawl seed onto a key of the wrong Redis type explains the fix', async () => {
  await redis.admin.set('cli2:start_urls', 'oops');
  const r = await crawlCli([
    'seed',
    SPIDER,
    'http://127.0.0.1:9/a',
    '--redis',
    redis.url,
    '--set',
    'redisKeyPrefix=cli2',
  ]).done;
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /cli2:start_urls/);
  assert.match(r.stderr, /string/i);
});

test('crawl stats and crawl reset work on a bare spider name', async () => {
  await redis.admin.hset('statsdemo:stats', 'response_received_count', '7');
  await redis.admin.rpush('statsdemo:start_urls', 'http://127.0.0.1:9/');
  const s = await crawlCli(['stats', 'statsdemo', '--redis', redis.url, '--json']).done;
  assert.equal(s.code, 0, s.stderr);
  assert.equal(Number(JSON.parse(s.stdout).stats.response_received_count), 7);
  const r = await crawlCli(['reset', 'statsdemo', '--redis', redis.url]).done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /deleted [1-9]\d* Redis key/);
  assert.equal(await redis.admin.exists('statsdemo:stats', 'statsdemo:start_urls'), 0);
});

test('a Redis password never appears in logs or the summary', async (t) => {
  const secured = await startRedis(['--requirepass', 's3cretPass']);
  t.after(() => secured.stop());
  const url = `redis://:s3cretPass@127.0.0.1:${secured.port}/0`;
  const r = await crawlCli([
    'run',
    SPIDER,
    '--redis',
    url,
    '--set',
    'closespiderTimeout=1',
    '--set',
    'logLevel=debug',
  ]).done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /closespider_timeout/);
  assert.match(r.stderr, /redis:\/\/:\*\*\*@127\.0\.0\.1/, 'the URL is shown with the password masked');
  assert.ok(!r.stderr.includes('s3cretPass') && !r.stdout.includes('s3cretPass'));
});

test('seed, stats and reset fail fast with an explanation when Redis is not there', async () => {
  const r = await crawlCli(['stats', 'tieba', '--redis', 'redis://127.0.0.1:1/0']).done;
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot use Redis at redis:\/\/127\.0\.0\.1:1\/0/);
  assert.match(r.stderr, /fix: nothing listens at/);
});

test('a wrong Redis password is explained', async (t) => {
  const secured = await startRedis(['--requirepass', 'right']);
  t.after(() => secured.stop());
  const r = await crawlCli([
    'seed',
    SPIDER,
    'http://127.0.0.1:9/',
    '--redis',
    `redis://:wrong@127.0.0.1:${secured.port}/0`,
  ]).done;
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Redis wants a password/);
  assert.ok(!r.stderr.includes(':wrong@'), 'the password is masked');
});

test('issue 13: at logLevel=debug each request logs one line with method, url, status, bytes, ms and worker; none at info', async (t) => {
  const srv = await twoPageSite(t);
  const { spider } = spiderFile(
    t,
    'links.ts',
    `import { defineSpider } from 'crawl-lab';
export default defineSpider({
  name: 'links',
  startUrls: [${JSON.stringify(`${srv.origin}/`)}],
  *parse(response) {
    yield* response.followAll('a');
  },
});
`,
  );
  const args = (level: string) => [
    'run',
    spider,
    '--redis',
    'memory',
    '--worker-id',
    'w7',
    '--set',
    `logLevel=${level}`,
    '--set',
    'robotstxtObey=false',
  ];
  const debug = await crawlCli(args('debug')).done;
  assert.equal(debug.code, 0, debug.stderr);
  const lines = `${debug.stdout}${debug.stderr}`.split('\n').filter((l) => / fetched /.test(l));
  assert.equal(lines.length, 2, lines.join('\n'));
  for (const [i, path] of ['/', '/1'].entries())
    assert.match(
      lines[i]!,
      new RegExp(
        `DEBUG .*fetched method=GET url=${srv.origin.replace(/\./g, '\\.')}${path} status=200 bytes=\\d+ ms=\\d+ worker=w7$`,
      ),
    );
  const info = await crawlCli(args('info')).done;
  assert.equal(info.code, 0, info.stderr);
  assert.doesNotMatch(`${info.stdout}${info.stderr}`, / fetched /);
});

test('issue 13: crawl --version prints the version of package.json', async () => {
  const r = await crawlCli(['--version']).done;
  assert.equal(r.code, 0, r.stderr);
  const { version } = JSON.parse(
    readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8'),
  ) as {
    version: string;
  };
  assert.equal(r.stdout, `crawl-lab ${version}\n`);
  assert.match((await crawlCli(['--help']).done).stdout, /crawl --version/);
});

test('issue 13: response.$ on a JSON response fails with CRAWL_E_NOT_TEXT, said once as a warning, counted in stats and shown in the summary', async (t) => {
  const srv = await startHttp((_q, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}'),
  );
  t.after(() => srv.close());
  const { spider } = spiderFile(
    t,
    'titles.ts',
    `import { defineSpider } from 'crawl-lab';
export default defineSpider({
  name: 'titles',
  startUrls: [${JSON.stringify(`${srv.origin}/`)}],
  *parse(response) {
    yield { title: response.$('title').text() };
  },
});
`,
  );
  const base = ['run', spider, '--redis', 'memory', '--set', 'robotstxtObey=false'];
  const plain = await crawlCli(base).done;
  assert.equal(plain.code, 0, plain.stderr);
  const out = `${plain.stdout}${plain.stderr}`;
  assert.match(out, /WARN .*code=CRAWL_E_NOT_TEXT .*its content type is application\/json/);
  assert.match(out, /^ {2}ignored {5}: 1 CRAWL_E_NOT_TEXT/m);
  const json = await crawlCli([...base, '--json']).done;
  const summary = JSON.parse(json.stdout.trim().split('\n').at(-1)!) as { local: Record<string, number> };
  assert.equal(summary.local['request_ignored/CRAWL_E_NOT_TEXT'], 1);
  assert.equal(summary.local['item_scraped_count'] ?? 0, 0);
});

test('issue 13: --output appends to the file; --overwrite replaces it (Scrapy -O)', async (t) => {
  const srv = await twoPageSite(t);
  const { dir, spider } = spiderFile(
    t,
    'pages.ts',
    `import { defineSpider } from 'crawl-lab';
export default defineSpider({
  name: 'pages',
  startUrls: [${JSON.stringify(`${srv.origin}/`)}],
  itemKey: (item) => String(item['url']),
  *parse(response) {
    yield { url: response.url };
    yield* response.followAll('a');
  },
});
`,
  );
  const out = join(dir, 'items.jsonl');
  writeFileSync(out, '{"_key":"old","url":"from an earlier run"}\n');
  const base = ['run', spider, '--redis', 'memory', '--set', 'robotstxtObey=false', '--output', out];
  const urls = () =>
    readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { url: string }).url)
      .sort();
  const appended = await crawlCli(base).done;
  assert.equal(appended.code, 0, appended.stderr);
  assert.deepEqual(urls(), ['from an earlier run', `${srv.origin}/`, `${srv.origin}/1`]);
  const replaced = await crawlCli([...base, '--overwrite']).done;
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.deepEqual(urls(), [`${srv.origin}/`, `${srv.origin}/1`]);
  assert.match((await crawlCli(['run', '--help']).done).stdout, /--overwrite {11}replace FILE/);
});
