/**
 * npm run bench:sinks [-- --list-pages N] [--repeat R] [--heap-mb N]
 * Issue 3's closing figure: the same mini-Tieba crawl (N list pages, default 20;
 * every thread page and its sub-comments) with 3 worker processes, once with
 * items into JSON lines and once into MongoDB, in one run. Each crawl gets a
 * throw-away local lab (its own Redis, site and, for MongoDB, the master's
 * MongoDB-protocol server) through the lab's one crawl runner; --repeat R runs
 * R pairs, alternating which sink goes first so neither always gets the warmer
 * machine. Every store is checked against the site's ground truth (one document
 * per thread, every floor and sub-comment once) before its row is printed.
 * Figures, not assertions: a mismatch is printed, and the exit code is 1.
 */
import { cpus, loadavg } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { STAT, statValue } from 'crawl-lab';
import { argv } from 'zx';
import { readLabItems } from '../lab/items/store.ts';
import { openLocalLab } from '../lab/runner/local-lab.ts';
import { type CrawlSummary, runCrawl } from '../lab/runner/run-crawl.ts';
import { WORKER_HEAP_MB } from '../lab/runner/worker-command.ts';
import { actual, type Doc, expected } from '../lab/site/compare.ts';
import { SiteData } from '../lab/site/data.ts';
import { resolveSiteOptions } from '../lab/site/options.ts';
import { truthDocuments } from '../lab/site/truth.ts';
import { cpuMsOf, processesWith, sampleWorkerPeaks } from './lib/procs.ts';
import { warmSite } from './lib/warm-site.ts';

type Sink = 'jsonl' | 'mongodb';
const WORKERS = 3;

function positiveInt(name: string, fallback: number): number {
  const raw = argv[name] ?? fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new Error(`--${name} ${String(raw)}: expected a whole number from 1 to 1000`);
  return n;
}
const listPages = positiveInt('list-pages', 20);
const repeat = positiveInt('repeat', 1);
const heapMb = argv['heap-mb'] === undefined ? undefined : Number(argv['heap-mb']);

const truth = truthDocuments(new SiteData(resolveSiteOptions({ listPages })));

/** What a crawl left in its store: one merged document per item key. */
interface Store {
  docs: Map<string, Doc>;
  /** Item records read: JSON lines, or MongoDB documents. */
  records: number;
  /** JSON lines that are not an item (a torn write would show here). */
  unreadable: number;
}

/**
 * 'ok' when the store holds exactly the truth's threads and each equals its
 * truth document (every floor and sub-comment once); else what is missing,
 * counted at the level a learner can check by hand (floors keyed by post id,
 * sub-comments by comment id, as the spider writes them).
 */
function verify(store: Store): string {
  let differ = 0;
  let threads = 0;
  let floors = 0;
  let comments = 0;
  for (const t of truth) {
    const doc = store.docs.get(String(t.tid));
    const want = expected(t, true);
    if (doc && isDeepStrictEqual(actual(doc), want)) continue;
    differ++;
    if (!doc) {
      threads++;
      continue;
    }
    const stored = (doc['floors'] ?? {}) as Record<string, Doc | undefined>;
    for (const f of want.floors) {
      const floor = stored[f.postId];
      if (floor?.['floor'] === undefined) floors++;
      const subs = (floor?.['subComments'] ?? {}) as Record<string, unknown>;
      comments += (f.subComments ?? []).filter((c) => !(c.commentId in subs)).length;
    }
  }
  const extra = store.docs.size - (truth.length - threads);
  const problems = [
    differ && `${differ}/${truth.length} threads differ from the truth`,
    threads && `${threads} threads missing`,
    floors && `${floors} floors missing`,
    comments && `${comments} sub-comments missing`,
    extra && `${extra} documents not in the truth`,
    store.unreadable && `${store.unreadable} unreadable lines`,
  ].filter(Boolean);
  return problems.length
    ? `LOST: ${problems.join(', ')}`
    : `ok: ${truth.length}/${truth.length} threads = truth`;
}

interface Row {
  sink: Sink;
  cells: string[];
  pagesPerSecond: number;
  ok: boolean;
}

async function crawlInto(sink: Sink): Promise<Row> {
  const local = await openLocalLab({ nodes: WORKERS, listPages, mongodb: sink === 'mongodb' });
  try {
    await warmSite(local.lab);
    // the master's MongoDB-protocol server, a service of this lab (its command line names the lab's folder)
    const server = processesWith('ferretdb', local.lab.stateDir)[0];
    const cpuBefore = server === undefined ? 0 : cpuMsOf(server.pid);
    const peaks = sampleWorkerPeaks(local.lab.stateDir);
    const r = await runCrawl(local.lab, {
      worker: { settings: ['logLevel=warn'], ...(heapMb === undefined ? {} : { heapMb }) },
    }).finally(() => peaks.stop());
    if (sink === 'mongodb' && r.sink.kind !== 'mongodb')
      throw new Error(`the lab's items did not go to MongoDB: ${r.sink.why}`);
    const serverCpuMs = server === undefined ? undefined : cpuMsOf(server.pid) - cpuBefore;
    const store = await readLabItems(local.lab, r.sink);
    return row(sink, r, store, peaks.stop(), server ? 'ferretdb' : 'none', serverCpuMs);
  } finally {
    await local.close();
  }
}

function row(
  sink: Sink,
  r: CrawlSummary,
  store: Store,
  peaks: Map<string, number>,
  kind: string,
  serverCpuMs: number | undefined,
): Row {
  const pages = r.pages;
  const wallS = r.elapsedMs / 1000;
  const cpuPerPage = r.workers.map(
    (w) => (w.summary?.cpuMs ?? Number.NaN) / Math.max(1, statValue(w.summary?.local ?? {}, STAT.pages)),
  );
  const failed = r.workers.filter((w) => w.exit !== 0 || w.summary?.reason !== 'finished').length;
  const check = failed ? `${failed} worker(s) did not finish; ${verify(store)}` : verify(store);
  const stored =
    sink === 'jsonl' ? `${store.records} lines → ${store.docs.size} docs` : `${store.records} docs`;
  const server =
    sink === 'jsonl'
      ? '—'
      : serverCpuMs === undefined
        ? `${kind}, CPU not measurable`
        : `${kind}, ${(serverCpuMs / 1000).toFixed(1)} s CPU (${(serverCpuMs / Math.max(1, pages)).toFixed(2)} ms/page)`;
  return {
    sink,
    pagesPerSecond: pages / wallS,
    ok: check.startsWith('ok:'),
    cells: [
      sink === 'jsonl' ? 'JSON lines' : 'MongoDB',
      String(pages),
      stored,
      wallS.toFixed(1),
      (pages / wallS).toFixed(0),
      `${Math.min(...cpuPerPage).toFixed(2)}–${Math.max(...cpuPerPage).toFixed(2)}`,
      r.workers.map((w) => peaks.get(w.id) ?? '?').join('/'),
      server,
      check,
    ],
  };
}

const rows: Row[] = [];
const load = loadavg()[0]!.toFixed(2);
for (let i = 0; i < repeat; i++) {
  const order: Sink[] = i % 2 === 0 ? ['jsonl', 'mongodb'] : ['mongodb', 'jsonl'];
  for (const sink of order) {
    rows.push(await crawlInto(sink));
    console.error(`done: ${sink} (${rows.length} of ${2 * repeat})`);
  }
}

const head = [
  'sink',
  'pages',
  'stored',
  'wall s',
  'pages/s',
  'CPU ms/page/worker',
  'peak RSS MB/worker (sampled)',
  'MongoDB server',
  'store vs truth',
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(
  `mini-Tieba: ${listPages} list pages (${truth.length} threads, all thread pages), ${WORKERS} workers, 0 ms latency; ` +
    `worker heap cap: ${heapMb ?? WORKER_HEAP_MB} MB; MongoDB: the lab master's FerretDB; ` +
    `machine: ${cpus().length} cores, load ${load} at start, node ${process.version}`,
);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r.cells));
const mean = (sink: Sink) => {
  const of = rows.filter((r) => r.sink === sink).map((r) => r.pagesPerSecond);
  return of.reduce((a, b) => a + b, 0) / of.length;
};
console.log(
  `mean pages/s: JSON lines ${mean('jsonl').toFixed(0)}, MongoDB ${mean('mongodb').toFixed(0)} ` +
    `(MongoDB at ${((100 * mean('mongodb')) / mean('jsonl')).toFixed(0)}% of JSON lines)`,
);
if (rows.some((r) => !r.ok)) process.exitCode = 1;
