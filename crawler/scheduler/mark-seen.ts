import type { Redis } from 'ioredis';
import type { Settings } from '../settings/defaults.ts';
import { createFilterCodec } from './dupefilter.ts';
import { keysFor } from './keys.ts';
import { Scripts } from './scripts.ts';

/**
 * Add fingerprints to a crawl's shared filter without queueing anything, through
 * the same Lua path workers use (scrapy-redis users pre-fill the dupefilter to
 * skip URLs they already have). Returns how many were new. `fingerprints` are
 * the raw 20-byte digests of `fingerprint(request)`.
 */
export async function markSeen(
  redis: Redis,
  spider: string,
  settings: Settings,
  fingerprints: readonly Buffer[],
): Promise<number> {
  if (fingerprints.length === 0) return 0;
  const codec = createFilterCodec(settings);
  const scripts = new Scripts(redis, {
    keys: keysFor(spider, settings),
    settings,
    workerId: 'admin',
    bloomShards: codec.bloom.shards,
  });
  const args: (string | Buffer)[] = [];
  for (const fp of fingerprints) args.push(...codec.args(fp));
  return (await scripts.call('filter', [fingerprints.length, ...args])) as unknown as number;
}
