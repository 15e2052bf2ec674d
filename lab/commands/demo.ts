import { ConfigError, STAT, statValue } from 'crawl-lab';
import { openLocalLab } from '../runner/local-lab.ts';
import { runCrawl } from '../runner/run-crawl.ts';
import type { LabCommand } from './run-command.ts';

/**
 * npm run demo: the distributed crawl on this machine, with no VM, no root and
 * no network: a throw-away local lab (a private Redis, the mini-Tieba site, N
 * worker processes sharing one queue) through the same runner as lab:crawl,
 * checked against the site's ground truth, then removed.
 */
const USAGE = `npm run demo [-- --workers N] [--list-pages N] [--latency-ms N]

A distributed crawl on this machine: a private Redis, the mini-Tieba site and N
worker processes sharing one queue. Shows progress, then checks the result
against the site's ground truth. No VM, no root, no network.

  --workers N       worker processes sharing the queue (default 3)
  --list-pages N    list pages of the mini-Tieba bar to crawl (default 20; the article: 100)
  --latency-ms N    artificial delay of every page of the site (default 0)`;

function intOf(name: string, raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(
      'CRAWL_E_USAGE',
      `--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      {
        hint: USAGE.split('\n')[0],
      },
    );
  }
  return n;
}

export async function demo(o: { workers: number; listPages: number; latencyMs: number }): Promise<number> {
  console.log(`starting Redis, the mini-Tieba site (${o.listPages} list pages) and ${o.workers} workers...`);
  const local = await openLocalLab({ nodes: o.workers, listPages: o.listPages, latencyMs: o.latencyMs });
  try {
    const r = await runCrawl(local.lab, {
      onTick: (p) => {
        const share = Object.entries(p.perNode)
          .map(([n, v]) => `${n} ${v.pages}`)
          .join(', ');
        console.log(
          `  ${(p.elapsedMs / 1000).toFixed(0).padStart(3)} s  pages ${p.pages ?? '?'}  items ${p.items ?? '?'}  queue ${p.queue ?? '?'}  (${share})`,
        );
      },
    });
    console.log(
      `\nfinished in ${(r.elapsedMs / 1000).toFixed(1)} s: ${r.pages} pages (site ground truth: ${r.expectedPages}), ` +
        `${r.items} items, ${r.duplicatesFiltered} duplicate requests filtered`,
    );
    for (const w of r.workers) {
      const mine = w.summary ? statValue(w.summary.local, STAT.pages) : (r.perNode[w.node] ?? 0);
      console.log(
        `  ${w.node}: ${mine} pages (${r.pages ? Math.round((100 * mine) / r.pages) : 0}%), exit ${w.exit}, reason ${w.summary?.reason ?? '?'}`,
      );
    }
    const ok =
      r.pages === r.expectedPages && r.workers.every((w) => w.exit === 0 && w.summary?.reason === 'finished');
    console.log(
      ok
        ? 'every page fetched exactly once; every worker saw the end of the crawl and exited 0'
        : 'MISMATCH: see above',
    );
    return ok ? 0 : 1;
  } finally {
    await local.close();
  }
}

export const demoCommand: LabCommand = {
  name: 'demo',
  usage: USAGE,
  options: {
    workers: { type: 'string' },
    'list-pages': { type: 'string' },
    'latency-ms': { type: 'string' },
  },
  run: ({ values }) =>
    demo({
      workers: intOf('workers', values['workers'], 3, 1, 16),
      listPages: intOf('list-pages', values['list-pages'], 20, 1, 1000),
      latencyMs: intOf('latency-ms', values['latency-ms'], 0, 0, 10_000),
    }),
};
