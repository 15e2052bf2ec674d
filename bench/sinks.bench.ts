/**
 * npm run bench:sinks [-- --list-pages N] [--repeat R] [--heap-mb N]
 * Issue 3's closing figure: the same mini-Tieba crawl (N list pages, default 20;
 * every thread page and its sub-comments) with 3 worker processes, once with
 * items into JSON lines and once into MongoDB, in one run. Each crawl gets a
 * fresh redis-server, a fresh site and an empty store (a new JSON-lines file, a
 * new database on one MongoDB-protocol server started here); --repeat R runs
 * R pairs, alternating which sink goes first so neither always gets the warmer
 * machine. Every store is checked against the site's ground truth (one document
 * per thread, every floor and sub-comment once) before its row is printed.
 * Figures, not assertions: a mismatch is printed, and the exit code is 1.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { MongoClient } from 'mongodb';
import { $, argv } from 'zx';
import { defaultSettings } from '../crawler/settings/defaults.ts';
import { actual, type Doc, expected } from '../crawler/site/compare.ts';
import { SiteData } from '../crawler/site/data.ts';
import { resolveSiteOptions } from '../crawler/site/options.ts';
import { truthDocuments } from '../crawler/site/truth.ts';
import { mergeJsonLines } from '../provision/chaos/item-store.ts';
import { WORKER_HEAP_MB } from '../provision/worker-command.ts';
import { type LocalCrawlResult, runLocalCrawl } from '../scripts/lib/local-crawl.ts';
import { startMongo, type TestMongo } from '../scripts/lib/mongo-server.ts';

type Sink = 'jsonl' | 'mongodb';
const WORKERS = 3;
/** The collection the workers write: the default setting for the tieba spider. */
const COLLECTION = defaultSettings().mongoCollection.replaceAll('{spider}', 'tieba');

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

/** The server process startMongo spawned: our child whose command line names its port. */
function serverPid(port: number | undefined): number | undefined {
  if (port === undefined) return undefined;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(statFields(Number(name))[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (ppid === process.pid && cmdline.includes(`:${port}\0`)) return Number(name);
      if (ppid === process.pid && cmdline.includes(`\0${port}\0`)) return Number(name);
    } catch {} // a process that ended while we looked
  }
  return undefined;
}

/** /proc/<pid>/stat from field 3 (state) on; the command name may hold spaces, so split after ')'. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * Peak RSS of each worker, MB: VmHWM of its process, sampled twice a
 * second while the crawl runs. Not the workers' own `maxRssMb`: on Linux a
 * child's getrusage maxRSS starts at its parent's RSS at fork time, and the
 * launcher holds the site and its cache, so every worker reported the
 * launcher's size (359 MB at 100 list pages, identical for all three).
 */
function sampleWorkerPeaks(peaks: Map<string, number>): void {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const id = args[args.indexOf('--worker-id') + 1];
      if (!args.some((a) => a.endsWith('crawl.mjs')) || !args.includes('--worker-id') || !id) continue;
      const parent = Number(statFields(Number(name))[1]);
      if (parent !== process.pid && Number(statFields(parent)[1]) !== process.pid) continue;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${name}/status`, 'utf8'));
      if (hwm) peaks.set(id, Math.max(peaks.get(id) ?? 0, Math.round(Number(hwm[1]) / 1024)));
    } catch {} // a process that ended while we looked
  }
}

const clockTicks = Number((await $`getconf CLK_TCK`.quiet()).stdout.trim()) || 100;
/** User + system CPU of a process (all its threads) so far, ms. */
function cpuMsOf(pid: number): number {
  const f = statFields(pid);
  return ((Number(f[11]) + Number(f[12])) * 1000) / clockTicks;
}

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
      comments += f.subComments.filter((c) => !(c.commentId in subs)).length;
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

/** The crawl's collection as stored: `_id` is the item key (the thread id). */
async function readCollection(client: MongoClient, database: string): Promise<Store> {
  const found = await client.db(database).collection<Doc>(COLLECTION).find({}).toArray();
  const docs = new Map(found.map((d) => [String(d['_id']), d as Doc]));
  return { docs, records: found.length, unreadable: 0 };
}

async function crawlInto(sink: Sink, mongo: TestMongo, run: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'crawl-lab-sinks-'));
  const feed = join(dir, 'items.jsonl');
  const database = `crawl_lab_bench_${process.pid}_${run}`;
  const set = sink === 'jsonl' ? [`feedUri=${feed}`] : [`mongoUri=${mongo.url}`, `mongoDatabase=${database}`];
  const pid = sink === 'mongodb' ? serverPid(mongo.port) : undefined;
  const client = new MongoClient(mongo.url, { serverSelectionTimeoutMS: 10_000 });
  try {
    if (sink === 'mongodb') await client.db(database).dropDatabase();
    const cpuBefore = pid === undefined ? 0 : cpuMsOf(pid);
    const peaks = new Map<string, number>();
    // our own timer, not runLocalCrawl's onProgress: that one also polls Redis, which the figures should not include
    const sampler = setInterval(() => sampleWorkerPeaks(peaks), 500);
    const r = await runLocalCrawl({
      workers: WORKERS,
      listPages,
      latencyMs: 0,
      warmSite: true,
      heapMb,
      set,
    }).finally(() => clearInterval(sampler));
    const serverCpuMs = pid === undefined ? undefined : cpuMsOf(pid) - cpuBefore;
    const store: Store =
      sink === 'jsonl'
        ? mergeJsonLines([readFileSync(feed, 'utf8')], feed)
        : await readCollection(client, database);
    return row(sink, r, store, peaks, mongo.kind, serverCpuMs);
  } finally {
    if (sink === 'mongodb')
      await client
        .db(database)
        .dropDatabase()
        .catch(() => {});
    await client.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

function row(
  sink: Sink,
  r: LocalCrawlResult,
  store: Store,
  peaks: Map<string, number>,
  kind: string,
  serverCpuMs: number | undefined,
): Row {
  const pages = Number(r.crawl['response_received_count'] ?? 0);
  const wallS = r.wallMs / 1000;
  const cpuPerPage = r.workers.map(
    (w) => w.cpuMs / Math.max(1, Number(w.local['response_received_count'] ?? 0)),
  );
  const failed = r.workers.filter((w) => w.exitCode !== 0 || w.reason !== 'finished').length;
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
      r.workers.map((w) => peaks.get(w.workerId) ?? '?').join('/'),
      server,
      check,
    ],
  };
}

const mongo = await startMongo();
const rows: Row[] = [];
const load = loadavg()[0]!.toFixed(2);
try {
  for (let i = 0; i < repeat; i++) {
    const order: Sink[] = i % 2 === 0 ? ['jsonl', 'mongodb'] : ['mongodb', 'jsonl'];
    for (const sink of order) {
      rows.push(await crawlInto(sink, mongo, rows.length));
      console.error(`done: ${sink} (${rows.length} of ${2 * repeat})`);
    }
  }
} finally {
  await mongo.stop();
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
    `worker heap cap: ${heapMb ?? WORKER_HEAP_MB} MB; MongoDB: ${mongo.kind}; ` +
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
