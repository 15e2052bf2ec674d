import { connectAdmin } from 'crawl-lab/admin';
import { hostRedisUrl, type Lab, servicesOf } from '../../provision/lab.ts';
import { signalWorker } from '../chaos/faults.ts';
import { CHAOS, type ScenarioName } from '../chaos/plan.ts';
import type { Scenario } from '../chaos/scenarios.ts';
import type { ItemSink } from '../items/sink.ts';
import type { GroundTruth } from '../runner/truth-check.ts';
import { runScrapyRedisCrawl, SCRAPY_KEYS, type ScrapyCrawlSummary, type ScrapyWorker } from './run.ts';
import { articleTruth } from './truth.ts';

/**
 * lab:chaos against the article's workers (crawl.engine scrapy-redis or
 * both): the same fault at the same point (a fifth of the pages), the same
 * truth, for the scenarios issue 17 names. kill-worker kills the article's
 * worker on worker1 (`kill -9`, left dead); redis-restart is our scenario's
 * own fault (it touches no worker). What a popped request held by the killed
 * worker becomes is the point: its fingerprint is in tieba:dupefilter, so
 * nobody fetches the page again.
 */
export const SCRAPY_CHAOS: readonly ScenarioName[] = ['kill-worker', 'redis-restart'];

export interface ScrapyChaosResult {
  scenario: ScenarioName;
  /** The fault happened (the crawl may end first, or the victim never got work). */
  injected: boolean;
  /** Pages of the article's truth the site never served: lost for good. */
  lostPages: number;
  /** Threads missing from the store. */
  lostThreads: number;
  /** Pages served more than once (list page 1 always is: start URLs are not de-duplicated). */
  fetchedAgain: number;
  storedAgain: number;
  /** From the end of the fault to the next new page on the site; undefined: none came. */
  resumedAfterMs: number | undefined;
  /** Workers still running when the lab stopped them. */
  stillRunning: number;
  summary: ScrapyCrawlSummary;
}

/**
 * A worker's pace in its last LogStats line ("Crawled 12 pages (at 120
 * pages/min)", one a second): 0 while it starts or waits. scrapy-redis
 * workers poll an empty queue only every 5 s, so one can sit idle, holding
 * nothing, while the others crawl.
 */
export function paceByLog(log: string): number {
  const all = [...log.matchAll(/Crawled \d+ pages \(at (\d+) pages\/min\)/g)];
  return Number(all.at(-1)?.[1] ?? 0);
}

const victim = (workers: readonly ScrapyWorker[]) =>
  workers.find((w) => w.node.role === 'worker') ?? workers[0]!;

export async function runScrapyChaos(
  lab: Lab,
  scenario: Scenario,
  o: { truth: GroundTruth; sink: ItemSink; say: (line: string) => void },
): Promise<ScrapyChaosResult> {
  const trigger = Math.ceil(CHAOS.injectAt * articleTruth(o.truth).pages);
  let workers: readonly ScrapyWorker[] = [];
  let running: Promise<void> | undefined;
  let checking = false;
  // requests waiting in the queue while the victim crawls: then its slots are full (between two list
  // pages' batches the queue drains and a worker holds nothing)
  const busy = lab.nodes.length * lab.config.crawl.concurrentRequests;
  const admin = await connectAdmin(await hostRedisUrl(lab), { log: lab.log });
  let over = false;
  let endedAt: number | undefined;
  let pagesAtEnd = 0;
  let lastPages = 0;
  let resumedAfterMs: number | undefined;
  let summary: ScrapyCrawlSummary;
  try {
    summary = await runScrapyRedisCrawl(lab, {
      truth: o.truth,
      sink: o.sink,
      holding: () => running !== undefined && !over,
      onStarted: (w) => {
        workers = w;
      },
      onTick: (tick) => {
        o.say(`${(tick.elapsedMs / 1000).toFixed(0).padStart(4)} s  pages ${tick.pages} (scrapy-redis)`);
        lastPages = tick.pages;
        if (endedAt !== undefined && resumedAfterMs === undefined && tick.pages > pagesAtEnd)
          resumedAfterMs = Date.now() - endedAt;
        if (running || checking || tick.pages < trigger) return;
        // the victim must be at work this second: a worker that starts or waits holds nothing
        const w = victim(workers);
        const t = lab.provider.transport(w.node);
        checking = true;
        void servicesOf(lab, t)
          .log(w.service, 5)
          .then(async (log) => {
            const waiting = paceByLog(log) > 0 ? await admin.zcard(SCRAPY_KEYS.requests) : 0;
            checking = false;
            if (running || waiting < busy) return;
            o.say(`         FAULT ${scenario.name} against scrapy-redis`);
            running = inject(w);
          })
          .catch(() => {
            checking = false;
          });
      },
    });
  } finally {
    await running;
    admin.disconnect();
  }
  function inject(w: ScrapyWorker): Promise<void> {
    return (async () => {
      if (scenario.name === 'kill-worker') {
        o.say(`         kill -9 ${w.id} on ${w.node.name}`);
        await signalWorker(lab.provider.transport(w.node), w.service, 'KILL');
      } else {
        await scenario.inject({ lab, sink: o.sink, say: (l) => o.say(`         ${l}`), addWorker: () => {} });
      }
    })()
      .catch((e: unknown) => o.say(`         injecting the fault failed: ${String(e)}`))
      .finally(() => {
        over = true;
        endedAt = Date.now();
        pagesAtEnd = lastPages;
      });
  }

  const t = summary.truth!;
  return {
    scenario: scenario.name,
    injected: running !== undefined,
    lostPages: t.fetches.notFetched,
    lostThreads: t.store.lost,
    fetchedAgain: t.fetches.twice,
    storedAgain: t.store.duplicated,
    resumedAfterMs,
    stillRunning: summary.stillRunning,
    summary,
  };
}
