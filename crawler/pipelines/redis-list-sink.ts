import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Item } from '../spiders/spider.ts';
import type { ItemContext, PipelineStep } from './types.ts';

/**
 * scrapy-redis's RedisPipeline, made idempotent: an item goes to the list
 * `<prefix>:items` only if its key and content are new in the set `<prefix>:items:keys`,
 * checked and pushed in one Lua call per flush. A re-delivered page never
 * duplicates an item.
 */
const PUSH_NEW = `
local pushed = 0
for i = 1, #ARGV, 2 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    redis.call('RPUSH', KEYS[1], ARGV[i + 1])
    pushed = pushed + 1
  end
end
return pushed`;

type WithPush = Redis & {
  crawlPushNewItems(itemsKey: string, keysKey: string, ...args: string[]): Promise<number>;
};

export function redisListSink(
  redis: Redis,
  itemsKey: string,
  keysKey: string,
  o: { itemKey?: boolean } = {},
): PipelineStep {
  let pending: string[] = [];
  const client = redis as WithPush;
  if (typeof client.crawlPushNewItems !== 'function') {
    redis.defineCommand('crawlPushNewItems', { numberOfKeys: 2, lua: PUSH_NEW });
  }
  return {
    name: 'redis-list',
    processItem(item: Item, ctx: ItemContext) {
      const json = JSON.stringify(o.itemKey ? { _key: ctx.key, ...item } : item);
      // identity = key + content: a re-delivered page repeats identical items (dropped here), while
      // several parts of one document (same key, other fields: the Tieba spider's floors) all stay
      pending.push(`${ctx.key}#${createHash('sha1').update(json).digest('base64url').slice(0, 16)}`, json);
      return item;
    },
    async flush() {
      if (pending.length === 0) return;
      const args = pending;
      pending = [];
      await client.crawlPushNewItems(itemsKey, keysKey, ...args);
    },
  };
}
