import { ConfigError } from '../errors.ts';
import { REDIS_KEYS, type Settings } from '../settings/defaults.ts';

/** Every Redis key of one crawl, resolved from the REDIS_KEYS templates. */
export type CrawlKeys = { readonly prefix: string } & { readonly [K in keyof typeof REDIS_KEYS]: string };

/**
 * The key prefix: settings.redisKeyPrefix with '{spider}' replaced by the spider name,
 * so the default keys are the article's: `tieba:requests`, `tieba:dupefilter`...
 * On Redis Cluster set redisKeyPrefix to '{{spider}}': the keys become `{tieba}:...`,
 * one hash tag, one slot, as the multi-key Lua scripts need.
 */
export function resolvePrefix(spider: string, settings: Pick<Settings, 'redisKeyPrefix'>): string {
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(spider)) {
    throw new ConfigError(
      'CRAWL_E_SPIDER_INVALID',
      `spider name ${JSON.stringify(spider)} cannot be used in Redis keys`,
      {
        hint: 'use 1-100 letters, digits, dots, dashes or underscores, e.g. "tieba"',
      },
    );
  }
  return settings.redisKeyPrefix.split('{spider}').join(spider);
}

export function keysFor(spider: string, settings: Pick<Settings, 'redisKeyPrefix'>): CrawlKeys {
  const prefix = resolvePrefix(spider, settings);
  const out: Record<string, string> = { prefix };
  for (const [name, template] of Object.entries(REDIS_KEYS)) out[name] = template.replace('{prefix}', prefix);
  return out as CrawlKeys;
}

/** Keys in the fixed order the Lua scripts expect (see lua/common.lua). */
export function scriptKeys(keys: CrawlKeys): string[] {
  return [
    keys.requests,
    keys.delayed,
    keys.seq,
    keys.dupefilter,
    keys.bloom,
    keys.startUrls,
    keys.leases,
    keys.workers,
    keys.worker,
    keys.stats,
    keys.failed,
    keys.meta,
  ];
}

/** Redis glob pattern matching every key of the crawl (the prefix is glob-escaped). */
export function prefixPattern(keys: CrawlKeys): string {
  return `${keys.prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`;
}
