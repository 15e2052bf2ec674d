/**
 * npm run bench [-- --list-pages N]
 * Crawls the mini-Tieba site with 1 and 3 worker processes at 0 ms and 20 ms
 * artificial latency, each run on a fresh Redis, and prints a table:
 * pages/s, CPU ms per page per worker, peak RSS per worker, Redis round trips
 * per page and duplicate fetches. Figures, not assertions: run it, read it.
 * --heap-mb N sets each worker's old-generation cap (0 = V8 default).
 */
import { argv } from 'zx';
import { WORKER_HEAP_MB } from '../provision/worker-command.ts';
import { runLocalCrawl } from '../scripts/lib/local-crawl.ts';

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
  const r = await runLocalCrawl({ ...run, listPages, warmSite: true, heapMb });
  const pages = Number(r.crawl['response_received_count'] ?? 0);
  const crawlSeconds = Math.max(...r.workers.map((w) => w.elapsedMs)) / 1000;
  const cpuPerPage = r.workers.map(
    (w) => w.cpuMs / Math.max(1, Number(w.local['response_received_count'] ?? 0)),
  );
  const roundTrips = r.workers.reduce((s, w) => s + Number(w.local['redis/round_trips'] ?? 0), 0);
  const failed = r.workers.filter((w) => w.exitCode !== 0 || w.reason !== 'finished').length;
  rows.push([
    String(run.workers),
    `${run.latencyMs} ms`,
    String(pages),
    (pages / crawlSeconds).toFixed(0),
    `${Math.min(...cpuPerPage).toFixed(2)}–${Math.max(...cpuPerPage).toFixed(2)}`,
    `${Math.max(...r.workers.map((w) => w.maxRssMb))}`,
    (roundTrips / Math.max(1, pages)).toFixed(2),
    String(pages - r.truthPages),
    failed ? `${failed} worker(s) did not finish` : 'ok',
  ]);
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
  `mini-Tieba: ${listPages} list pages; worker heap cap: ${heapMb ?? WORKER_HEAP_MB} MB (0 = V8 default); machine: ${(await import('node:os')).cpus().length} cores, node ${process.version}`,
);
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
