import { CrawlError } from 'crawl-lab';
import type { Lab } from '../../provision/lab.ts';
import type { ItemSink } from '../items/sink.ts';
import { type CrawlSummary, type CrawlTick, runCrawl } from '../runner/run-crawl.ts';
import type { GroundTruth } from '../runner/truth-check.ts';
import type { WorkerRef } from '../runner/workers.ts';
import { CHAOS } from './plan.ts';

/**
 * lab:chaos crawls through the lab's one runner (lab/runner/run-crawl.ts) with
 * a short lease timeout, a timeline of ticks, a hold on the finish while a
 * fault is in progress, and workers a scenario adds mid-crawl.
 */

/** One point of the timeline figures.ts measures rates and recovery on. */
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
  /** The ground truth the runner checks the crawl against (computed once for every scenario). */
  truth?: GroundTruth;
  /** Aborted on Ctrl-C: the crawl stops at its next tick (CRAWL_E_INTERRUPTED). */
  signal?: AbortSignal;
}

export type DriveResult = CrawlSummary & { timeline: Tick[] };

export function chaosSettings(): string[] {
  return [`leaseTimeout=${CHAOS.leaseTimeoutS}`];
}

const extraOf = (lab: Lab): WorkerRef[] =>
  lab.nodes.map((node) => ({ node, id: `${node.name}-extra`, service: CHAOS.extraService }));

const toTick = (t: CrawlTick): Tick => ({ atMs: t.elapsedMs, pages: t.pages, queue: t.queue });

/** One chaos crawl from a reset state: the lab's workers (and any a scenario adds), until every one has stopped. */
export async function driveCrawl(lab: Lab, sink: ItemSink, hooks: DriveHooks): Promise<DriveResult> {
  const summary = await runCrawl(lab, {
    sink,
    worker: { settings: chaosSettings() },
    // an extra worker of an earlier scenario must not run into this one
    alsoStop: extraOf(lab),
    timeoutMs: CHAOS.crawlTimeoutMs,
    ...(hooks.holding ? { holding: hooks.holding } : {}),
    ...(hooks.extraWorkers ? { extraWorkers: hooks.extraWorkers } : {}),
    ...(hooks.truth ? { truth: hooks.truth } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onTick: (t) => hooks.onTick?.(toTick(t), t.elapsedMs),
  });
  return { ...summary, timeline: summary.ticks.map(toTick) };
}

/** The worker added mid-crawl by add-worker: a second worker process on `node`. */
export function extraWorker(lab: Lab, nodeName: string): WorkerRef {
  const w = extraOf(lab).find((x) => x.node.name === nodeName);
  if (!w) throw new CrawlError('CRAWL_E_PROVISION', `no node named ${nodeName} in this lab`);
  return w;
}
