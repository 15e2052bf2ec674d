import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { ensureDist } from '../../lab/build/dist.ts';
import { runChaos } from '../../lab/chaos/run.ts';
import { scenarioNamed } from '../../lab/chaos/scenarios.ts';
import { compareLines } from '../../lab/commands/chaos.ts';
import { crawl } from '../../lab/commands/crawl.ts';
import { labItemSink } from '../../lab/items/sink.ts';
import { labGroundTruth, readHits } from '../../lab/runner/truth-check.ts';
import { runScrapyChaos } from '../../lab/scrapy-redis/chaos.ts';
import {
  runScrapyRedisCrawl,
  SCRAPY_KEYS,
  type ScrapyCrawlSummary,
  scrapyWorkersOf,
  stopScrapyWorker,
} from '../../lab/scrapy-redis/run.ts';
import { articleTruth } from '../../lab/scrapy-redis/truth.ts';
import { pageName } from '../../lab/site/pages.ts';
import { labUp, openLab } from '../../provision/lab.ts';
import { netnsSkip, tempLab, threeNodeYaml } from '../helpers/netns-lab.ts';

/**
 * Issue 17: crawl.engine scrapy-redis on stand-in hosts. lab:up gives every
 * node the article's workers (a venv with the pinned Scrapy, scrapy-redis,
 * redis, pymongo; tieba_spider.py), the crawl is seeded on tieba:start_urls,
 * the workers never stop by themselves and the lab stops them after the
 * site's hit log is idle; the site served every page the article's spider
 * fetches and MongoDB (yuliao.tieba, through pymongo) holds every thread.
 * A crawl stopped halfway goes on with lab:crawl --resume (kept queue and
 * fingerprints, nothing seeded again). Then crawl.engine both (ours, then
 * theirs, side by side) and the chaos comparison for kill-worker: ours lose
 * nothing; the article's workers lose at least the page the killed one held
 * (the site holds its requests until the kill: lab/scrapy-redis/kill.ts);
 * and redis-restart against theirs (one run: they survive it). The site
 * answers after 300 ms and each worker keeps 2 requests in flight.
 */
const skip = netnsSkip({ mongo: true });

const CONFIG = threeNodeYaml(
  '10.57.22',
  `
crawl: { list_pages: 2, engine: scrapy-redis, concurrent_requests: 2 }
site: { latency_ms: 300 }
`,
);

test('crawl.engine scrapy-redis: lab:up installs the article workers; they crawl every page, never exit, and the lab stops them when the site is idle; both prints them beside ours; kill -9 of one of theirs is compared with ours, which loses nothing', {
  skip,
  timeout: 1_200_000,
}, async (t) => {
  const temp = tempLab(t, { labId: 'srd', yaml: CONFIG });
  const lines: string[] = [];
  const lab = await temp.open((l) => lines.push(l));
  await ensureDist();
  const first = await labUp(lab);
  for (const node of lab.nodes) {
    const venv = first.find((r) => r.node === node.name && r.step === 'scrapy-redis-venv');
    assert.equal(venv?.status, 'changed', `${node.name} got the venv`);
  }

  const ticks: number[] = [];
  const r = await runScrapyRedisCrawl(lab, { idleStopS: 5, onTick: (tk) => ticks.push(tk.pages) });
  const truth = r.truth!;
  assert.equal(truth.store.lost, 0, JSON.stringify(truth.differences));
  assert.equal(truth.store.extra, 0, JSON.stringify(truth.differences));
  assert.equal(truth.fetches.notFetched, 0, JSON.stringify(truth.differences));
  assert.equal(truth.fetches.extra, 0, JSON.stringify(truth.differences));
  assert.match(truth.store.source, /MongoDB/);
  assert.equal(truth.store.found, truth.store.expected);
  // they never stop by themselves: every one still ran when the lab stopped it
  assert.equal(r.stillRunning, lab.nodes.length, JSON.stringify(r.workers));
  assert.ok(r.pages >= truth.fetches.expected);
  assert.ok(
    r.fingerprints > 0 && r.fingerprintBytes > 0,
    `${SCRAPY_KEYS.dupefilter}: ${r.fingerprintBytes} bytes`,
  );
  for (const node of lab.nodes)
    assert.ok((r.usage[node.name]?.processes ?? 0) > 0, `${node.name} ran a worker`);
  assert.ok(!lines.join('\n').includes(lab.secrets.redisPassword), 'the password is never printed');
  t.diagnostic(
    `scrapy-redis: ${r.pages} pages in ${(r.elapsedMs / 1000).toFixed(1)} s, cpu ${r.cpuMs} ms, max rss ${r.maxRssMb} MB, dupefilter ${r.fingerprints} / ${r.fingerprintBytes} B, fetched twice ${truth.fetches.twice}`,
  );

  // a crawl stopped halfway (every worker stopped, as Ctrl-C or lab:down would), then lab:crawl --resume:
  // SCHEDULER_PERSIST kept the queue and the fingerprints; nothing is reset or seeded again
  const half = Math.ceil(articleTruth(await labGroundTruth(lab)).pages / 3);
  let stopping: Promise<unknown> | undefined;
  const stopped = await runScrapyRedisCrawl(lab, {
    idleStopS: 5,
    onTick: (tk) => {
      if (tk.pages >= half)
        stopping ??= Promise.all(scrapyWorkersOf(lab).map((w) => stopScrapyWorker(lab, w)));
    },
  });
  await stopping;
  assert.equal(stopped.truth?.complete, false, 'stopped halfway');
  const out0: string[] = [];
  const open0 = { configPath: temp.configPath, labId: temp.labId, stateDir: temp.stateDir };
  const resumedCode = await crawl({ open: open0, resume: true, json: true, print: (l) => out0.push(l) });
  const resumed = JSON.parse(out0.at(-1)!) as { ok: boolean; scrapyRedis: ScrapyCrawlSummary };
  const rt = resumed.scrapyRedis.truth!;
  t.diagnostic(
    `resume: ${stopped.pages} pages before the stop, ${JSON.stringify(resumed.scrapyRedis.resumed)}, ${resumed.scrapyRedis.pages} in all; lost ${rt.fetches.notFetched} pages, ${rt.store.lost} threads; fetched twice ${rt.fetches.twice}`,
  );
  assert.equal(resumedCode, 0, JSON.stringify(rt.differences));
  assert.ok((resumed.scrapyRedis.resumed?.requests ?? 0) > 0, 'requests waited in tieba:requests');
  assert.equal(resumed.scrapyRedis.resumed?.pagesBefore, stopped.pages);
  assert.ok(resumed.scrapyRedis.pages > stopped.pages, 'the resumed crawl fetched the rest');
  assert.equal(rt.fetches.notFetched, 0, JSON.stringify(rt.differences));
  assert.equal(
    rt.store.lost,
    0,
    'the threads stored before the stop are still there (the store was not emptied)',
  );
  // not seeded again: list page 1 comes once from the seed and at most once from page 2's pager link
  const hitsAfter = await readHits(lab);
  const list1 = pageName.list(0);
  assert.ok((hitsAfter.pages[list1] ?? 0) <= 2, `list page 1: ${hitsAfter.pages[list1]}`);
  for (const [page, n] of Object.entries(hitsAfter.pages))
    if (page !== list1) assert.equal(n, 1, `${page} fetched ${n} times`);

  // lab:up again: the venv and the spider are in place
  const second = await labUp(lab);
  assert.deepEqual(
    second.filter((x) => x.step.startsWith('scrapy-redis') && x.status !== 'ok'),
    [],
  );

  // crawl.engine both: lab:crawl runs ours, then theirs, and prints them side by side
  writeFileSync(temp.configPath, CONFIG.replace('engine: scrapy-redis', 'engine: both'));
  const out: string[] = [];
  const open = { configPath: temp.configPath, labId: temp.labId, stateDir: temp.stateDir };
  const code = await crawl({ open, print: (l) => out.push(l) });
  const text = out.join('\n');
  t.diagnostic(text.slice(text.indexOf('side by side')));
  assert.equal(code, 0, text.slice(-3000));
  assert.match(text, /side by side \(crawl\.engine both\)/);
  assert.match(text, /^crawl-lab +\d+ +[\d.]+ +[\d.]+ +\d+ +\d+ +\d+ +exact$/m);
  assert.match(text, /^scrapy-redis +\d+ .* complete, \d+ fetched or stored again$/m);
  assert.match(text, /the lab stopped 3 still-running workers after the site served no new page for 10 s/);

  // the chaos comparison for kill-worker: the same fault at the same point, for both engines
  const both = await openLab({ ...open, log: () => {} });
  const ground = await labGroundTruth(both);
  const sink = await labItemSink(both);
  const kill = scenarioNamed('kill-worker');
  const say = (l: string) => lines.push(l);
  const ours = await runChaos(both, kill, { truth: ground, sink, say });
  assert.equal(ours.status, 'pass', ours.problems.join('; '));
  assert.equal(ours.store?.lost, 0);
  const theirs = await runScrapyChaos(both, kill, { truth: ground, sink, say });
  t.diagnostic(
    `kill-worker: ours lost ${ours.store?.lost} threads, fetched ${ours.pages - ours.expectedPages} pages again; scrapy-redis lost ${theirs.lostPages} pages and ${theirs.lostThreads} threads, ${theirs.stillRunning} workers still running`,
  );
  t.diagnostic(lines.filter((l) => /FAULT|kill -9|\(scrapy-redis\)$/.test(l)).join('\n'));
  assert.ok(theirs.injected, 'the kill landed mid-crawl');
  assert.equal(theirs.status, 'ok', theirs.problems.join('; '));
  // the site held the victim's requests until the kill: it died holding pages never served, whose
  // fingerprints were in tieba:dupefilter, so nobody fetched them again
  const held = theirs.kill!;
  assert.ok(held.fresh.length >= 1, JSON.stringify(held));
  assert.ok(
    held.fresh.every((p) => held.abandoned.includes(p)),
    JSON.stringify(held),
  );
  assert.ok(
    theirs.lostPages >= held.fresh.length,
    `lost ${theirs.lostPages} pages; held ${JSON.stringify(held)}`,
  );
  assert.ok(theirs.lostThreads >= 1, `lost ${theirs.lostThreads} threads`);
  // ours loses nothing and matches the truth
  assert.equal(ours.store?.extra, 0);
  assert.equal(ours.store?.wrong, 0);
  assert.equal(theirs.stillRunning, lab.nodes.length - 1, 'the others never stop by themselves');

  // redis-restart against theirs (one run; ours is covered by test/lab/chaos/chaos-netns.test.ts):
  // Redis stopped for 10 s mid-crawl; the article's workers log errors and go on, none exits
  const restart = await runScrapyChaos(both, scenarioNamed('redis-restart'), { truth: ground, sink, say });
  const row = compareLines([], [restart]);
  t.diagnostic(
    `redis-restart: scrapy-redis lost ${restart.lostPages} pages and ${restart.lostThreads} threads, fetched ${restart.fetchedAgain} again, resumed after ${restart.resumedAfterMs} ms\n${row.join('\n')}`,
  );
  assert.equal(restart.status, 'ok', restart.problems.join('; '));
  assert.ok(restart.injected);
  assert.equal(restart.stillRunning, lab.nodes.length, 'every worker survived the restart');
  assert.match(
    row[1]!,
    /^redis-restart +– +\d+ pages, \d+ threads \/ \d+ pages \/ (\d+\.\d s|–); 3 workers still running, stopped by the lab$/,
  );

  await lab.provider.destroy(lab.nodes);
  assert.deepEqual(temp.leftovers(), [], 'destroy leaves nothing behind');
});
