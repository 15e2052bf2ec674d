import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crawlCli, spiderFile, twoPageSite, waitFor } from '../../helpers/crawl-cli.ts';
import { startHttp } from '../../helpers/http.ts';

/** A two-page site and a spider yielding one item per page (a comma, a quote, a nested object). */
async function setUp(t: import('node:test').TestContext) {
  const srv = await twoPageSite(t);
  const { dir, spider } = spiderFile(
    t,
    'pages.ts',
    `import { defineSpider } from 'crawl-lab';
export default defineSpider({
  name: 'pages',
  startUrls: [${JSON.stringify(`${srv.origin}/`)}],
  customSettings: { concurrentRequests: 1 },
  *parse(response) {
    yield { url: response.url, title: 'a, "quoted" title', tags: { n: 1 } };
    yield* response.followAll('a');
  },
});
`,
  );
  const run = (out: string, ...more: string[]) =>
    crawlCli(['run', spider, '--redis', 'memory', '--set', 'robotstxtObey=false', '--output', out, ...more])
      .done;
  return { srv, dir, run };
}

test('issue 13: --output items.jsonl holds only the fields the spider yielded; feedItemKey=true adds _key', async (t) => {
  const { dir, run } = await setUp(t);
  const out = join(dir, 'items.jsonl');
  const r = await run(out);
  assert.equal(r.code, 0, r.stderr);
  const rows = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(rows.length, 2);
  for (const row of rows) assert.deepEqual(Object.keys(row), ['url', 'title', 'tags']);
  const keyed = await run(out, '--overwrite', '--set', 'feedItemKey=true');
  assert.equal(keyed.code, 0, keyed.stderr);
  const withKey = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  for (const row of withKey) assert.match(row._key, /^[0-9a-f]{40}:0$/);
});

test('issue 13: --output items.json writes one valid JSON array; appending to it is refused', async (t) => {
  const { srv, dir, run } = await setUp(t);
  const out = join(dir, 'items.json');
  const r = await run(out);
  assert.equal(r.code, 0, r.stderr);
  const items = JSON.parse(readFileSync(out, 'utf8')) as { url: string; tags: unknown }[];
  assert.deepEqual(items.map((i) => i.url).sort(), [`${srv.origin}/`, `${srv.origin}/1`]);
  assert.deepEqual(items[0]!.tags, { n: 1 });
  const again = await run(out);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /cannot be appended to a JSON array/);
  assert.match(again.stderr, /--overwrite/);
  const replaced = await run(out, '--overwrite');
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.equal((JSON.parse(readFileSync(out, 'utf8')) as unknown[]).length, 2);
});

test('issue 13: --output items.csv writes a header of the first item fields and quoted rows; appends keep the header', async (t) => {
  const { srv, dir, run } = await setUp(t);
  const out = join(dir, 'items.csv');
  assert.equal((await run(out)).code, 0);
  assert.equal((await run(out)).code, 0);
  const lines = readFileSync(out, 'utf8').split('\r\n').filter(Boolean);
  assert.equal(lines[0], 'url,title,tags');
  assert.equal(lines.length, 5, 'one header, two rows per run');
  assert.ok(lines.includes(`${srv.origin}/1,"a, ""quoted"" title","{""n"":1}"`), lines.join('\n'));
});

test('issue 13: an --output extension that names no format stops the run, naming the value and the fix', async (t) => {
  const { dir, run } = await setUp(t);
  const out = join(dir, 'items.txt');
  const r = await run(out);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /feedUri/);
  assert.match(r.stderr, /items\.txt/);
  assert.match(r.stderr, /\.jsonl, \.jl, \.json, \.csv|\.jsonl.*\.csv/);
});

test('issue 13: a worker stopped by SIGTERM closes its items.json array: the file is valid JSON', async (t) => {
  // an endless site: every page links to the next two
  const srv = await startHttp((q, res) => {
    const n = Number((q.url ?? '/').slice(1)) || 0;
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(`<a href="/${n + 1}">a</a><a href="/${n + 2}">b</a>`);
  });
  t.after(() => srv.close());
  const { dir, spider } = spiderFile(
    t,
    'endless.ts',
    `export default {
  name: 'endless',
  startUrls: [${JSON.stringify(srv.url)}],
  *parse(response) { yield { url: response.url }; yield* response.followAll('a'); },
};
`,
  );
  const out = join(dir, 'items.json');
  const run = crawlCli(['run', spider, '--redis', 'memory', '--set', 'robotstxtObey=false', '--output', out]);
  t.after(() => run.child.kill('SIGKILL'));
  await waitFor(
    () => existsSync(out) && readFileSync(out, 'utf8').split('\n').length > 20,
    60_000,
    'items in the file',
  );
  run.child.kill('SIGTERM');
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  const items = JSON.parse(readFileSync(out, 'utf8')) as { url: string }[];
  assert.ok(items.length >= 20, `${items.length} items`);
});
