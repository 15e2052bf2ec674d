#!/usr/bin/env -S npx tsx
/**
 * npm run demo [-- --workers 3 --list-pages 20 --latency-ms 0]
 * A distributed crawl on this machine: a private Redis, the mini-Tieba site and
 * N worker processes sharing one queue. Shows progress, then checks the result
 * against the site's ground truth. No VM, no root, no network.
 */
import { argv } from 'zx';
import { runLocalCrawl } from './lib/local-crawl.ts';

const HELP = `npm run demo [-- --workers N] [--list-pages N] [--latency-ms N]

  --workers N       worker processes sharing the queue (default 3)
  --list-pages N    list pages of the mini-Tieba bar to crawl (default 20; the article: 100)
  --latency-ms N    artificial delay of every page of the site (default 0)`;

function intFlag(name: string, fallback: number, min: number, max: number): number {
  const raw = argv[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

async function main(): Promise<number> {
  if (argv['help'] || argv['h']) {
    console.log(HELP);
    return 0;
  }
  const workers = intFlag('workers', 3, 1, 16);
  const listPages = intFlag('list-pages', 20, 1, 1000);
  const latencyMs = intFlag('latency-ms', 0, 0, 10_000);
  console.log(`starting Redis, the mini-Tieba site (${listPages} list pages) and ${workers} workers...`);
  const result = await runLocalCrawl({
    workers,
    listPages,
    latencyMs,
    onProgress: (p) => {
      const share = Object.entries(p.perWorker)
        .map(([w, n]) => `${w} ${n}`)
        .join(', ');
      console.log(
        `  ${(p.elapsedMs / 1000).toFixed(0).padStart(3)} s  pages ${p.pages}  items ${p.items}  queue ${p.queue}  (${share})`,
      );
    },
  });
  const pages = Number(result.crawl['response_received_count'] ?? 0);
  console.log(
    `\nfinished in ${(result.wallMs / 1000).toFixed(1)} s: ${pages} pages (site ground truth: ${result.truthPages}), ` +
      `${result.crawl['item_scraped_count'] ?? 0} items, ${result.crawl['dupefilter/filtered'] ?? 0} duplicate requests filtered`,
  );
  for (const w of result.workers) {
    const mine = Number(w.local['response_received_count'] ?? 0);
    console.log(
      `  ${w.workerId}: ${mine} pages (${pages ? Math.round((100 * mine) / pages) : 0}%), exit ${w.exitCode}, reason ${w.reason}`,
    );
  }
  const ok =
    pages === result.truthPages && result.workers.every((w) => w.exitCode === 0 && w.reason === 'finished');
  console.log(
    ok
      ? 'every page fetched exactly once; every worker saw the end of the crawl and exited 0'
      : 'MISMATCH: see above',
  );
  return ok ? 0 : 1;
}

process.exitCode = await main().catch((e: unknown) => {
  console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
  return 1;
});
