import type { RunSummary } from '../engine/engine.ts';
import { STAT, statFor } from '../stats.ts';

const n = (v: unknown) => (typeof v === 'number' ? v : Number(v) || 0);

/** The end-of-run summary a worker prints: the whole crawl, then this worker's share. */
export function formatSummary(spider: string, s: RunSummary): string {
  const c = s.crawl;
  const pages = n(c[STAT.pages]);
  const mine = n(s.local[STAT.pages]);
  const secs = s.elapsedMs / 1000;
  const lines = [
    `crawl "${spider}" ${s.reason === 'finished' ? 'is finished' : `stopped (${s.reason})`} — worker ${s.workerId}`,
    `  whole crawl : ${pages} pages, ${n(c[STAT.items])} items, ${n(c[STAT.duplicatesFiltered])} duplicates filtered, ` +
      `${n(c[STAT.retries])} retries, ${n(c[STAT.errors])} errors`,
    `  this worker : ${mine} pages (${pages > 0 ? Math.round((100 * mine) / pages) : 0}% of all), ` +
      `${n(s.local[STAT.items])} items, ${secs.toFixed(1)} s, ${secs > 0 ? (mine / secs).toFixed(1) : '0'} pages/s`,
  ];
  // requests dropped by a typed error (response.$ on a response that is not HTML, a bad URL, ...): never silent
  const prefix = statFor.ignored('');
  const ignored = Object.entries(c)
    .filter(([k, v]) => k.startsWith(prefix) && n(v) > 0)
    .map(([k, v]) => `${n(v)} ${k.slice(prefix.length)}`);
  if (ignored.length > 0)
    lines.push(`  ignored     : ${ignored.join(', ')} (crawl stats ${spider} shows every counter)`);
  return lines.join('\n');
}

export function formatStats(stats: Record<string, number | string>): string {
  const keys = Object.keys(stats).sort();
  const width = Math.max(10, ...keys.map((k) => k.length));
  return keys.map((k) => `${k.padEnd(width)}  ${stats[k]}`).join('\n');
}
