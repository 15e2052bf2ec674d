import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onlyList } from '../../lab/commands/up.ts';
import { selectSteps } from '../../provision/lab.ts';
import type { Step } from '../../provision/types.ts';

const step = (id: string): Step => ({ id, appliesTo: () => true, run: async () => ({ status: 'ok' }) });
const STEPS = ['redis-install', 'redis-configure', 'redis-tools-install', 'redis-reachable'].map(step);

test('lab:up -- --only runs the steps named, in lab:up order, and --only machines runs none (issue 12)', () => {
  const ids = (only: string) => selectSteps(STEPS, onlyList(only)!).map((s) => s.id);
  assert.deepEqual(ids('redis-tools-install,redis-install'), ['redis-install', 'redis-tools-install']);
  assert.deepEqual(ids('machines'), []);
  assert.equal(onlyList(undefined), undefined, 'without --only, every step');
});

test('lab:up -- --only with an unknown step stops before anything runs, with the nearest id and the list', () => {
  assert.throws(
    () => selectSteps(STEPS, ['redis-instal']),
    (e: Error & { code?: string; hint?: string }) =>
      e.code === 'CRAWL_E_USAGE' &&
      /no step "redis-instal" \(did you mean redis-install\?\)/.test(e.message) &&
      /machines, redis-install, redis-configure/.test(String(e.hint)),
  );
  assert.throws(() => onlyList(' , '), /--only needs one or more step ids/);
});
