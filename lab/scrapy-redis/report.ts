import type { CrawlSummary } from '../runner/run-crawl.ts';
import type { TruthCheck } from '../runner/truth-check.ts';
import type { ScrapyCrawlSummary } from './run.ts';

/**
 * lab:crawl's words for the article's workers, and the side-by-side table of
 * crawl.engine both: pages/s, CPU, memory, fingerprint memory, truth check.
 */

/** Our crawl's figures in the table's terms (the fingerprint memory measured after it, as for theirs). */
export interface EngineFigures {
  engine: string;
  pages: number;
  elapsedMs: number;
  cpuMs: number;
  maxRssMb: number;
  fingerprints: number;
  fingerprintBytes: number;
  /** "exact", "complete, N fetched again", "N pages lost", ... */
  truth: string;
}

export function truthWords(t: TruthCheck | undefined): string {
  if (!t) return 'no truth (real-tieba)';
  if (t.exact) return 'exact';
  const lost = t.fetches.notFetched + t.store.lost;
  if (lost > 0 || t.fetches.extra > 0 || t.store.extra > 0)
    return `${t.fetches.notFetched} pages never fetched, ${t.store.lost} threads lost`;
  const again = t.fetches.twice + t.store.duplicated;
  return `complete, ${again} fetched or stored again`;
}

export function oursFigures(r: CrawlSummary, fingerprintBytes: number, fingerprints: number): EngineFigures {
  const summaries = r.workers.flatMap((w) => (w.summary ? [w.summary] : []));
  return {
    engine: 'crawl-lab',
    pages: r.pages,
    elapsedMs: r.elapsedMs,
    cpuMs: summaries.reduce((a, s) => a + s.cpuMs, 0),
    maxRssMb: Math.max(0, ...summaries.map((s) => s.maxRssMb)),
    fingerprints,
    fingerprintBytes,
    truth: truthWords(r.truth),
  };
}

export function scrapyFigures(r: ScrapyCrawlSummary): EngineFigures {
  return {
    engine: 'scrapy-redis',
    pages: r.pages,
    elapsedMs: r.elapsedMs,
    cpuMs: r.cpuMs,
    maxRssMb: r.maxRssMb,
    fingerprints: r.fingerprints,
    fingerprintBytes: r.fingerprintBytes,
    truth: truthWords(r.truth),
  };
}

/** The summary of one article crawl: what it did, that the lab stopped it, the truth check. */
export function scrapyReport(r: ScrapyCrawlSummary): { lines: string[]; ok: boolean } {
  const lines = [
    `\nscrapy-redis (the article's workers): ${r.pages} pages in ${(r.elapsedMs / 1000).toFixed(1)} s (${r.pagesPerS.toFixed(1)} pages/s), CPU ${(r.cpuMs / 1000).toFixed(1)} s, largest worker ${r.maxRssMb} MB`,
    `  they never stop by themselves: the lab stopped ${r.stillRunning} still-running worker${r.stillRunning === 1 ? '' : 's'} after the site served no new page for ${r.stoppedAfterIdleS} s`,
    ...(r.resumed
      ? [
          r.resumed.requests + r.resumed.startUrls > 0
            ? `  resumed (--resume): ${r.resumed.requests} requests waited in tieba:requests and ${r.resumed.startUrls} start URLs in tieba:start_urls; the site had served ${r.resumed.pagesBefore} pages before, ${r.pages - r.resumed.pagesBefore} more now`
            : '  resumed (--resume): nothing waited in tieba:requests or tieba:start_urls, so no worker started; the last crawl is checked as it is',
        ]
      : []),
    `  fingerprints: ${r.fingerprints} in tieba:dupefilter, ${r.fingerprintBytes} bytes (MEMORY USAGE)`,
    `  items: ${r.itemSink}`,
  ];
  const t = r.truth;
  if (t) {
    const f = t.fetches;
    const s = t.store;
    lines.push(
      `  truth (list pages and thread page 1, one item per thread): ${f.expected} pages expected, ${f.fetched} fetched: ${f.notFetched} never fetched, ${f.twice} fetched more than once, ${f.extra} extra; threads ${s.found}/${s.expected}: ${s.lost} lost, ${s.duplicated} stored again, ${s.extra} extra`,
    );
    for (const d of t.differences) lines.push(`    ${d.kind}: ${d.what}`);
  }
  return { lines, ok: t === undefined || t.complete };
}

const cell = (text: string, width: number) => text.padStart(width);

/** The side-by-side table of crawl.engine both. */
export function sideBySide(rows: readonly EngineFigures[]): string[] {
  const head = ['', 'pages', 'pages/s', 'CPU s', 'max RSS MB', 'fingerprints', 'fp bytes', 'truth'];
  const body = rows.map((r) => [
    r.engine,
    String(r.pages),
    (r.elapsedMs > 0 ? r.pages / (r.elapsedMs / 1000) : 0).toFixed(1),
    (r.cpuMs / 1000).toFixed(1),
    String(r.maxRssMb),
    String(r.fingerprints),
    String(r.fingerprintBytes),
    r.truth,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : cell(c, widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...body.map(line)];
}
