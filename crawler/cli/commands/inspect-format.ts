import { STAT, workerStat } from '../../stats.ts';
import type { Inspection } from './inspect.ts';

/** Plain-text view of `crawl inspect`: a few headed sections, values aligned. */

const LABEL = 24;

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

function ago(ms: number, now: number): string {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  return s < 120 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

const row = (label: string, value: string | number) => `  ${label.padEnd(LABEL)}${value}`;

function state(v: Inspection): string {
  if (!v.seeded) return 'not seeded yet (run `crawl seed`)';
  if (v.finished) return 'finished (nothing queued, nothing leased)';
  return v.workers.some((w) => w.alive) ? 'running' : 'waiting for workers (run `crawl run`)';
}

export function formatInspection(v: Inspection, now: Date): string {
  const t = now.getTime();
  const out = [`crawl "${v.spider}" in Redis ${v.redis} (keys ${v.prefix}:*) at ${now.toISOString()}`];
  out.push(row('state', state(v)), '');
  out.push('QUEUE');
  out.push(row('requests waiting', v.queueLength));
  out.push(row('delayed (retry later)', v.delayed));
  out.push(row('start URLs waiting', v.startUrlsWaiting));
  out.push(row('failed for good', v.failed));
  if (v.nextRequests.length > 0) {
    out.push(`  next ${v.nextRequests.length} to be handed out:`, '    priority  url');
    for (const r of v.nextRequests) out.push(`    ${String(r.priority ?? '-').padStart(8)}  ${r.url}`);
  }
  out.push('', 'FINGERPRINTS (requests seen)');
  out.push(row('count', v.fingerprints));
  out.push(row('memory', bytes(v.fingerprintBytes)));
  out.push('', 'LEASES (requests being fetched, per worker)');
  const leases = Object.entries(v.leasesByWorker).filter(([, n]) => n > 0);
  if (leases.length === 0) out.push('  none');
  for (const [id, n] of leases) out.push(row(id, n));
  out.push('', 'ITEMS');
  out.push(row('scraped (all workers)', v.summary.items));
  out.push(row(`in list ${v.prefix}:items`, v.itemsInRedis));
  out.push('', 'STATS (all workers)');
  out.push(row('pages', v.summary.pages));
  out.push(row('duplicates filtered', v.summary.duplicatesFiltered));
  out.push(row('retries', v.summary.retries));
  out.push(row('errors', v.summary.errors));
  const alive = v.workers.filter((w) => w.alive).length;
  out.push('', `WORKERS (${alive} alive of ${v.workers.length})`);
  if (v.workers.length === 0) out.push('  none yet');
  for (const w of v.workers) {
    const pages = v.stats[workerStat(w.id, STAT.pages)] ?? 0;
    out.push(
      `  ${w.alive ? 'alive' : 'gone '}  ${w.id.padEnd(20)} ${(w.host || '-').padEnd(16)} pages ${String(pages).padEnd(8)} leases ${String(w.leases).padEnd(4)} seen ${ago(w.lastSeenMs, t)}`,
    );
  }
  return out.join('\n');
}
