import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Which crawl is the lab's current one (issue 12: items.jsonl grew across
 * crawls). Every fresh crawl gets an id, its UTC start time (`20261206-184512`),
 * kept in the lab's state folder (<LAB_STATE>/crawl.json); where items go to
 * JSON lines, each node writes them to `items/<id>.jsonl` in its data folder,
 * so a new crawl starts a new file and `--resume` appends to the current one.
 * `npm run lab:items` gathers one crawl's files (lab/items/export.ts).
 */
export interface CrawlRecord {
  id: string;
  /** ISO 8601 start time. */
  started: string;
}

const ID = /^\d{8}-\d{6}(?:-\d{1,3})?$/;

function recordFile(stateDir: string): string {
  return join(stateDir, 'crawl.json');
}

/** Is this a crawl id (what `lab:items --crawl` accepts)? */
export function isCrawlId(id: string): boolean {
  return ID.test(id);
}

/** The current crawl, as the last fresh crawl recorded it; undefined before the first one. */
export function currentCrawl(stateDir: string): CrawlRecord | undefined {
  const file = recordFile(stateDir);
  if (!existsSync(file)) return undefined;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Partial<CrawlRecord>;
    return typeof r.id === 'string' && isCrawlId(r.id)
      ? { id: r.id, started: String(r.started ?? '') }
      : undefined;
  } catch {
    return undefined; // a damaged record: the next crawl starts a new one
  }
}

/** A fresh crawl: a new id (never the current one's, even within the same second), recorded. */
export function startCrawl(stateDir: string, now = new Date()): CrawlRecord {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const previous = currentCrawl(stateDir)?.id;
  // two crawls in one second (tests, a quick restart): the second one's id carries the milliseconds
  const id = previous?.startsWith(stamp)
    ? `${stamp}-${String(now.getUTCMilliseconds()).padStart(3, '0')}`
    : stamp;
  const record = { id, started: now.toISOString() };
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = recordFile(stateDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(record)}\n`);
  renameSync(temporary, file);
  return record;
}

/** The current crawl, or a new one when none was recorded yet (a worker started outside lab:crawl). */
export function crawlOf(stateDir: string): CrawlRecord {
  return currentCrawl(stateDir) ?? startCrawl(stateDir);
}

/** Forget the current crawl (lab:destroy: its items files went with the nodes). */
export function forgetCrawl(stateDir: string): void {
  rmSync(recordFile(stateDir), { force: true });
}
