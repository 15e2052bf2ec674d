import { connectAdmin, inspectCrawl, resetCrawl } from 'crawl-lab/admin';
import { CrawlError } from '../../common/errors.ts';
import { hostRedisUrl, type Lab, redisUrlOf, servicesOf } from '../../provision/lab.ts';
import { layoutOf } from '../../provision/layout.ts';
import type { ServiceState } from '../../provision/services.ts';
import { scrapyPaths } from '../../provision/steps/scrapy-venv.ts';
import type { LabNode } from '../../provision/types.ts';
import { signalWorker } from '../chaos/faults.ts';
import { crawlOf } from '../items/crawls.ts';
import { type ItemSink, itemsFileOf, labItemSink } from '../items/sink.ts';
import { readLabItems, startLabItems } from '../items/store.ts';
import { adminSettings } from '../runner/run-crawl.ts';
import { labStartRequest, SPIDER } from '../runner/target.ts';
import {
  type GroundTruth,
  labGroundTruth,
  readHits,
  resetHits,
  type TruthCheck,
} from '../runner/truth-check.ts';
import { stopWorker, workersOf } from '../runner/workers.ts';
import type { HitLog } from '../site/server.ts';
import { checkArticleTruth } from './truth.ts';
import { type NodeUsage, scrapyUsage } from './usage.ts';

/**
 * lab:crawl with crawl.engine scrapy-redis: the article's own workers
 * (tieba_spider.py, Scrapy + scrapy-redis) on every node, seeded the
 * scrapy-redis way (LPUSH tieba:start_urls). They never stop by themselves
 * (a RedisSpider waits for more start URLs forever), so the lab stops them
 * once the site's hit log has shown no new page for SCRAPY_IDLE_STOP_S, and
 * the summary says so. Then the same truth check as ours, narrowed to what
 * the article's spider fetches (truth.ts).
 */

/** Seconds without a new page on the site before the lab stops the article's workers. @default 10 */
export const SCRAPY_IDLE_STOP_S = 10;
/** Seconds the workers may take to fetch their first page (Python and Twisted start slowly on a busy host). @default 180 */
export const SCRAPY_FIRST_PAGE_S = 180;
/** Seconds a stopping article worker may take to finish its requests in flight (Scrapy's graceful shutdown). @default 15 */
export const SCRAPY_STOP_S = 15;
/** scrapy-redis's keys for spider `tieba` (rmax/scrapy-redis defaults.py). */
export const SCRAPY_KEYS = {
  startUrls: `${SPIDER}:start_urls`,
  requests: `${SPIDER}:requests`,
  dupefilter: `${SPIDER}:dupefilter`,
} as const;

/** One article worker: a service `scrapy-1` on every node. */
export interface ScrapyWorker {
  node: LabNode;
  id: string;
  service: string;
}

export function scrapyWorkersOf(lab: Lab): ScrapyWorker[] {
  return lab.nodes.map((node) => ({ node, id: `${node.name}-scrapy`, service: 'scrapy-1' }));
}

export interface ScrapyTick {
  elapsedMs: number;
  /** Forum pages the site has served so far (its hit log). */
  pages: number;
  /** Seconds since the last new page. */
  idleS: number;
}

export interface ScrapyCrawlSummary {
  engine: 'scrapy-redis';
  /** From the start of the workers to the last new page (the idle wait left out). */
  elapsedMs: number;
  pages: number;
  pagesPerS: number;
  /** How the crawl ended: the lab stopped workers that were still running, after this idle time. */
  stoppedAfterIdleS: number;
  /** Workers still running when the lab stopped them (all of them: they never stop alone). */
  stillRunning: number;
  /**
   * --resume: requests waiting (tieba:requests) and start URLs left when it
   * began, and the pages the site had served before; `pages` counts both runs.
   */
  resumed?: { requests: number; startUrls: number; pagesBefore: number };
  workers: { id: string; node: string; state: ServiceState }[];
  usage: Record<string, NodeUsage>;
  cpuMs: number;
  maxRssMb: number;
  /** SCARD and MEMORY USAGE (SAMPLES 0) of tieba:dupefilter at the end. */
  fingerprints: number;
  fingerprintBytes: number;
  truth: TruthCheck | undefined;
  itemSink: string;
}

export interface ScrapyCrawlOptions {
  onTick?: (tick: ScrapyTick) => void;
  /** @default SCRAPY_IDLE_STOP_S */
  idleStopS?: number;
  /** Once every worker has started (lab:chaos kills one mid-crawl from here). */
  onStarted?: (workers: readonly ScrapyWorker[]) => void;
  truth?: GroundTruth;
  sink?: ItemSink;
  /** While true the crawl is not idle, whatever the hit log says (lab:chaos: a fault is on). */
  holding?: () => boolean;
  /**
   * Go on from the last crawl (lab:crawl --resume): SCHEDULER_PERSIST kept its
   * queue and fingerprints in Redis, so nothing is reset (queue, dupefilter,
   * items, the site's hit log) and nothing seeded. @default false
   */
  resume?: boolean;
}

/** scrapy-redis's fingerprint set: its size and MEMORY USAGE (SAMPLES 0: every member counted). */
export async function dupefilterMemory(
  admin: Awaited<ReturnType<typeof connectAdmin>>,
): Promise<{ fingerprints: number; fingerprintBytes: number }> {
  const type = await admin.type(SCRAPY_KEYS.dupefilter);
  const fingerprints = type === 'set' ? await admin.scard(SCRAPY_KEYS.dupefilter) : 0;
  const bytes = await admin.call('MEMORY', 'USAGE', SCRAPY_KEYS.dupefilter, 'SAMPLES', '0');
  return { fingerprints, fingerprintBytes: Number(bytes ?? 0) };
}

/**
 * Our crawl's fingerprints and their memory, as `crawl inspect` measures them
 * (bucketed keys tieba:dupefilter:<n>, MEMORY USAGE of a sample scaled up), read after it.
 */
export async function oursFingerprintMemory(
  lab: Lab,
): Promise<{ fingerprints: number; fingerprintBytes: number }> {
  const url = await hostRedisUrl(lab);
  const admin = await connectAdmin(url, { log: lab.log });
  try {
    const info = await inspectCrawl(admin, SPIDER, adminSettings(url));
    return { fingerprints: info.fingerprints, fingerprintBytes: info.fingerprintBytes };
  } finally {
    admin.disconnect();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const forumPages = (h: HitLog) => Object.values(h.pages).reduce((a, b) => a + b, 0);

/** The command line and environment of one article worker (the secrets through the environment). */
export function scrapyLaunch(
  lab: Lab,
  w: ScrapyWorker,
  sink: ItemSink,
): { argv: string[]; env: Record<string, string> } {
  const t = lab.provider.transport(w.node);
  const p = scrapyPaths(layoutOf(t));
  const out = sink.kind === 'mongodb' ? [] : ['-o', `${itemsFileOf(t, crawlOf(lab.stateDir).id)}:jsonlines`];
  const mongo: Record<string, string> =
    sink.kind === 'mongodb'
      ? { MONGO_URI: sink.uri, MONGO_DATABASE: sink.database, MONGO_COLLECTION: sink.collection }
      : {};
  return {
    argv: [p.scrapy, 'runspider', p.spider, ...out],
    env: {
      REDIS_URL: redisUrlOf(lab),
      CONCURRENT_REQUESTS: String(lab.config.crawl.concurrentRequests),
      ...mongo,
    },
  };
}

export async function startScrapyWorker(lab: Lab, w: ScrapyWorker, sink: ItemSink): Promise<void> {
  const { argv, env } = scrapyLaunch(lab, w, sink);
  await servicesOf(lab, lab.provider.transport(w.node)).start(w.service, argv, env);
}

/**
 * Stop one article worker the way Scrapy stops cleanly: SIGTERM to scrapy
 * itself, which finishes its requests in flight (their new requests still go
 * to tieba:requests, kept by SCHEDULER_PERSIST), then the service. The
 * service's own stop signals its `sh` supervisor's group, and the supervisor
 * ends at once and takes scrapy with it: a kill, losing what it held.
 */
export async function stopScrapyWorker(lab: Lab, w: ScrapyWorker): Promise<void> {
  const t = lab.provider.transport(w.node);
  const services = servicesOf(lab, t);
  if ((await services.state(w.service)).state === 'running') {
    // no worker process (it is just ending) or no pidfile (a systemd unit): the service stop does it
    await signalWorker(t, w.service, 'TERM').catch(() => {});
    for (let i = 0; i < SCRAPY_STOP_S * 2 && (await services.state(w.service)).state === 'running'; i++)
      await sleep(500);
  }
  await services.stop(w.service);
}

export async function runScrapyRedisCrawl(lab: Lab, o: ScrapyCrawlOptions = {}): Promise<ScrapyCrawlSummary> {
  const redisUrl = await hostRedisUrl(lab);
  // a connection for the start and another for the end: a fault between (lab:chaos redis-restart)
  // closes the first for good
  let admin = await connectAdmin(redisUrl, { log: lab.log });
  const workers = scrapyWorkersOf(lab);
  const idleStopS = o.idleStopS ?? SCRAPY_IDLE_STOP_S;
  const checked = lab.config.crawl.target === 'mini-tieba';
  try {
    // neither engine's workers may still run: both use the tieba:* keys
    await Promise.all([
      ...workersOf(lab).map((w) => stopWorker(lab, w)),
      ...workers.map((w) => stopScrapyWorker(lab, w)),
    ]);
    const sink = o.sink ?? (await labItemSink(lab));
    let resumed: ScrapyCrawlSummary['resumed'];
    if (o.resume) {
      resumed = {
        requests: await admin.zcard(SCRAPY_KEYS.requests),
        startUrls: await admin.llen(SCRAPY_KEYS.startUrls),
        pagesBefore: checked ? forumPages(await readHits(lab)) : 0,
      };
    } else {
      await resetCrawl(admin, SPIDER, adminSettings(redisUrl));
      await startLabItems(lab, sink);
      if (checked) await resetHits(lab);
      const { url } = JSON.parse(labStartRequest(lab)) as { url: string };
      // the scrapy-redis way: a JSON message on <spider>:start_urls (a plain URL is deprecated in 0.9)
      await admin.lpush(SCRAPY_KEYS.startUrls, JSON.stringify({ url }));
    }
    admin.disconnect();
    const started = Date.now();
    // a resume with nothing waiting has nothing to do: no worker starts (they would wait forever)
    const work = resumed === undefined || resumed.requests + resumed.startUrls > 0;
    if (work) await Promise.all(workers.map((w) => startScrapyWorker(lab, w, sink)));
    o.onStarted?.(workers);
    const before = resumed?.pagesBefore ?? 0;
    let pages = before;
    let lastNewAt = started;
    while (work) {
      await sleep(1000);
      const now = Date.now();
      const seen = forumPages(await readHits(lab));
      if (seen !== pages || o.holding?.()) lastNewAt = now;
      pages = seen;
      const idleS = (now - lastNewAt) / 1000;
      o.onTick?.({ elapsedMs: now - started, pages, idleS });
      // idle only counts once this run's workers served a page: Python starts slowly on a busy host
      if (pages > before && idleS >= idleStopS) break;
      if (pages === before && idleS >= SCRAPY_FIRST_PAGE_S)
        throw new CrawlError(
          'CRAWL_E_PROVISION',
          `the article's workers fetched no page in ${SCRAPY_FIRST_PAGE_S} s`,
          { hint: 'see their logs: npm run lab:logs -- <node> scrapy-1' },
        );
    }
    // measured while they still run: they never stop by themselves
    const usage: Record<string, NodeUsage> = {};
    await Promise.all(
      workers.map(async (w) => {
        const t = lab.provider.transport(w.node);
        usage[w.node.name] = await scrapyUsage(t, scrapyPaths(layoutOf(t)).spider);
      }),
    );
    const states = await Promise.all(
      workers.map((w) => servicesOf(lab, lab.provider.transport(w.node)).state(w.service)),
    );
    admin = await connectAdmin(redisUrl, { log: lab.log });
    const { fingerprints, fingerprintBytes } = await dupefilterMemory(admin);
    await Promise.all(workers.map((w) => stopScrapyWorker(lab, w)));
    const elapsedMs = lastNewAt - started;
    let truth: TruthCheck | undefined;
    if (checked) {
      const [store, hits] = await Promise.all([readLabItems(lab, sink), readHits(lab)]);
      truth = checkArticleTruth(store, hits, o.truth ?? (await labGroundTruth(lab)));
    }
    const all = Object.values(usage);
    return {
      engine: 'scrapy-redis',
      elapsedMs,
      pages,
      pagesPerS: elapsedMs > 0 ? pages / (elapsedMs / 1000) : 0,
      stoppedAfterIdleS: idleStopS,
      stillRunning: states.filter((s) => s.state === 'running').length,
      ...(resumed ? { resumed } : {}),
      workers: workers.map((w, i) => ({ id: w.id, node: w.node.name, state: states[i]! })),
      usage,
      cpuMs: all.reduce((a, u) => a + u.cpuMs, 0),
      maxRssMb: Math.max(0, ...all.map((u) => u.maxRssMb)),
      fingerprints,
      fingerprintBytes,
      truth,
      itemSink: sink.kind === 'mongodb' ? sink.where : `JSON lines on each node (fallback sink: ${sink.why})`,
    };
  } finally {
    admin.disconnect();
  }
}
