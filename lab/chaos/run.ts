import { CrawlError, STAT, statValue } from 'crawl-lab';
import type { Lab } from '../../provision/lab.ts';
import type { ItemSink } from '../items/sink.ts';
import { type GroundTruth, type StoreCheck, storeIsExact } from '../runner/truth-check.ts';
import type { WorkerRef } from '../runner/workers.ts';
import { type DriveResult, driveCrawl } from './driver.ts';
import { type FigureRow, medianRate, recoveryMs } from './figures.ts';
import { CHAOS } from './plan.ts';
import type { Scenario } from './scenarios.ts';

/** One crawl with one fault (or none: the baseline), checked against the ground truth. */
export interface ChaosResult {
  scenario: string;
  status: 'pass' | 'fail' | 'pending';
  /** Why it failed or is pending; empty when it passed. */
  problems: string[];
  expectedPages: number;
  pages: number;
  elapsedMs: number;
  /** Fault start and end, ms since the crawl started. */
  fault?: { startMs: number; endMs: number };
  recoveryMs?: number;
  store?: StoreCheck;
  drive?: DriveResult;
}

export interface ChaosOptions {
  truth: GroundTruth;
  /** The fault-free run: recovery is against its median rate, extra wall time against its wall time. */
  baseline?: ChaosResult;
  /** The lab's item store for every run (decided once: a MongoDB down mid-run must not switch it). */
  sink: ItemSink;
  say: (line: string) => void;
  /** Aborted on Ctrl-C: the crawl stops, the fault in progress and the preparation are undone, then CRAWL_E_INTERRUPTED. */
  signal?: AbortSignal;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function runChaos(
  lab: Lab,
  scenario: Scenario | undefined,
  o: ChaosOptions,
): Promise<ChaosResult> {
  const name = scenario?.name ?? 'baseline';
  const base = { scenario: name, expectedPages: o.truth.pages, pages: 0, elapsedMs: 0 };
  const pending = scenario?.pending?.(lab, o.sink);
  if (pending) return { ...base, status: 'pending', problems: [pending] };
  const extra: WorkerRef[] = [];
  let fault: { startMs: number; endMs: number } | undefined;
  let running: Promise<void> | undefined;
  let faultError: unknown;
  let faultOver = false;
  const trigger = Math.ceil(CHAOS.injectAt * o.truth.pages);
  const indent = (l: string) => o.say(`         ${l}`);
  let undo: (() => Promise<void>) | undefined;
  try {
    undo = await scenario?.prepare?.({ lab, say: indent });
  } catch (e) {
    return { ...base, status: 'fail', problems: [`preparing the fault failed: ${String(e)}`] };
  }
  let undoError: unknown;
  let drive: DriveResult;
  try {
    drive = await driveCrawl(lab, o.sink, {
      truth: o.truth,
      ...(o.signal ? { signal: o.signal } : {}),
      extraWorkers: () => extra,
      holding: () => running !== undefined && !faultOver,
      onTick(tick, elapsed) {
        const rate =
          tick.pages === undefined ? 'Redis not answering' : `pages ${tick.pages}/${o.truth.pages}`;
        o.say(`${(elapsed / 1000).toFixed(0).padStart(4)} s  ${rate}  queue ${tick.queue ?? '?'}`);
        if (!scenario || running || o.signal?.aborted || (tick.pages ?? 0) < trigger) return;
        const startMs = elapsed;
        o.say(`${(elapsed / 1000).toFixed(0).padStart(4)} s  FAULT ${scenario.name}: ${scenario.fault}`);
        const startedAt = Date.now() - elapsed;
        running = scenario
          .inject({ lab, sink: o.sink, say: indent, addWorker: (w) => extra.push(w) })
          .catch((e: unknown) => {
            faultError = e;
          })
          .finally(() => {
            fault = { startMs, endMs: Date.now() - startedAt };
            faultOver = true;
            o.say(`${(fault.endMs / 1000).toFixed(0).padStart(4)} s  fault over`);
          });
      },
    });
  } catch (error) {
    // a crawl that never ends fails this scenario, named, and the next one still runs from a reset crawl
    if (!(error instanceof CrawlError) || error.code === 'CRAWL_E_INTERRUPTED') throw error;
    await running;
    o.say(`${name}: ${error.message}`);
    return { ...base, status: 'fail', problems: [error.message] };
  } finally {
    // whatever happened, the fault is undone before the next scenario (its restore steps run in finally)
    await running;
    await undo?.().catch((e: unknown) => {
      undoError = e;
    });
  }
  const problems: string[] = [];
  if (undoError) problems.push(`undoing the fault's preparation failed: ${String(undoError)}`);
  if (scenario && !fault) problems.push('the crawl ended before the fault could be injected');
  if (faultError) problems.push(`injecting the fault failed: ${String(faultError)}`);
  if (!drive.finished) problems.push('the crawl state in Redis is not finished (queue or leases left)');
  if (drive.failedRequests !== 0) problems.push(`${drive.failedRequests} request(s) failed for good`);
  const killed = new Set(scenario?.killed?.(lab) ?? []);
  for (const w of drive.workers) {
    if (killed.has(w.id)) continue;
    if (w.state.state !== 'exited' || w.state.code !== 0)
      problems.push(
        `worker ${w.id} on ${w.node} ended ${w.state.state === 'exited' ? `with exit ${w.state.code}` : w.state.state}`,
      );
  }
  const pages = statValue(drive.stats, STAT.pages);
  if (pages < o.truth.pages) problems.push(`${pages} pages fetched, the site has ${o.truth.pages}`);
  // the runner checked the store and the site's hit log; pages fetched twice are the price of
  // at-least-once under a fault (a figure, not a failure), a page never fetched is a failure
  const { store, fetches } = drive.truth!;
  const named = (kinds: string[]) =>
    drive
      .truth!.differences.filter((d) => kinds.includes(d.kind))
      .map((d) => `${d.kind}: ${d.what}`)
      .join('; ');
  if (!storeIsExact(store))
    problems.push(
      `the item store does not hold exactly the ground truth: ${store.lost} lost, ${store.duplicated} duplicated, ${store.extra} extra, ${store.wrong} wrong, ${store.unreadable} unreadable (${named(['missing', 'extra', 'duplicated', 'wrong', 'unreadable'])})`,
    );
  if (fetches.notFetched > 0 || fetches.extra > 0)
    problems.push(
      `the site's hit log: ${fetches.notFetched} page(s) never fetched, ${fetches.extra} request(s) beyond the site's pages (${named(['not fetched', 'extra fetch'])})`,
    );
  const threshold = o.baseline?.drive ? CHAOS.recoveredRate * medianRate(o.baseline.drive.timeline) : 0;
  const recovery = fault && threshold > 0 ? recoveryMs(drive.timeline, fault.endMs, threshold) : undefined;
  if (fault)
    o.say(
      `fault ${secs(fault.startMs)} → ${secs(fault.endMs)}; recovered ${recovery === undefined ? '–' : `after ${secs(recovery)}`}`,
    );
  return {
    ...base,
    status: problems.length === 0 ? 'pass' : 'fail',
    problems,
    pages,
    elapsedMs: drive.elapsedMs,
    ...(fault ? { fault } : {}),
    ...(recovery === undefined ? {} : { recoveryMs: recovery }),
    store,
    drive,
  };
}

/** A result as a row of the figures table. */
export function figureRow(r: ChaosResult, baseline: ChaosResult | undefined): FigureRow {
  const ran = r.status !== 'pending';
  let note = r.status === 'pending' ? r.problems.join('; ') : '';
  if (ran && r.fault && r.recoveryMs === undefined && r.scenario !== 'baseline')
    note = 'crawl finished before the rate was measured again';
  if (r.status === 'fail') note = r.problems.join('; ').slice(0, 300);
  return {
    scenario: r.scenario,
    result: r.status === 'pass' ? 'pass' : r.status === 'fail' ? 'FAIL' : 'pending',
    expectedItems: r.store?.expected,
    foundItems: r.store?.found,
    lost: r.store?.lost,
    duplicated: r.store === undefined ? undefined : r.store.duplicated + r.store.extra,
    duplicateFetches: ran ? r.pages - r.expectedPages : undefined,
    recoveryS: r.recoveryMs === undefined ? undefined : r.recoveryMs / 1000,
    extraWallS: ran && baseline && r !== baseline ? (r.elapsedMs - baseline.elapsedMs) / 1000 : undefined,
    note,
  };
}
