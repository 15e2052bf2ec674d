import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { silentLogger } from '../../../crawler/log.ts';
import type { PipelineStep } from '../../../crawler/pipelines/types.ts';
import { seedStartUrls } from '../../../crawler/scheduler/admin.ts';
import { resolveSettings } from '../../../crawler/settings/load.ts';
import tieba from '../../../crawler/spiders/tieba/spider.ts';
import { createWorker } from '../../../crawler/worker.ts';
import type { SiteOptions } from '../../../lab/site/options.ts';
import { startSite } from '../../../lab/site/server.ts';
import type { ThreadDoc } from '../../../lab/site/truth.ts';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';
import { actual, type Doc, expected } from '../../helpers/tieba-truth.ts';

/**
 * A FAKE of the MongoDB sink (named so in every title that uses it; the real
 * sink is tested in tieba-mongo.test.ts): what it does with an item, in memory: upsert by key, `$set`
 * of every other field, a dotted name being a path into the document.
 */
function mergingSink(docs: Map<string, Doc>): PipelineStep {
  return {
    name: 'fake-mongo-merge-in-memory',
    processItem(item, ctx) {
      const doc = docs.get(ctx.key) ?? {};
      docs.set(ctx.key, doc);
      for (const [field, value] of Object.entries(item)) {
        if (field === 'key') continue;
        const path = field.split('.');
        let at = doc;
        for (const p of path.slice(0, -1)) {
          at[p] ??= {};
          at = at[p] as Doc;
        }
        at[path.at(-1)!] = structuredClone(value);
      }
      return item;
    },
  };
}

function settingsWith(redisUrl: string, overrides: string[] = []) {
  return resolveSettings({
    env: {},
    cwd: tmpdir(),
    overrides: [`redisUrl=${redisUrl}`, 'logLevel=error', ...overrides],
  }).settings;
}

async function crawlSite(
  site: Partial<SiteOptions>,
  meta: Record<string, unknown>,
  redis?: TestRedis,
  workers = 1,
) {
  const running = await startSite(site);
  const docs = new Map<string, Doc>();
  const spider = { ...tieba, startUrls: [{ url: running.startUrl, meta }] };
  const redisUrl = redis?.url ?? 'memory';
  if (redis) {
    // as `crawl seed tieba '{"url":...,"meta":...}'` does
    const admin = redis.client();
    await seedStartUrls(admin, 'tieba', settingsWith(redisUrl), [
      JSON.stringify({ url: running.startUrl, meta }),
    ]);
    admin.disconnect();
  }
  const runs = Array.from({ length: workers }, (_, i) =>
    createWorker({
      spider,
      settings: settingsWith(redisUrl, [`workerId=w${i}`]),
      log: silentLogger,
      extraSteps: [mergingSink(docs)],
    }).run(),
  );
  const summaries = await Promise.all(runs);
  return { site: running, docs, summaries };
}

function assertMatchesTruth(docs: Map<string, Doc>, truth: ThreadDoc[], allPages: boolean): void {
  assert.deepEqual([...docs.keys()].sort(), truth.map((d) => String(d.tid)).sort(), 'every thread once');
  for (const doc of truth) assert.deepEqual(actual(docs.get(String(doc.tid))!), expected(doc, allPages));
}

test("a crawl of 3 list pages (2024 markup, first thread pages) merges into exactly the site ground truth, one document per thread (fake: MongoDB's $set merge done in memory)", async (t) => {
  const { site, docs, summaries } = await crawlSite(
    { listPages: 5, threadsPerPage: 20, seed: 11 },
    { maxListPages: 3 },
  );
  t.after(() => site.close());
  assert.equal(summaries[0]!.reason, 'finished');
  const truth = site.truthDocuments().filter((d) => d.listPn < 60);
  assert.ok(
    truth.some((d) => d.pages > 1),
    'some threads have more pages, which this crawl must not fetch',
  );
  assert.ok(
    truth.some((d) => d.isTop),
    'pinned rows are covered',
  );
  assertMatchesTruth(docs, truth, false);
  const floors = truth.flatMap((d) => d.floors.filter((f) => f.page === 1));
  assert.ok(
    floors.some((f) => f.subComments.some((c) => c.to.userId !== f.author.userId)),
    '回复 replies are covered',
  );
  const sample = docs.get(String(truth[0]!.tid))!;
  const floor = Object.values(sample['floors'] as Record<string, Doc>)[0]!;
  assert.equal(typeof floor['ipLocation'], 'string', '2024 floors carry their IP location');
  assert.equal('conent' in floor, false);
});

test("two workers sharing a real Redis crawl 2017 markup with allPages: every thread, floor and sub-comment exactly once (fake: MongoDB's $set merge done in memory)", async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const { site, docs, summaries } = await crawlSite(
    { listPages: 2, threadsPerPage: 15, markup: '2017', seed: 5, maxThreadPages: 3, floorsPerPage: 10 },
    { maxListPages: 2, allPages: true },
    redis,
    2,
  );
  t.after(() => site.close());
  for (const s of summaries) assert.equal(s.reason, 'finished');
  const truth = site.truthDocuments();
  assert.ok(
    truth.some((d) => d.pages > 1),
    'multi-page threads are covered',
  );
  assertMatchesTruth(docs, truth, true);
  const pages = summaries.reduce((n, s) => n + Number(s.local['response_received_count'] ?? 0), 0);
  assert.equal(pages, site.truth.pages.total, 'each page fetched once, none missed');
});

test("floors with more than 10 sub-comments get the rest from /p/comment pages 2.. (fake: MongoDB's $set merge done in memory)", async (t) => {
  const { site, docs } = await crawlSite(
    { listPages: 1, threadsPerPage: 10, seed: 9, maxSubComments: 35 },
    { maxListPages: 1, allPages: true },
  );
  t.after(() => site.close());
  assert.ok(site.truth.pages.commentPages > 0, 'the site has floors with more than 10 sub-comments');
  assertMatchesTruth(docs, site.truthDocuments(), true);
});
