import type { Settings } from '../settings/defaults.ts';
import { STAT } from '../stats.ts';
import type { LocalStats } from './local-stats.ts';

/**
 * Scrapy's CLOSESPIDER_* conditions. Counts are crawl-wide: the engine passes
 * the latest totals read from the scheduler (refreshed about once a second)
 * plus this worker's increments not yet sent. Returns the close reason, if any.
 */
export function closeReason(
  settings: Settings,
  local: LocalStats,
  startedAt: number,
  crawl: Readonly<Record<string, number | string>> = {},
  unsent: Readonly<Record<string, number>> = {},
): string | undefined {
  const total = (name: string) => {
    const c = crawl[name];
    const shared = typeof c === 'number' ? c : 0;
    // without crawl-wide totals (memory scheduler) fall back to this worker's own count
    return Math.max(shared + (unsent[name] ?? 0), local.get(name));
  };
  if (settings.closespiderTimeout > 0 && Date.now() - startedAt >= settings.closespiderTimeout * 1000) {
    return 'closespider_timeout';
  }
  if (settings.closespiderPagecount > 0 && total(STAT.pages) >= settings.closespiderPagecount) {
    return 'closespider_pagecount';
  }
  if (settings.closespiderItemcount > 0 && total(STAT.items) >= settings.closespiderItemcount) {
    return 'closespider_itemcount';
  }
  if (settings.closespiderErrorcount > 0 && total(STAT.errors) >= settings.closespiderErrorcount) {
    return 'closespider_errorcount';
  }
  return undefined;
}

export function needsCrawlTotals(settings: Settings): boolean {
  return (
    settings.closespiderPagecount > 0 ||
    settings.closespiderItemcount > 0 ||
    settings.closespiderErrorcount > 0
  );
}
