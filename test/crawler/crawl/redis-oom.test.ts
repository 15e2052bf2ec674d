import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { crawlThroughFault } from '../../helpers/ride-through.ts';

/**
 * Issue 15 §5: Redis out of memory (maxmemory reached, policy noeviction)
 * refuses every write. A worker rides it through as it rides a Redis restart:
 * it says why once, with the fix, waits, and finishes the crawl when Redis
 * takes writes again; nothing lost, nothing fetched twice.
 */
test('a worker rides through Redis out of memory for 3 s, says why with the maxmemory and bloom hint, and crawls every page once (issue 15)', {
  timeout: 90_000,
}, async (t) => {
  const r = await crawlThroughFault(t, 'oom', async (admin) => {
    // out of memory: every write is refused from now on, for 3 s
    await admin.config('SET', 'maxmemory', '1');
    await sleep(3000);
    await admin.config('SET', 'maxmemory', '0');
  });
  assert.match(r.stderr, /Redis is out of memory .*refuses writes/);
  assert.match(r.stderr, /fix: .*maxmemory.*dupefilterClass=bloom/);
  assert.equal(
    r.stderr.match(/Redis is out of memory/g)?.length,
    1,
    'said once per episode, not once per try',
  );
});
