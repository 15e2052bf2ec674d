import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crawlCli, ROOT, summaryOf } from '../helpers/crawl-cli.ts';
import { startGraphSite } from '../helpers/graph-site.ts';
import { startRedis } from '../helpers/redis.ts';

/** The spider printed in the README, exactly as printed. */
function readmeSpider(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Write a spider'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, 'README has a ```ts block under "Write a spider"');
  return code;
}

test('the README spider is at most 20 lines and crawls a site: every page with an <h1> gives {url, title}', async (t) => {
  const code = readmeSpider();
  assert.ok(code.trim().split('\n').length <= 20, 'at most 20 lines');
  const dir = join(ROOT, '.cache', 'test-readme');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'titles.ts');
  writeFileSync(file, code);
  const site = await startGraphSite(25);
  const redis = await startRedis();
  t.after(async () => {
    await site.close();
    await redis.stop();
  });
  const out = join(dir, 'titles.jsonl');
  writeFileSync(out, '');
  const seeded = await crawlCli(['seed', file, site.startUrl, '--redis', redis.url]).done;
  assert.equal(seeded.code, 0, seeded.stderr);
  const r = await crawlCli(['run', file, '--redis', redis.url, '--output', out, '--json']).done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(summaryOf(r).reason, 'finished');
  const items = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { url: string; title: string });
  assert.equal(items.length, site.pages);
  const titles = new Set(items.map((i) => i.title));
  for (let i = 0; i < site.pages; i++) assert.ok(titles.has(`Page ${i}`), `Page ${i} found`);
  assert.ok(items.every((i) => i.url.startsWith(site.origin)));
});
