#!/usr/bin/env -S npx tsx
/**
 * npm run lab:crawl [-- --resume] — reset (or resume) the crawl, seed the start
 * URL, start a worker on every node, show live progress, wait until the
 * distributed crawl finishes by itself, and print a summary.
 */
import { argv } from 'zx';
import { openLab } from '../../provision/lab.ts';
import { labCrawl } from '../../provision/lab-crawl.ts';
import { isMain, runLabCommand } from './run.ts';

export async function crawlCommand(): Promise<number> {
  const lab = await openLab();
  const resume = Boolean(argv['resume']);
  console.log(
    `${resume ? 'resuming' : 'starting'} the crawl: ${lab.config.crawl.target}, ${lab.config.crawl.listPages} list pages, ${lab.nodes.length} nodes`,
  );
  const r = await labCrawl(lab, {
    resume,
    onProgress: (p) => {
      const nodes = Object.entries(p.perNode)
        .map(([n, v]) => `${n} ${v.rate.toFixed(0)}/s`)
        .join('  ');
      console.log(
        `${(p.elapsedMs / 1000).toFixed(0).padStart(4)} s  pages ${p.pages}  queue ${p.queue}  fingerprints ${p.fingerprints}  items ${p.items}  | ${nodes}`,
      );
    },
  });
  console.log(
    `\nfinished in ${(r.elapsedMs / 1000).toFixed(1)} s: ${r.pages} pages, ${r.items} items, ${r.duplicatesFiltered} duplicate requests avoided`,
  );
  for (const [node, pages] of Object.entries(r.perNode)) {
    console.log(
      `  ${node.padEnd(10)} ${String(pages).padStart(6)} pages (${r.pages ? Math.round((100 * pages) / r.pages) : 0}%)`,
    );
  }
  console.log(`items: ${r.itemSink}`);
  const failed = r.workers.filter((w) => w.exit !== 0);
  for (const w of failed)
    console.log(
      `  worker ${w.id} on ${w.node}: ${w.exit === 'stopped' ? 'stopped' : `exit ${w.exit}`} (npm run lab:logs -- ${w.node})`,
    );
  if (r.expectedPages !== undefined) {
    console.log(
      r.pages === r.expectedPages
        ? `matches the site's ground truth: ${r.expectedPages} pages, each fetched once`
        : `MISMATCH: the site's ground truth is ${r.expectedPages} pages`,
    );
  }
  return failed.length === 0 && (r.expectedPages === undefined || r.pages === r.expectedPages) ? 0 : 1;
}

if (isMain(import.meta.url)) await runLabCommand('crawl', crawlCommand);
