import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pingAfterLoading, redisReachable } from '../../provision/steps/redis.ts';
import { LocalTransport } from '../../provision/transports/local.ts';
import { startLoadingRedis } from '../helpers/redis-server.ts';
import { node } from './netns-support.ts';

/**
 * Issue 12: `npm run lab:down && npm run lab:up` failed on Redis's reply
 * "LOADING Redis is loading the dataset in memory". lab:up's Redis checks
 * (redis-cli ping from a node, as redis-configure and redis-reachable run it)
 * wait for that state, say so, and give up after a bound with a fix. A real
 * redis-server reads a real dump.rdb slowly; the "worker" runs redis-cli on
 * this machine through the local transport.
 */
const master = node('master', '127.0.0.1', 'master');
const worker = node('worker1', '127.0.0.1');

test('issue 12: redis-reachable waits while the master Redis loads its dataset, says so, then passes', {
  timeout: 120_000,
}, async (t) => {
  const redis = await startLoadingRedis();
  t.after(() => redis.stop());
  const lines: string[] = [];
  const step = redisReachable({ port: redis.port, password: undefined, articleExact: false });
  const status = await step.run({
    node: worker,
    transport: new LocalTransport(worker),
    nodes: [master, worker],
    log: (l) => lines.push(l),
  });
  assert.deepEqual(status, { status: 'ok' });
  assert.match(
    lines.join('\n'),
    /Redis at 127\.0\.0\.1:\d+ is loading its dataset into memory \(LOADING\); waiting up to 120 s/,
  );
  assert.match(lines.join('\n'), /finished loading after/);
});

test('issue 12: the LOADING wait of lab:up is bounded and ends in CRAWL_E_REDIS_LOADING with the fix', {
  timeout: 120_000,
}, async (t) => {
  const redis = await startLoadingRedis(40_000);
  t.after(() => redis.stop());
  const o = { port: redis.port, password: undefined, articleExact: false, loadingTimeoutS: 1 };
  await assert.rejects(
    pingAfterLoading(new LocalTransport(master), '127.0.0.1', o, () => {}),
    (error: unknown) => {
      const e = error as { code?: string; message: string; hint?: string };
      assert.equal(e.code, 'CRAWL_E_REDIS_LOADING');
      assert.match(e.message, /still loading its dataset into memory after 1 s/);
      assert.match(e.hint ?? '', /run npm run lab:up again once it is done/);
      return true;
    },
  );
});
