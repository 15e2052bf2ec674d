import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryScheduler } from '../../../crawler/scheduler/memory-scheduler.ts';
import { req, settingsWith, sharedCases } from './cases.ts';

sharedCases(async (overrides) => {
  const s = new MemoryScheduler({ settings: settingsWith(overrides) });
  await s.open();
  return s;
});

test('memory scheduler records a finally failed request with its reason and attempts', async () => {
  const s = new MemoryScheduler({ settings: settingsWith() });
  await s.enqueue([req('broken')]);
  const [lease] = (await s.next(1)).leases;
  await s.complete([
    {
      kind: 'failed',
      leaseId: lease!.leaseId,
      request: { ...lease!.request, attempt: 2 },
      reason: 'HTTP 500',
    },
  ]);
  const [failure] = [...s.failures().values()];
  assert.equal(failure?.reason, 'HTTP 500');
  assert.equal(failure?.attempts, 3);
  assert.equal((await s.next(1)).state, 'finished');
});
