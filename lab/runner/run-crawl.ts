import {
  CrawlError,
  type RunSummary,
  resolveSettings,
  type Settings,
  STAT,
  statValue,
  workerStat,
} from 'crawl-lab';
import { connectAdmin, resetCrawl, seedStartUrls } from 'crawl-lab/admin';
import { hostRedisCa, hostRedisUrl, type Lab, masterOf, servicesOf } from '../../provision/lab.ts';
import type { ServiceState } from '../../provision/services.ts';
import { crawlOf } from '../items/crawls.ts';
import { countItems, type ItemSink, labItemSink } from '../items/sink.ts';
import { startLabItems } from '../items/store.ts';
import { checkDeployedCrawler } from './deployed-crawler.ts';
import { labStartRequest, SPIDER } from './target.ts';
import { checkLabTruth, type GroundTruth, resetHits, type TruthCheck } from './truth-check.ts';
import { crawlWatcher } from './watcher.ts';
import {
  type StartWorkerOptions,
  startWorker,
  stopWorker,
  type WorkerRef,
  workerSummary,
  workersOf,
} from './workers.ts';

/**
 * The one crawl runner: lab:crawl, lab:chaos, the lessons, `npm run demo` and
 * the benchmarks all crawl through it. It stops any workers left running,
 * resets the crawl (unless resuming) and empties the item store, seeds the
 * start request, starts a worker service on every node, ticks once a second
 * (progress; a Redis outage is ridden out), detects the end (every worker has
 * stopped by itself, and no fault holds the finish), and sums up; where the
 * target is the mini-Tieba site the summary carries the truth check: the item
 * store document by document and the site's hit log page by page.
 */

/** Seconds the loop waits for Redis once every worker has stopped, before it gives up. */
const REDIS_GONE_TICKS = 60;
const TICK_MS = 1000;

export interface CrawlTick {
  elapsedMs: number;
  /** Crawl-wide counts; undefined while Redis does not answer. */
  pages: number | undefined;
  items: number | undefined;
  queue: number | undefined;
  fingerprints: number | undefined;
  /** pages and pages per second (over the last tick) per node */
  perNode: Record<string, { pages: number; rate: number }>;
}

export interface RunCrawlOptions {
  /** Keep the crawl's state and items and go on from them (lab:crawl --resume). @default false */
  resume?: boolean;
  /** Worker settings and heap (see workers.ts). */
  worker?: StartWorkerOptions;
  /** The item store. @default labItemSink(lab) (decided once: a MongoDB down mid-run must not switch it) */
  sink?: ItemSink;
  /** Every tick (never awaited: a fault may run beside the crawl). */
  onTick?: (tick: CrawlTick) => void;
  /** Hears "Redis unreachable" / "answers again" lines. @default lab.log */
  onRedisDown?: (line: string) => void;
  /** While true, the crawl is not over even if no worker runs (lab:chaos: all killed, about to restart). */
  holding?: () => boolean;
  /** Workers started mid-crawl (lab:chaos add-worker), waited for like the others. */
  extraWorkers?: () => readonly WorkerRef[];
  /** Workers to stop before the crawl starts, besides the lab's own (left over from an earlier run). */
  alsoStop?: readonly WorkerRef[];
  /** Give up after this long, with the last counts. @default no limit */
  timeoutMs?: number;
  /** Aborted (lab:chaos on Ctrl-C): the loop stops at its next tick with CRAWL_E_INTERRUPTED, workers left running. */
  signal?: AbortSignal;
  /** The ground truth the crawl is checked against (lab:chaos computes it once). @default labGroundTruth(lab) */
  truth?: GroundTruth;
}

export interface WorkerResult {
  id: string;
  node: string;
  /** Its exit code, or 'running' / 'stopped' (killed, or stopped by a signal without an exit file). */
  exit: number | 'running' | 'stopped';
  state: ServiceState;
  /** What it printed last (`--json`): its own counts, CPU and memory; undefined when it printed none. */
  summary: RunSummary | undefined;
}

export interface CrawlSummary {
  elapsedMs: number;
  pages: number;
  items: number;
  duplicatesFiltered: number;
  /** Requests that failed after their last retry, and errors of any kind (crawl stats). */
  failedRequests: number;
  errors: number;
  /** Pages fetched per node. */
  perNode: Record<string, number>;
  workers: WorkerResult[];
  /** Every tick, in order (lab:chaos measures recovery on them). */
  ticks: CrawlTick[];
  /** The crawl's stats at the end. */
  stats: Record<string, number | string>;
  /** The crawl state in Redis says finished (queue, retries, start URLs and leases empty). */
  finished: boolean;
  /** Pages a complete crawl of the mini site fetches, when that is the target. */
  expectedPages: number | undefined;
  /**
   * The truth check, when the target is the mini site: the item store document
   * by document and the site's hit log page by page (truth-check.ts).
   */
  truth: TruthCheck | undefined;
  /** The crawl's id (lab/items/crawls.ts): its items are items/<id>.jsonl on the nodes; npm run lab:items gathers them. */
  crawlId: string;
  itemSink: string;
  sink: ItemSink;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Settings to read the crawl with (key names, queue class): the crawler's
 * defaults plus the lab's Redis, and with redis.tls the lab CA on this host.
 */
export function adminSettings(redisUrl: string, redisCa?: string): Settings {
  return resolveSettings({ env: {}, flags: { redisUrl, ...(redisCa ? { redisCa } : {}) } }).settings;
}

export async function runCrawl(lab: Lab, o: RunCrawlOptions = {}): Promise<CrawlSummary> {
  const master = masterOf(lab);
  // the network guard first: Redis admin and /__truth dial the master from this host
  const redisUrl = await hostRedisUrl(lab);
  const settings = adminSettings(redisUrl, hostRedisCa(lab));
  const spider = o.worker?.spider ?? SPIDER;
  const workers = workersOf(lab);
  const all = () => [...workers, ...(o.extraWorkers?.() ?? [])];
  const sink = o.sink ?? (await labItemSink(lab));
  const checked = lab.config.crawl.target === 'mini-tieba';
  // after lab:down && lab:up the master's Redis may still be reading its dataset: waited for, said
  const admin = await connectAdmin(redisUrl, { log: lab.log, ca: settings.redisCa });
  let watch: ReturnType<typeof crawlWatcher> | undefined;
  try {
    // workers started from another build than this checkout's would exit at once on every node
    await checkDeployedCrawler(
      lab,
      workers.map((w) => w.node),
    );
    await Promise.all([...workers, ...(o.alsoStop ?? [])].map((w) => stopWorker(lab, w)));
    if (!o.resume) {
      await resetCrawl(admin, spider, settings);
      await startLabItems(lab, sink);
      // the site counts this crawl's fetches from zero (a resumed crawl goes on counting)
      if (checked) await resetHits(lab);
    }
    const crawl = crawlOf(lab.stateDir).id;
    // on resume the seed is a filtered duplicate
    await seedStartUrls(admin, spider, settings, [labStartRequest(lab)]);
    const started = Date.now();
    await Promise.all(workers.map((w) => startWorker(lab, w, sink, o.worker)));
    const say = o.onRedisDown ?? lab.log;
    watch = crawlWatcher(
      redisUrl,
      settings,
      {
        onDown: (why) =>
          say(
            `Redis on ${master.name} is unreachable (${why}): the workers wait and reconnect; progress resumes when it answers`,
          ),
        onUp: (ms) => say(`Redis answers again after ${(ms / 1000).toFixed(0)} s`),
      },
      spider,
    );
    const ticks: CrawlTick[] = [];
    const last: Record<string, number> = {};
    let lastAt = started;
    let states: ServiceState[];
    for (;;) {
      await sleep(TICK_MS);
      // read before the states: a fault that ends (workers restarted) while the states are read
      // must not end the crawl on states taken while its workers were down
      const held = o.holding?.() ?? false;
      const running = all();
      states = await Promise.all(running.map((w) => stateOf(lab, w)));
      const info = await watch.inspect();
      const now = Date.now();
      const perNode: CrawlTick['perNode'] = {};
      if (info) {
        for (const w of running) {
          const pages = statValue(info.stats, workerStat(w.id, STAT.pages));
          const entry = perNode[w.node.name] ?? { pages: 0, rate: 0 };
          perNode[w.node.name] = entry;
          entry.pages += pages;
          entry.rate += (pages - (last[w.id] ?? 0)) / ((now - lastAt) / 1000);
          last[w.id] = pages;
        }
      }
      lastAt = now;
      const tick: CrawlTick = {
        elapsedMs: now - started,
        pages: info ? statValue(info.stats, STAT.pages) : undefined,
        items: info ? statValue(info.stats, STAT.items) : undefined,
        queue: info?.queueLength,
        fingerprints: info?.fingerprints,
        perNode,
      };
      ticks.push(tick);
      o.onTick?.(tick);
      if (states.every((s) => s.state !== 'running') && !held && !(o.holding?.() ?? false)) break;
      if (o.signal?.aborted)
        throw new CrawlError('CRAWL_E_INTERRUPTED', 'the crawl was interrupted (Ctrl-C)', {
          hint: 'the workers may still run: npm run lab:status; a new npm run lab:crawl starts over',
        });
      if (o.timeoutMs !== undefined && tick.elapsedMs > o.timeoutMs)
        throw new CrawlError(
          'CRAWL_E_PROVISION',
          `the crawl did not finish within ${o.timeoutMs / 1000} s (pages ${tick.pages ?? '?'}, queue ${tick.queue ?? '?'})`,
          { hint: 'look at the workers: npm run lab:status, npm run lab:logs -- <node>' },
        );
    }
    // the workers are done, so Redis answered them a moment ago; bounded: with every worker gone
    // nobody brings Redis back for this crawl
    let final = await watch.inspect();
    for (let i = 0; !final && i < REDIS_GONE_TICKS; i++) {
      await sleep(TICK_MS);
      final = await watch.inspect();
    }
    if (!final)
      throw new CrawlError(
        'CRAWL_E_REDIS_UNREACHABLE',
        `every worker has stopped and Redis on ${master.name} has not answered for ${REDIS_GONE_TICKS} s`,
        {
          hint: `is redis-server running on ${master.name}? npm run lab:logs -- ${master.name}; then npm run lab:crawl -- --resume`,
        },
      );
    const stats = final.stats;
    const stat = (name: string) => statValue(stats, name);
    const done = all();
    const perNode: Record<string, number> = {};
    for (const w of done)
      perNode[w.node.name] = (perNode[w.node.name] ?? 0) + stat(workerStat(w.id, STAT.pages));
    const results = await Promise.all(
      done.map(async (w, i): Promise<WorkerResult> => {
        const state = states[i] ?? (await stateOf(lab, w));
        return {
          id: w.id,
          node: w.node.name,
          exit: state.state === 'exited' ? state.code : state.state,
          state,
          summary: await workerSummary(lab, w),
        };
      }),
    );
    const elapsedMs = Date.now() - started;
    const truth = checked ? await checkLabTruth(lab, sink, o.truth) : undefined;
    return {
      elapsedMs,
      pages: stat(STAT.pages),
      items: stat(STAT.items),
      duplicatesFiltered: stat(STAT.duplicatesFiltered),
      failedRequests: final.failed,
      errors: stat(STAT.errors),
      perNode,
      workers: results,
      ticks,
      stats,
      finished: final.finished,
      expectedPages: truth?.fetches.expected,
      truth,
      crawlId: crawl,
      itemSink:
        sink.kind === 'mongodb'
          ? `${sink.where}: ${await countItems(sink)} documents`
          : `items/${crawl}.jsonl in each node's data folder, ${o.resume ? 'appended to (--resume)' : 'a new file for this crawl'} (fallback sink: ${sink.why})`,
      sink,
    };
  } finally {
    admin.disconnect();
    watch?.close();
  }
}

function stateOf(lab: Lab, w: WorkerRef): Promise<ServiceState> {
  return servicesOf(lab, lab.provider.transport(w.node)).state(w.service);
}
