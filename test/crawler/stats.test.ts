import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LUA_STATS, STAT, statFor, statValue, workerStat } from '../../crawler/stats.ts';

/**
 * Stat names are declared once (crawler/stats.ts). The scheduler's Lua scripts
 * cannot import them, so they write the same literal text: every stat a script
 * counts must be a declared one, and every declared Lua stat must be written
 * by some script.
 */
const LUA = new URL('../../crawler/scheduler/lua/', import.meta.url);

test('the Lua scripts count exactly the declared scheduler stats, with the declared names', () => {
  const written = new Set<string>();
  for (const file of readdirSync(LUA)) {
    const text = readFileSync(new URL(file, LUA), 'utf8');
    for (const [, name] of text.matchAll(/\bstat\('([^']+)'/g)) written.add(name!);
  }
  assert.deepEqual([...written].sort(), [...LUA_STATS].sort());
  const declared = new Set<string>(Object.values(STAT));
  for (const name of written) assert.ok(declared.has(name), `${name} is declared in STAT`);
});

test('per-worker fields and families are built one way, and values read as numbers whatever Redis returns', () => {
  assert.equal(workerStat('worker1-1', STAT.pages), 'worker/worker1-1/response_received_count');
  assert.equal(statFor.errorCode('CRAWL_E_TIMEOUT'), 'error_count/CRAWL_E_TIMEOUT');
  assert.equal(statFor.retryReason('CRAWL_E_NETWORK'), 'retry/reason_count/CRAWL_E_NETWORK');
  assert.equal(statValue({ [STAT.pages]: '42' }, STAT.pages), 42);
  assert.equal(statValue({}, STAT.items), 0);
  assert.equal(statValue({ [STAT.items]: 'not a number' }, STAT.items), 0);
});
