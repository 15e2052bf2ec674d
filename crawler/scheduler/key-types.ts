import type { Settings } from '../settings/defaults.ts';
import type { CrawlKeys } from './keys.ts';

/**
 * The Redis type each fixed key of a crawl holds, and what it is for in
 * words. The Lua scripts check the same list (lua/common.lua check_types),
 * and `crawl stats` / `crawl inspect` check it before they read
 * (scheduler/admin.ts), so a key of the wrong type is named with its fix
 * instead of a raw WRONGTYPE.
 */
export const KEY_ROLES = {
  requests: 'the request queue',
  startUrls: 'the start URLs',
  delayed: 'requests waiting to be retried',
  seq: 'the queue sequence counter',
  workers: 'the workers and their heartbeats',
  stats: 'the crawl stats',
  failed: 'requests that failed for good',
  meta: 'the crawl metadata',
  leases: "a worker's leased requests",
  worker: "a worker's host and pid",
} as const;

export type KeyRole = keyof typeof KEY_ROLES;

/** The type each fixed key must have under these settings. */
export function expectedTypes(
  keys: CrawlKeys,
  settings: Pick<Settings, 'redisStartUrlsAsSet' | 'schedulerQueueClass'>,
): { key: string; role: KeyRole; type: string }[] {
  return [
    {
      key: keys.requests,
      role: 'requests',
      type: settings.schedulerQueueClass === 'priority' ? 'zset' : 'list',
    },
    { key: keys.startUrls, role: 'startUrls', type: settings.redisStartUrlsAsSet ? 'set' : 'list' },
    { key: keys.delayed, role: 'delayed', type: 'zset' },
    { key: keys.seq, role: 'seq', type: 'string' },
    { key: keys.workers, role: 'workers', type: 'zset' },
    { key: keys.stats, role: 'stats', type: 'hash' },
    { key: keys.failed, role: 'failed', type: 'hash' },
    { key: keys.meta, role: 'meta', type: 'hash' },
  ];
}

/** Which fixed key (or per-worker key) this is, by name. */
export function roleOf(key: string, keys: CrawlKeys): KeyRole | undefined {
  for (const role of Object.keys(KEY_ROLES) as KeyRole[]) if (keys[role] === key) return role;
  if (key.startsWith(`${keys.leases}:`)) return 'leases';
  if (key.startsWith(`${keys.worker}:`)) return 'worker';
  return undefined;
}
