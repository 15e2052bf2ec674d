import { CrawlError } from '../../common/errors.ts';
import type { Tick } from './driver.ts';

/**
 * Figures from a crawl's timeline (one tick a second, pages fetched so far).
 * Pure, so they are tested without a lab.
 */

/** Window of the page rate, ms: the crawl acknowledges pages in batches, so one second is noisy. */
export const RATE_WINDOW_MS = 2000;

export interface RatePoint {
  /** end of the window, ms since the crawl started */
  atMs: number;
  fromMs: number;
  rate: number;
}

/** Pages per second over sliding windows of about RATE_WINDOW_MS (ticks without Redis are skipped). */
export function rates(ticks: readonly Tick[]): RatePoint[] {
  const known = ticks.filter((t): t is Tick & { pages: number } => t.pages !== undefined);
  const out: RatePoint[] = [];
  let from = 0;
  for (let to = 1; to < known.length; to++) {
    while (from < to - 1 && known[to]!.atMs - known[from + 1]!.atMs >= RATE_WINDOW_MS) from++;
    const a = known[from]!;
    const b = known[to]!;
    if (b.atMs - a.atMs < RATE_WINDOW_MS) continue;
    out.push({ atMs: b.atMs, fromMs: a.atMs, rate: ((b.pages - a.pages) * 1000) / (b.atMs - a.atMs) });
  }
  return out;
}

/** The median window rate while the crawl was busy (windows with any progress). */
export function medianRate(ticks: readonly Tick[]): number {
  const busy = rates(ticks)
    .map((r) => r.rate)
    .filter((r) => r > 0)
    .sort((a, b) => a - b);
  return busy.length === 0 ? 0 : busy[Math.floor(busy.length / 2)]!;
}

/**
 * Time to recover: from the end of the fault to the end of the first window that
 * starts at or after it and reaches `threshold` pages/s. Undefined when the crawl
 * ended first (the others finished the work while the fault lasted).
 */
export function recoveryMs(
  ticks: readonly Tick[],
  faultEndMs: number,
  threshold: number,
): number | undefined {
  const hit = rates(ticks).find((r) => r.fromMs >= faultEndMs && r.rate >= threshold);
  return hit === undefined ? undefined : hit.atMs - faultEndMs;
}

export interface FigureRow {
  scenario: string;
  result: 'pass' | 'FAIL' | 'pending';
  expectedItems: number | undefined;
  foundItems: number | undefined;
  lost: number | undefined;
  duplicated: number | undefined;
  duplicateFetches: number | undefined;
  recoveryS: number | undefined;
  extraWallS: number | undefined;
  note: string;
}

const cell = (v: number | undefined, digits = 0) => (v === undefined ? '–' : v.toFixed(digits));

/** The figures as a Markdown table (docs/chaos.md and the end of `lab:chaos -- all`). */
export function figuresTable(rows: readonly FigureRow[]): string {
  const head =
    '| scenario | result | items expected | items found | lost | duplicated | duplicate fetches | recovery s | extra wall s | note |\n|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map(
    (r) =>
      `| ${r.scenario} | ${r.result} | ${cell(r.expectedItems)} | ${cell(r.foundItems)} | ${cell(r.lost)} | ${cell(r.duplicated)} | ${cell(r.duplicateFetches)} | ${cell(r.recoveryS, 1)} | ${cell(r.extraWallS, 1)} | ${r.note.replaceAll('|', '/')} |`,
  );
  return [head, ...lines].join('\n');
}

export const MARK_START = '<!-- chaos-figures:start (npm run lab:chaos -- all --write-docs) -->';
export const MARK_END = '<!-- chaos-figures:end -->';

/** Replace the text between the markers (kept) with `table`; the markers must be there. */
export function replaceFigures(doc: string, table: string): string {
  const a = doc.indexOf(MARK_START);
  const b = doc.indexOf(MARK_END);
  if (a < 0 || b < a)
    throw new CrawlError('CRAWL_E_USAGE', 'docs/chaos.md has lost its figure markers', {
      hint: `put the two lines back around the table: ${MARK_START} and ${MARK_END}`,
    });
  return `${doc.slice(0, a + MARK_START.length)}\n${table}\n${doc.slice(b)}`;
}
