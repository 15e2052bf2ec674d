import { connectAdmin } from 'crawl-lab/admin';
import { hostRedisUrl, type Lab, servicesOf } from '../../provision/lab.ts';
import { CHAOS, type ScenarioName } from '../chaos/plan.ts';
import type { Scenario } from '../chaos/scenarios.ts';
import type { ItemSink } from '../items/sink.ts';
import type { GroundTruth } from '../runner/truth-check.ts';
import { type HeldKill, killHoldingWorker } from './kill.ts';
import { runScrapyRedisCrawl, SCRAPY_KEYS, type ScrapyCrawlSummary, type ScrapyWorker } from './run.ts';
import { articleTruth } from './truth.ts';

/**
 * lab:chaos against the article's workers (crawl.engine scrapy-redis or
 * both): the same fault at the same point (a fifth of the pages), the same
 * truth, for the scenarios issue 17 names. kill-worker kills the article's
 * worker on worker1 (`kill -9`, left dead) while it provably holds a request
 * for a page never served (kill.ts); redis-restart is our scenario's own
 * fault (it touches no worker). What a popped request held by the killed
 * worker becomes is the point: its fingerprint is in tieba:dupefilter, so
 * nobody fetches the page again. Their loss is the lesson, not a failure; a
 * run that could not show it (an error, a fault never injected, a kill that
 * found the worker holding nothing) is (scrapyChaosProblems).
 */
export const SCRAPY_CHAOS: readonly ScenarioName[] = ['kill-worker', 'redis-restart'];

export interface ScrapyChaosResult {
  scenario: ScenarioName;
  /** failed: the run could not show what it measures (problems say why); their loss is never a failure. */
  status: 'ok' | 'failed';
  problems: string[];
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
  /** kill-worker: what the killed worker held when it died, by the site's account. */
  kill?: HeldKill;
  /** Absent when the run failed before its end. */
  summary?: ScrapyCrawlSummary;
}

/** Times the kill may find the victim asking for nothing new while held before the run gives up. @default 3 */
export const KILL_ATTEMPTS = 3;

/**
 * Why a run against the article's workers failed to show what it measures;
 * empty when it did. Lost pages and threads are what it shows, not a problem.
 */
export function scrapyChaosProblems(r: Pick<ScrapyChaosResult, 'scenario' | 'injected' | 'kill'>): string[] {
  if (!r.injected)
    return ['the fault was never injected (the crawl ended first, or the victim never got work)'];
  if (r.scenario !== 'kill-worker') return [];
  const k = r.kill;
  if (!k || k.fresh.length === 0) return ['the killed worker held no request for a page never served'];
  const missing = k.fresh.filter((p) => !k.abandoned.includes(p));
  return missing.length > 0
    ? [`the site never saw the killed worker's requests close (${missing.join(', ')}): is it really dead?`]
    : [];
}

/** A run that threw (Redis, the workers' first page never came, the site): failed, naming why. */
export function failedScrapyChaos(scenario: ScenarioName, error: unknown): ScrapyChaosResult {
  const why = error instanceof Error ? error.message : String(error);
  return {
    scenario,
    status: 'failed',
    problems: [`the run failed: ${why}`],
    injected: false,
    lostPages: 0,
    lostThreads: 0,
    fetchedAgain: 0,
    storedAgain: 0,
    resumedAfterMs: undefined,
    stillRunning: 0,
  };
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
  let attempts = 0;
  let kill: HeldKill | undefined;
  // requests waiting in the queue while the victim crawls: then its slots are full (between two list
  // pages' batches the queue drains and a worker holds nothing)
  const busy = lab.nodes.length * lab.config.crawl.concurrentRequests;
  const admin = await connectAdmin(await hostRedisUrl(lab), { log: lab.log });
  let over = false;
  let endedAt: number | undefined;
  let pagesAtEnd = 0;
  let lastPages = 0;
  let resumedAfterMs: number | undefined;
  let faultError: unknown;
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
        if (running || checking || attempts >= KILL_ATTEMPTS || tick.pages < trigger) return;
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
    attempts++;
    const say = (l: string) => o.say(`         ${l}`);
    return (async () => {
      if (scenario.name === 'kill-worker') {
        kill = await killHoldingWorker(lab, w, say);
        if (!kill) {
          // asked for nothing new while held: not killed; a later tick tries again
          running = undefined;
          return;
        }
      } else {
        await scenario.inject({ lab, sink: o.sink, say, addWorker: () => {} });
      }
      over = true;
      endedAt = Date.now();
      pagesAtEnd = lastPages;
    })().catch((e: unknown) => {
      say(`injecting the fault failed: ${String(e)}`);
      faultError = e;
      over = true;
    });
  }

  const t = summary.truth!;
  const injected = endedAt !== undefined && faultError === undefined;
  const problems = [
    ...(faultError === undefined ? [] : [`injecting the fault failed: ${String(faultError)}`]),
    ...scrapyChaosProblems({ scenario: scenario.name, injected, ...(kill ? { kill } : {}) }),
  ];
  return {
    scenario: scenario.name,
    status: problems.length > 0 ? 'failed' : 'ok',
    problems: [...new Set(problems)],
    injected,
    ...(kill ? { kill } : {}),
    lostPages: t.fetches.notFetched,
    lostThreads: t.store.lost,
    fetchedAgain: t.fetches.twice,
    storedAgain: t.store.duplicated,
    resumedAfterMs,
    stillRunning: summary.stillRunning,
    summary,
  };
}
