import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSite } from '../../lab/site/index.ts';
import { crawlCli, ROOT, summaryOf } from '../helpers/crawl-cli.ts';
import { sharedRedis } from '../helpers/redis.ts';

// Issue 13: the README's "Write a spider" example yields items when copied as printed
// (only the site's port differs: the test's site listens on a free port, not 8080).

const redis = sharedRedis();

/** The first ```ts block under "## Write a spider" in README.md, as printed. */
function readmeSpider(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Write a spider'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  assert.ok(m, 'README has a ```ts block under "Write a spider"');
  return m[1]!;
}

test('the README spider, copied as printed, crawls the mini-Tieba site and yields one {url, title} per thread', async (t) => {
  const site = await startSite({ port: 0, listPages: 3 });
  t.after(() => site.close());
  const code = readmeSpider();
  assert.ok(code.trim().split('\n').length <= 20, 'at most 20 lines');
  assert.match(code, /127\.0\.0\.1:8080/);
  const dir = mkdtempSync(join(ROOT, '.tmp-readme-spider-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'titles.ts');
  writeFileSync(file, code.replaceAll('127.0.0.1:8080', `127.0.0.1:${site.port}`));
  const out = join(dir, 'titles.jsonl');
  const r = await crawlCli([
    'run',
    file,
    '--seed',
    '--output',
    out,
    '--redis',
    redis.url,
    '--json',
    '--set',
    'logLevel=warn',
  ]).done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(summaryOf(r).reason, 'finished');
  const items = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { url: string; title: string });
  assert.equal(items.length, site.truth.threads.count, 'one item per thread');
  assert.equal(new Set(items.map((i) => i.url)).size, items.length);
  for (const item of items) {
    assert.match(item.url, /\/p\/\d+$/);
    assert.ok(item.title.length > 0);
  }
});
