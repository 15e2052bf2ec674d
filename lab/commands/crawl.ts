import { ConfigError, STAT, statValue } from 'crawl-lab';
import { printError, printLine, safeText } from '../../common/terminal.ts';
import { type OpenLabOptions, openLab } from '../../provision/lab.ts';
import { labItemSink } from '../items/sink.ts';
import { type CrawlSummary, type CrawlTick, runCrawl } from '../runner/run-crawl.ts';
import { checkLabTruth, type TruthCheck } from '../runner/truth-check.ts';
import { oursFigures, scrapyFigures, scrapyReport, sideBySide } from '../scrapy-redis/report.ts';
import {
  oursFingerprintMemory,
  runScrapyRedisCrawl,
  type ScrapyCrawlSummary,
  type ScrapyTick,
} from '../scrapy-redis/run.ts';
import { ENGINE_OPTION, ENGINE_USAGE, engineOpen } from './engine-flag.ts';
import type { LabCommand } from './run-command.ts';

/**
 * lab:crawl: the distributed crawl through the lab's one runner, and its truth
 * check (lab/runner/truth-check.ts): exit 0 only when every worker ended well
 * and, on the mini-Tieba site, the item store holds exactly the site's
 * documents and the site served each of its pages once. `--json` prints the
 * structured result (what the end-to-end tests read); `--check` only checks
 * the last crawl again.
 */

/** What `lab:crawl --json` prints: the structured result. */
export interface CrawlResult {
  ok: boolean;
  /** Absent with --check (no crawl ran). */
  crawl?: {
    elapsedMs: number;
    pages: number;
    items: number;
    perNode: Record<string, number>;
    workers: { id: string; node: string; exit: number | 'running' | 'stopped' }[];
    /** Requests that failed after their last retry, and errors of any kind (crawl stats). */
    failedRequests: number;
    errors: number;
    finished: boolean;
    /** The crawl's id: npm run lab:items -- --crawl <id> gathers its items. */
    crawlId: string;
    itemSink: string;
  };
  /** Absent when the target is not the mini-Tieba site (nothing to check against). */
  truth?: TruthCheck;
  /** crawl.engine scrapy-redis or both: the article's workers' crawl (docs/scrapy-redis.md). */
  scrapyRedis?: ScrapyCrawlSummary;
}

/** Leases the crawl reclaimed: a worker stopped, was killed, or went silent longer than leaseTimeout. */
export function leasesReclaimed(r: Pick<CrawlSummary, 'stats'>): number {
  return statValue(r.stats, STAT.leasesReclaimed);
}

/**
 * A crawl was interrupted when one of its workers did not end well, when it
 * resumes an earlier one, or when leases were reclaimed (a worker silent longer
 * than leaseTimeout: a stalled process, an overloaded or emulated machine): a
 * stopped, killed or stalled worker's leased requests go back to the queue, and
 * pages it was fetching are fetched again (at-least-once).
 */
export function interrupted(r: CrawlSummary, resumed: boolean): boolean {
  return resumed || r.workers.some((w) => w.exit !== 0) || leasesReclaimed(r) > 0;
}

/** The truth holds: exactly, or (after an interruption) complete with pages fetched again. */
export function truthHolds(t: TruthCheck, wasInterrupted: boolean): boolean {
  return t.exact || (wasInterrupted && t.complete);
}

/** How lab:crawl judges a crawl besides its workers and the truth check. */
export interface JudgeOptions {
  /** Keep the crawl and its items even if it has resumed from an earlier one. @default false */
  resumed?: boolean;
  /** Requests that failed for good and errors do not fail the crawl (lab:crawl --allow-failures). @default false */
  allowFailures?: boolean;
}

/** Requests that failed for good, or errors, and they are not allowed: the crawl is not what it should be. */
export function failuresCount(r: CrawlSummary, o: JudgeOptions = {}): boolean {
  return !o.allowFailures && (r.failedRequests > 0 || r.errors > 0);
}

export function crawlResult(r: CrawlSummary, o: JudgeOptions = {}): CrawlResult {
  const resumed = o.resumed ?? false;
  const workersOk = r.workers.every((w) => w.exit === 0);
  return {
    ok:
      workersOk &&
      !failuresCount(r, o) &&
      (r.truth === undefined || truthHolds(r.truth, interrupted(r, resumed))),
    crawl: {
      elapsedMs: r.elapsedMs,
      pages: r.pages,
      items: r.items,
      perNode: r.perNode,
      workers: r.workers.map((w) => ({ id: w.id, node: w.node, exit: w.exit })),
      failedRequests: r.failedRequests,
      errors: r.errors,
      finished: r.finished,
      crawlId: r.crawlId,
      itemSink: r.itemSink,
    },
    ...(r.truth ? { truth: r.truth } : {}),
  };
}

/**
 * The truth check in words: one line when it holds, else the counts and the first
 * differences by name. Pages fetched again count as a difference only when no
 * worker was interrupted (then they would be a duplicate dispatch).
 */
export function truthLines(t: TruthCheck, wasInterrupted = false): string[] {
  const { store: s, fetches: f } = t;
  const items = `matches the site's ground truth: ${s.expected} thread documents in ${s.source}, each as the site has it`;
  if (t.exact) return [`${items}; ${f.expected} pages, each fetched once (the site's hit log)`];
  if (truthHolds(t, wasInterrupted)) {
    const again = [
      ...(s.duplicated ? [`${s.duplicated} item${s.duplicated > 1 ? 's' : ''} written again`] : []),
      ...(f.twice ? [`${f.twice} of them fetched again`] : []),
    ].join(', ');
    return [
      `${items}; ${f.expected} pages, each fetched${again ? `, ${again}` : ''} (the site's hit log): requests an interrupted worker held went back to the queue by their lease (at-least-once)`,
    ];
  }
  return [
    "MISMATCH with the site's ground truth:",
    `  items (${s.source}): ${s.expected} documents expected, ${s.found} found: ${s.lost} missing, ${s.extra} extra, ${s.duplicated} duplicated, ${s.wrong} wrong, ${s.unreadable} unreadable`,
    `  pages (the site's hit log): ${f.expected} expected, ${f.fetched} fetched: ${f.notFetched} not fetched, ${f.twice} fetched twice, ${f.extra} extra`,
    ...t.differences.map((d) => `  ${d.kind}: ${d.what}`),
  ];
}

/** The summary lab:crawl prints, and whether the crawl is what it should be (exit 0). */
export function crawlReport(r: CrawlSummary, o: JudgeOptions = {}): { lines: string[]; ok: boolean } {
  const resumed = o.resumed ?? false;
  const lines = [
    `\nfinished in ${(r.elapsedMs / 1000).toFixed(1)} s: ${r.pages} pages, ${r.items} items, ${r.duplicatesFiltered} duplicate requests avoided, ${r.failedRequests} requests failed for good, ${r.errors} errors`,
  ];
  for (const [node, pages] of Object.entries(r.perNode)) {
    lines.push(
      `  ${node.padEnd(10)} ${String(pages).padStart(6)} pages (${r.pages ? Math.round((100 * pages) / r.pages) : 0}%)`,
    );
  }
  lines.push(`items: ${r.itemSink}`);
  lines.push(
    `  this crawl's items in one file: npm run lab:items -- --crawl ${r.crawlId} [--format json|csv]`,
  );
  for (const w of r.workers.filter((x) => x.exit !== 0))
    lines.push(
      `  worker ${w.id} on ${w.node}: ${w.exit === 'stopped' ? 'stopped' : `exit ${w.exit}`} (npm run lab:logs -- ${w.node})`,
    );
  if (r.failedRequests > 0 || r.errors > 0)
    lines.push(
      failuresCount(r, o)
        ? `FAILED: ${r.failedRequests} requests failed for good and ${r.errors} errors (crawl inspect / the dashboard show them; the worker logs say why: npm run lab:logs; lab:crawl -- --allow-failures accepts them)`
        : `${r.failedRequests} requests failed for good and ${r.errors} errors, allowed by --allow-failures`,
    );
  if (r.truth) lines.push(...truthLines(r.truth, interrupted(r, resumed)));
  const reclaimed = leasesReclaimed(r);
  if (reclaimed > 0 && r.workers.every((w) => w.exit === 0) && !resumed)
    lines.push(
      `  ${reclaimed} lease${reclaimed > 1 ? 's' : ''} reclaimed although no worker stopped: a worker was silent longer than leaseTimeout (an overloaded or emulated machine); its requests were fetched again by others. On slow machines raise it: crawl.lease_timeout_s in lab.yaml`,
    );
  return { lines, ok: crawlResult(r, o).ok };
}

export interface CrawlOptions {
  resume?: boolean;
  /** Requests that failed for good and errors do not make the exit code non-zero. @default false */
  allowFailures?: boolean;
  /** Check the last crawl's items and the site's hit log again, without crawling. */
  check?: boolean;
  /** Print the structured result (CrawlResult) as one JSON line on stdout; progress goes to stderr. */
  json?: boolean;
  open?: OpenLabOptions;
  /** Where the summary (or the JSON) goes, each line made safe first (common/terminal.ts). @default stdout */
  print?: (line: string) => void;
}

/**
 * Where lab:crawl's lines go: `print` the summary (or the JSON), `say` the
 * progress (stderr beside --json). Progress and summary carry text from Redis
 * and the nodes (worker ids, a hostile Redis's error text), so every line is
 * made safe for a terminal here, once (common/terminal.ts).
 */
export function crawlOutput(o: Pick<CrawlOptions, 'print' | 'json'>): {
  print: (line: string) => void;
  say: (line: string) => void;
} {
  const own = o.print;
  const print = own ? (line: string) => own(safeText(line)) : printLine;
  return { print, say: o.json ? printError : print };
}

/** One progress line: elapsed, crawl-wide counts, pages per second per node. */
export function progressLine(p: CrawlTick): string {
  const nodes = Object.entries(p.perNode)
    .map(([n, v]) => `${n} ${v.rate.toFixed(0)}/s`)
    .join('  ');
  return `${(p.elapsedMs / 1000).toFixed(0).padStart(4)} s  pages ${p.pages}  queue ${p.queue}  fingerprints ${p.fingerprints}  items ${p.items}  | ${nodes}`;
}

/**
 * `--resume` with crawl.engine both: the two crawls share the tieba:* keys and
 * each starts from a reset, so there is no one crawl to go on from.
 */
export function resumeBothError(): ConfigError {
  return new ConfigError(
    'CRAWL_E_USAGE',
    '--resume cannot be used with crawl.engine both: both engines use the tieba:* keys and each of the two crawls starts from a reset, so there is no one crawl to go on from',
    {
      hint: 'resume one engine: npm run lab:crawl -- --resume --engine crawl-lab (or --engine scrapy-redis, whose SCHEDULER_PERSIST queue and fingerprints are kept)',
    },
  );
}

export async function crawl(o: CrawlOptions = {}): Promise<number> {
  const { print, say } = crawlOutput(o);
  const lab = await openLab({ log: say, ...o.open });
  if (o.check) {
    if (lab.config.crawl.target !== 'mini-tieba') {
      say(`crawl.target is ${lab.config.crawl.target}: there is no ground truth to check against`);
      return 0;
    }
    const truth = await checkLabTruth(lab, await labItemSink(lab));
    const result: CrawlResult = { ok: truth.exact, truth };
    if (o.json) print(JSON.stringify(result));
    else for (const line of truthLines(truth)) print(line);
    return result.ok ? 0 : 1;
  }
  const engine = lab.config.crawl.engine;
  const scrapyTick = (p: ScrapyTick) =>
    say(
      `${(p.elapsedMs / 1000).toFixed(0).padStart(4)} s  pages ${p.pages} (the site's hit log)${p.idleS >= 2 ? `  no new page for ${p.idleS.toFixed(0)} s` : ''}`,
    );
  if (engine === 'both' && o.resume) throw resumeBothError();
  if (engine === 'scrapy-redis') {
    const resume = Boolean(o.resume);
    say(
      `${resume ? 'resuming' : 'starting'} the article's workers (Scrapy + scrapy-redis): ${lab.config.crawl.target}, ${lab.config.crawl.listPages} list pages, ${lab.nodes.length} nodes`,
    );
    const theirs = await runScrapyRedisCrawl(lab, { onTick: scrapyTick, resume });
    const report = scrapyReport(theirs);
    if (o.json) {
      for (const line of report.lines) say(line);
      print(JSON.stringify({ ok: report.ok, scrapyRedis: theirs } satisfies CrawlResult));
    } else for (const line of report.lines) print(line);
    return report.ok ? 0 : 1;
  }
  const resume = Boolean(o.resume);
  say(
    `${resume ? 'resuming' : 'starting'} the crawl: ${lab.config.crawl.target}, ${lab.config.crawl.listPages} list pages, ${lab.nodes.length} nodes`,
  );
  const r = await runCrawl(lab, {
    resume,
    onTick: (p) => {
      if (p.pages === undefined) return; // Redis does not answer: the runner says so once
      say(progressLine(p));
    },
  });
  const judge = { resumed: resume, allowFailures: Boolean(o.allowFailures) };
  const report = crawlReport(r, judge);
  if (engine === 'both') {
    // ours first, then the article's workers on the same lab, against the same site and truth
    const fp = await oursFingerprintMemory(lab);
    for (const line of report.lines) say(line);
    say(`\nnow the article's workers (Scrapy + scrapy-redis) on the same nodes`);
    const theirs = await runScrapyRedisCrawl(lab, { onTick: scrapyTick });
    const second = scrapyReport(theirs);
    for (const line of second.lines) say(line);
    const table = [
      '',
      'side by side (crawl.engine both):',
      ...sideBySide([oursFigures(r, fp.fingerprintBytes, fp.fingerprints), scrapyFigures(theirs)]),
    ];
    const ok = report.ok && second.ok;
    if (o.json) {
      for (const line of table) say(line);
      print(JSON.stringify({ ...crawlResult(r, judge), ok, scrapyRedis: theirs }));
    } else for (const line of table) print(line);
    return ok ? 0 : 1;
  }
  if (o.json) {
    for (const line of report.lines) say(line);
    print(JSON.stringify(crawlResult(r, judge)));
  } else for (const line of report.lines) print(line);
  return report.ok ? 0 : 1;
}

export const crawlCommand: LabCommand = {
  name: 'crawl',
  usage: `npm run lab:crawl [-- --resume] [--check] [--json] [--engine <e>]

Reset the crawl (or resume it), seed the start URL, start a worker on every
node, show live progress, wait until the distributed crawl finishes by itself,
and check it against the mini-Tieba site's ground truth: the item store
(MongoDB, or every node's JSON lines) document by document, and the site's own
hit log page by page (each page fetched once, nothing else). The summary names
the first differences and counts requests that failed for good and errors; exit
1 on any difference, a worker that failed, or a failed request or error (also
with target real-tieba, where there is no truth to check).

  --resume          keep the queue, fingerprints and items of the last crawl and go on from them
                    (scrapy-redis: its kept tieba:requests and tieba:dupefilter, nothing seeded;
                    not with crawl.engine both)
  --check           do not crawl: check the last crawl's items and the site's hit log again
  --allow-failures  failed requests and errors are reported but do not make the exit code 1
  --json            print the result as one JSON line on stdout (progress goes to stderr)
${ENGINE_USAGE}

lab.yaml crawl.engine chooses whose workers crawl: crawl-lab (ours, the
default), scrapy-redis (the article's Scrapy + scrapy-redis workers: they never
stop by themselves, so the lab stops them once the site has served no new page
for 10 s, and checks the list pages and thread pages they fetch), or both, one
after the other, with a side-by-side table (docs/scrapy-redis.md).`,
  options: {
    resume: { type: 'boolean' },
    check: { type: 'boolean' },
    json: { type: 'boolean' },
    'allow-failures': { type: 'boolean' },
    ...ENGINE_OPTION,
  },
  run: ({ values }) =>
    crawl({
      resume: Boolean(values['resume']),
      allowFailures: Boolean(values['allow-failures']),
      check: Boolean(values['check']),
      json: Boolean(values['json']),
      open: engineOpen(values['engine']),
    }),
};
