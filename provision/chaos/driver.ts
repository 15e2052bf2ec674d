import { CrawlError } from '../../crawler/errors.ts';
import { connectAdmin } from '../../crawler/redis-admin.ts';
import { resetCrawl, seedStartUrls } from '../../crawler/scheduler/admin.ts';
import type { Settings } from '../../crawler/settings/defaults.ts';
import { resolveSettings } from '../../crawler/settings/load.ts';
import { type Lab, redisUrlOf, servicesOf } from '../lab.ts';
import {
  crawlWatcher,
  labStartRequest,
  SPIDER,
  startWorker,
  type WorkerRef,
  workersOf,
} from '../lab-crawl.ts';
import type { ServiceState } from '../services.ts';
import type { ItemSink } from '../steps/mongodb.ts';
import { clearLabItems } from './item-store.ts';
import { CHAOS } from './plan.ts';

/**
 * Drives one crawl of the lab for lab:chaos: like lab:crawl, but it records a
 * timeline (one tick a second), lets a scenario add workers or hold the finish
 * while a fault is in progress, and rides out a Redis outage (its admin client
 * reconnects instead of failing the run).
 */

export interface Tick {
  /** ms since the crawl started */
  atMs: number;
  /** pages fetched so far (crawl stats), undefined while Redis does not answer */
  pages: number | undefined;
  queue: number | undefined;
}

export interface DriveHooks {
  /** Called after every tick (never awaited: a fault runs beside the crawl). */
  onTick?: (tick: Tick, elapsedMs: number) => void;
  /** While true, the crawl is not over even if no worker runs (all killed, about to restart). */
  holding?: () => boolean;
  /** Workers started mid-crawl, waited for like the others. */
  extraWorkers?: () => readonly WorkerRef[];
  log: (line: string) => void;
}

export interface DriveResult {
  elapsedMs: number;
  ticks: Tick[];
  /** crawl stats at the end */
  stats: Record<string, number | string>;
  finished: boolean;
  failedRequests: number;
  workers: { id: string; node: string; state: ServiceState }[];
}

export function chaosSettings(): string[] {
  return [`leaseTimeout=${CHAOS.leaseTimeoutS}`];
}

function adminSettings(lab: Lab): Settings {
  return resolveSettings({ env: {}, flags: { redisUrl: redisUrlOf(lab) } }).settings;
}

const extraOf = (lab: Lab): WorkerRef[] =>
  lab.nodes.map((node) => ({ node, id: `${node.name}-extra`, service: CHAOS.extraService }));

const services = (lab: Lab, w: WorkerRef) => servicesOf(lab, lab.provider.transport(w.node));

/** Stop every worker (the lab's and an added one), then reset the crawl state and empty the item store. */
export async function resetLabCrawl(lab: Lab, sink: ItemSink): Promise<void> {
  await Promise.all([...workersOf(lab), ...extraOf(lab)].map((w) => services(lab, w).stop(w.service)));
  const admin = await connectAdmin(redisUrlOf(lab));
  try {
    await resetCrawl(admin, SPIDER, adminSettings(lab));
  } finally {
    admin.disconnect();
  }
  await clearLabItems(lab, sink);
}

/** Seed the start request and start the lab's workers (lab:crawl's start; on resume the seed is a filtered duplicate). */
export async function startLabCrawl(lab: Lab, sink: ItemSink): Promise<void> {
  const admin = await connectAdmin(redisUrlOf(lab));
  try {
    await seedStartUrls(admin, SPIDER, adminSettings(lab), [labStartRequest(lab)]);
  } finally {
    admin.disconnect();
  }
  await Promise.all(workersOf(lab).map((w) => startWorker(lab, w, chaosSettings(), sink)));
}

/** Tick until every worker has stopped by itself (and no fault holds the finish), or the time limit. */
export async function driveCrawl(lab: Lab, hooks: DriveHooks): Promise<DriveResult> {
  const started = Date.now();
  const ticks: Tick[] = [];
  // rides out redis-restart: reads resolve undefined while Redis does not answer
  const watch = crawlWatcher(redisUrlOf(lab), adminSettings(lab));
  const all = () => [...workersOf(lab), ...(hooks.extraWorkers?.() ?? [])];
  const states = () => Promise.all(all().map((w) => services(lab, w).state(w.service)));
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const info = await watch.inspect();
      const now = Date.now() - started;
      const tick: Tick = {
        atMs: now,
        pages: info ? Number(info.stats['response_received_count'] ?? 0) : undefined,
        queue: info?.queueLength,
      };
      ticks.push(tick);
      hooks.onTick?.(tick, now);
      const running = (await states()).some((s) => s.state === 'running');
      if (!running && !(hooks.holding?.() ?? false)) break;
      if (now > CHAOS.crawlTimeoutMs) {
        throw new CrawlError(
          'CRAWL_E_PROVISION',
          `the crawl did not finish within ${CHAOS.crawlTimeoutMs / 1000} s (pages ${tick.pages ?? '?'}, queue ${tick.queue ?? '?'})`,
          { hint: 'look at the workers: npm run lab:status, npm run lab:logs -- <node>' },
        );
      }
    }
    // the workers are done, so Redis answered them a moment ago; give it a few tries all the same
    let final = await watch.inspect();
    for (let i = 0; !final && i < 10; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      final = await watch.inspect();
    }
    const end = await states();
    return {
      elapsedMs: Date.now() - started,
      ticks,
      stats: final?.stats ?? {},
      finished: final?.finished ?? false,
      failedRequests: final?.failed ?? -1,
      workers: all().map((w, i) => ({ id: w.id, node: w.node.name, state: end[i]! })),
    };
  } finally {
    watch.close();
  }
}

/** The worker added mid-crawl by add-worker: a second worker process on `node`. */
export function extraWorker(lab: Lab, nodeName: string): WorkerRef {
  const w = extraOf(lab).find((x) => x.node.name === nodeName);
  if (!w) throw new CrawlError('CRAWL_E_PROVISION', `no node named ${nodeName} in this lab`);
  return w;
}
