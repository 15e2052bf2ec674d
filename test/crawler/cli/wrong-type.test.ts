import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crawlCli } from '../../helpers/crawl-cli.ts';
import { sharedRedis } from '../../helpers/redis.ts';

/** Issue 15 §5: crawl stats and crawl inspect name a key of the wrong type and its fix. */
const redis = sharedRedis();

test('crawl stats and inspect explain a key of the wrong type at stats, workers, meta or failed (issue 15)', async () => {
  const cases = [
    { key: 'stats', write: (k: string) => redis.admin.set(k, 'x') },
    { key: 'workers', write: (k: string) => redis.admin.hset(k, 'w', '1') },
    { key: 'meta', write: (k: string) => redis.admin.rpush(k, 'x') },
    { key: 'failed', write: (k: string) => redis.admin.sadd(k, 'x') },
  ];
  let n = 0;
  for (const c of cases) {
    const prefix = `wt${++n}`;
    await c.write(`${prefix}:${c.key}`);
    for (const command of ['stats', 'inspect']) {
      const r = await crawlCli([command, 'x', '--redis', redis.url, '--set', `redisKeyPrefix=${prefix}`])
        .done;
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`Redis key "${prefix}:${c.key}" is a \\w+, but a \\w+ is expected`));
      assert.match(r.stderr, /fix: .*redis-cli DEL/);
      assert.doesNotMatch(r.stderr, /ReplyError|WRONGTYPE Operation|^\s+at /m);
    }
  }
});
