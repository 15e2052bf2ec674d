#!/usr/bin/env -S npx tsx
import { loadLabConfig } from '../../provision/config/index.ts';
import { openLab } from '../../provision/lab.ts';
/**
 * npm run lab — the quick start: bring the lab up on the best provider
 * available and run the crawl (lab:up, then lab:crawl). Where no stand-in or VM
 * provider is usable (not Linux, not root), it runs the same distributed crawl
 * with local processes and says so.
 */
import { runLocalCrawl } from '../lib/local-crawl.ts';
import { crawlCommand } from './crawl.ts';
import { isMain, runLabCommand } from './run.ts';
import { upCommand } from './up.ts';

export async function labCommand(): Promise<number> {
  loadLabConfig(); // a broken lab.yaml stops here with its own message, never falls back
  try {
    await openLab({ log: () => {} });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    console.log(
      `provider: local (${why})\nrunning the distributed crawl with local processes instead: 3 workers, 20 list pages`,
    );
    const r = await runLocalCrawl({ workers: 3, listPages: 20, latencyMs: 0 });
    const pages = Number(r.crawl['response_received_count'] ?? 0);
    console.log(
      `finished: ${pages} pages (ground truth ${r.truthPages}), workers exited ${r.workers.map((w) => w.exitCode).join(', ')}`,
    );
    return pages === r.truthPages && r.workers.every((w) => w.exitCode === 0) ? 0 : 1;
  }
  const up = await upCommand();
  if (up !== 0) return up;
  return crawlCommand();
}

if (isMain(import.meta.url)) await runLabCommand('lab', labCommand);
