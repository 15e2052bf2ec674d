import { STAT, workerStat } from 'crawl-lab';
import type { CrawlInspection } from 'crawl-lab/admin';
import type {
  CrawlStatus,
  DashboardNode,
  HistoryPoint,
  NodeView,
  ServiceStatus,
  Totals,
  WorkerView,
} from './types.ts';

/**
 * Pure pieces of a snapshot: totals and per-worker figures from one
 * inspectCrawl(), pages/s from a short window of earlier polls. No I/O here,
 * so feed.ts stays about timing and errors.
 */

export const EMPTY_TOTALS: Readonly<Totals> = Object.freeze({
  pages: 0,
  items: 0,
  retries: 0,
  errors: 0,
  duplicates: 0,
  fingerprints: 0,
  queue: 0,
  delayed: 0,
  startUrls: 0,
  leases: 0,
  failed: 0,
});

function counter(stats: CrawlInspection['stats'], key: string): number {
  const n = Number(stats[key] ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** The stats keys the engine writes (crawler/engine/request-handler.ts, lua/complete.lua). */
export function totalsOf(info: CrawlInspection): Totals {
  const s = info.stats;
  return {
    pages: counter(s, STAT.pages),
    items: counter(s, STAT.items),
    retries: counter(s, STAT.retries),
    errors: counter(s, STAT.errors),
    duplicates: counter(s, STAT.duplicatesFiltered),
    fingerprints: info.fingerprints,
    queue: info.queueLength,
    delayed: info.delayed,
    startUrls: info.startUrlsWaiting,
    leases: Object.values(info.leasesByWorker).reduce((a, b) => a + b, 0),
    failed: info.failed,
  };
}

export function statusOf(info: CrawlInspection): CrawlStatus {
  if (info.finished) return 'finished';
  return info.seeded ? 'crawling' : 'waiting';
}

/** Page counters per worker id, for the rate window. */
export function workerPages(info: CrawlInspection, nodes: readonly DashboardNode[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of workerIdsOf(info, nodes)) out[id] = counter(info.stats, workerStat(id, STAT.pages));
  return out;
}

/** Workers Redis knows plus those the nodes say they run (listed before they first register). */
function workerIdsOf(info: CrawlInspection, nodes: readonly DashboardNode[]): string[] {
  const ids = new Set(info.workers.map((w) => w.id));
  for (const n of nodes) for (const id of n.workerIds) ids.add(id);
  return [...ids].sort();
}

/** pages/s over the last `size` polls; a counter that goes down (crawl reset) starts the window afresh. */
export class RateWindow {
  #samples: { t: number; counts: Record<string, number> }[] = [];
  constructor(private readonly size: number) {}

  push(t: number, counts: Record<string, number>): void {
    const last = this.#samples.at(-1);
    if (last && Object.entries(counts).some(([id, n]) => n < (last.counts[id] ?? 0))) this.#samples = [];
    this.#samples.push({ t, counts });
    if (this.#samples.length > this.size + 1) this.#samples.shift();
  }

  rate(id: string): number {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (!first || !last || last.t <= first.t) return 0;
    const delta = (last.counts[id] ?? 0) - (first.counts[id] ?? 0);
    return Math.max(0, delta / ((last.t - first.t) / 1000));
  }
}

/** The chart's points: the last `size` polls; a crawl reset (pages going down) clears them. */
export class History {
  #points: HistoryPoint[] = [];
  constructor(private readonly size: number) {}

  push(point: HistoryPoint): void {
    const last = this.#points.at(-1);
    if (last && point.pages < last.pages) this.#points = [];
    this.#points.push(point);
    if (this.#points.length > this.size) this.#points.shift();
  }

  points(): HistoryPoint[] {
    return [...this.#points];
  }
}

export function workerViews(
  info: CrawlInspection,
  nodes: readonly DashboardNode[],
  rates: RateWindow,
): WorkerView[] {
  const nodeOf = new Map<string, string>();
  for (const n of nodes) for (const id of n.workerIds) nodeOf.set(id, n.name);
  const known = new Map(info.workers.map((w) => [w.id, w]));
  return workerIdsOf(info, nodes).map((id) => {
    const alive = known.get(id)?.alive ?? false;
    return {
      id,
      node: nodeOf.get(id) ?? null,
      alive,
      pages: counter(info.stats, workerStat(id, STAT.pages)),
      items: counter(info.stats, `worker/${id}/item_scraped_count`),
      // a worker whose heartbeat is gone fetches nothing, whatever its last seconds were
      rate: alive ? round1(rates.rate(id)) : 0,
      leases: info.leasesByWorker[id] ?? 0,
    };
  });
}

export function nodeViews(
  nodes: readonly DashboardNode[],
  services: readonly (ServiceStatus[] | null)[],
  workers: readonly WorkerView[],
): NodeView[] {
  return nodes.map((n, i) => {
    const mine = workers.filter((w) => w.node === n.name);
    return {
      name: n.name,
      ip: n.ip ?? null,
      role: n.role ?? null,
      reachable: services[i] !== null,
      services: services[i] ?? [],
      pages: mine.reduce((a, w) => a + w.pages, 0),
      rate: round1(mine.reduce((a, w) => a + w.rate, 0)),
    };
  });
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
