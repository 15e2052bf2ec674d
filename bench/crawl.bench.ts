/**
 * npm run bench:tieba [-- --list-pages N] [--heap-mb N]
 * Crawls the mini-Tieba site with the bundled tieba spider (SAX parser) with 1 and 3 worker processes at 0 ms and 20 ms
 * artificial latency, each run on a throw-away local lab (its own Redis and
 * site) through the lab's one crawl runner, and prints a table: pages/s, CPU
 * ms per page per worker, peak RSS per worker, Redis round trips per page and
 * duplicate fetches. Figures, not assertions: run it, read it.
 * --heap-mb N sets each worker's old-generation cap (0 = V8 default).
 */
import { cpus } from 'node:os';
import { STAT, statValue } from 'crawl-lab';
import { argv } from 'zx';
import { openLocalLab } from '../lab/runner/local-lab.ts';
import { runCrawl } from '../lab/runner/run-crawl.ts';
import { WORKER_HEAP_MB } from '../lab/runner/worker-command.ts';
import { sampleWorkerPeaks } from './lib/procs.ts';
import { warmSite } from './lib/warm-site.ts';

const listPages = Number(argv['list-pages'] ?? 30);
const heapMb = argv['heap-mb'] === undefined ? undefined : Number(argv['heap-mb']);
const runs: { workers: number; latencyMs: number }[] = [
  { workers: 1, latencyMs: 0 },
  { workers: 3, latencyMs: 0 },
  { workers: 1, latencyMs: 20 },
  { workers: 3, latencyMs: 20 },
];

const rows: string[][] = [];
for (const run of runs) {
  const local = await openLocalLab({ nodes: run.workers, listPages, latencyMs: run.latencyMs });
  try {
    await warmSite(local.lab);
    const peaks = sampleWorkerPeaks(local.lab.stateDir);
    const r = await runCrawl(local.lab, {
      worker: { settings: ['logLevel=warn'], ...(heapMb === undefined ? {} : { heapMb }) },
    }).finally(() => peaks.stop());
    const summaries = r.workers.map((w) => w.summary).filter((s) => s !== undefined);
    const crawlSeconds = Math.max(...summaries.map((s) => s.elapsedMs)) / 1000;
    const cpuPerPage = summaries.map((s) => s.cpuMs / Math.max(1, statValue(s.local, STAT.pages)));
    const roundTrips = summaries.reduce((sum, s) => sum + statValue(s.local, STAT.redisRoundTrips), 0);
    const failed = r.workers.filter((w) => w.exit !== 0 || w.summary?.reason !== 'finished').length;
    const peak = peaks.stop();
    rows.push([
      String(run.workers),
      `${run.latencyMs} ms`,
      String(r.pages),
      (r.pages / crawlSeconds).toFixed(0),
      `${Math.min(...cpuPerPage).toFixed(2)}–${Math.max(...cpuPerPage).toFixed(2)}`,
      `${Math.max(0, ...peak.values())}`,
      (roundTrips / Math.max(1, r.pages)).toFixed(2),
      String(r.pages - (r.expectedPages ?? 0)),
      failed ? `${failed} worker(s) did not finish` : 'ok',
    ]);
  } finally {
    await local.close();
  }
  console.error(`done: ${run.workers} worker(s), ${run.latencyMs} ms latency`);
}

const head = [
  'workers',
  'latency',
  'pages',
  'pages/s',
  'CPU ms/page/worker',
  'peak RSS MB',
  'Redis RT/page',
  'dup fetches',
  'status',
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(
  `mini-Tieba: ${listPages} list pages; worker heap cap: ${heapMb ?? WORKER_HEAP_MB} MB (0 = V8 default); machine: ${cpus().length} cores, node ${process.version}`,
);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
