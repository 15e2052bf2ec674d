import { type OpenLabOptions, openLab } from '../../provision/lab.ts';
import { type CrawlSummary, runCrawl } from '../runner/run-crawl.ts';
import type { LabCommand } from './run-command.ts';

/** The summary lab:crawl prints, and whether the crawl is what it should be (exit 0). */
export function crawlReport(r: CrawlSummary): { lines: string[]; ok: boolean } {
  const lines = [
    `\nfinished in ${(r.elapsedMs / 1000).toFixed(1)} s: ${r.pages} pages, ${r.items} items, ${r.duplicatesFiltered} duplicate requests avoided`,
  ];
  for (const [node, pages] of Object.entries(r.perNode)) {
    lines.push(
      `  ${node.padEnd(10)} ${String(pages).padStart(6)} pages (${r.pages ? Math.round((100 * pages) / r.pages) : 0}%)`,
    );
  }
  lines.push(`items: ${r.itemSink}`);
  const failed = r.workers.filter((w) => w.exit !== 0);
  for (const w of failed)
    lines.push(
      `  worker ${w.id} on ${w.node}: ${w.exit === 'stopped' ? 'stopped' : `exit ${w.exit}`} (npm run lab:logs -- ${w.node})`,
    );
  if (r.expectedPages !== undefined) {
    lines.push(
      r.pages === r.expectedPages
        ? `matches the site's ground truth: ${r.expectedPages} pages, each fetched once`
        : `MISMATCH: the site's ground truth is ${r.expectedPages} pages`,
    );
  }
  return {
    lines,
    ok: failed.length === 0 && (r.expectedPages === undefined || r.pages === r.expectedPages),
  };
}

export async function crawl(o: { resume?: boolean; open?: OpenLabOptions } = {}): Promise<number> {
  const lab = await openLab(o.open);
  const resume = Boolean(o.resume);
  console.log(
    `${resume ? 'resuming' : 'starting'} the crawl: ${lab.config.crawl.target}, ${lab.config.crawl.listPages} list pages, ${lab.nodes.length} nodes`,
  );
  const r = await runCrawl(lab, {
    resume,
    onTick: (p) => {
      if (p.pages === undefined) return; // Redis does not answer: the runner says so once
      const nodes = Object.entries(p.perNode)
        .map(([n, v]) => `${n} ${v.rate.toFixed(0)}/s`)
        .join('  ');
      console.log(
        `${(p.elapsedMs / 1000).toFixed(0).padStart(4)} s  pages ${p.pages}  queue ${p.queue}  fingerprints ${p.fingerprints}  items ${p.items}  | ${nodes}`,
      );
    },
  });
  const report = crawlReport(r);
  for (const line of report.lines) console.log(line);
  return report.ok ? 0 : 1;
}

export const crawlCommand: LabCommand = {
  name: 'crawl',
  usage: `npm run lab:crawl [-- --resume]

Reset the crawl (or resume it), seed the start URL, start a worker on every
node, show live progress, wait until the distributed crawl finishes by itself,
and print a summary checked against the site's ground truth.

  --resume   keep the queue, fingerprints and items of the last crawl and go on from them`,
  options: { resume: { type: 'boolean' } },
  run: ({ values }) => crawl({ resume: Boolean(values['resume']) }),
};
