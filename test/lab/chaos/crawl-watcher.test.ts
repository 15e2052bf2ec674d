import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveSettings } from 'crawl-lab';
import { Redis } from 'ioredis';
import { crawlWatcher } from '../../../lab/runner/watcher.ts';
import { startRedis, type TestRedis } from '../../helpers/redis.ts';

/**
 * lab:crawl's and lab:chaos's progress loops read the crawl state through
 * crawlWatcher: when the master's Redis goes away (redis-restart) they must
 * say so once and keep going, and read again when it is back on the same port.
 */
test('the progress reader says once that Redis is unreachable, keeps going, and reads again when Redis is back', async (t) => {
  let redis: TestRedis = await startRedis();
  t.after(() => redis.stop());
  const url = redis.url;
  const { settings } = resolveSettings({ env: {}, flags: { redisUrl: url } });
  const down: string[] = [];
  const up: number[] = [];
  const watch = crawlWatcher(url, settings, { onDown: (why) => down.push(why), onUp: (ms) => up.push(ms) });
  t.after(() => watch.close());

  const before = await watch.inspect();
  assert.ok(before, 'reads while Redis answers');
  assert.equal(before.queueLength, 0);

  const port = redis.port;
  await redis.stop();
  assert.equal(await watch.inspect(), undefined, 'no answer: undefined, not a throw');
  assert.equal(await watch.inspect(), undefined);
  assert.equal(down.length, 1, 'one line per outage, not one per tick');
  assert.match(down[0]!, /127\.0\.0\.1/, 'the reason names where it tried');

  // the same port again (the last --port wins; the helper's own client() would dial the port it drew)
  redis = await startRedis(['--port', String(port)]);
  const c = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 2 });
  t.after(() => c.disconnect());
  await c.rpush('tieba:requests', '{"url":"http://127.0.0.1/"}');
  const after = await watch.inspect();
  assert.ok(after, 'reads again with a fresh connection');
  assert.equal(after.queueLength, 1, 'from the Redis that came back');
  assert.equal(up.length, 1);
  assert.equal(down.length, 1);
});
