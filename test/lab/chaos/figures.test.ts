import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tick } from '../../../lab/chaos/driver.ts';
import {
  figuresTable,
  MARK_END,
  MARK_START,
  medianRate,
  recoveryMs,
  replaceFigures,
} from '../../../lab/chaos/figures.ts';

/** A timeline: one tick a second with the given page counts (undefined = Redis did not answer). */
const timeline = (pages: (number | undefined)[]): Tick[] =>
  pages.map((p, i) => ({ atMs: (i + 1) * 1000, pages: p, queue: 0 }));

test('the median rate is over busy 2-second windows, so the idle tail of a crawl does not lower it', () => {
  const ticks = timeline([10, 20, 30, 40, 50, 50, 50, 50]);
  assert.equal(medianRate(ticks), 10);
});

test('recovery is measured from the end of the fault to the first window after it back at the threshold', () => {
  // 10 pages/s, stalled from 4 s to 9 s (Redis down: no answer for two ticks), then 10 pages/s again
  const ticks = timeline([10, 20, 30, 40, undefined, undefined, 40, 40, 40, 50, 60, 70]);
  assert.equal(recoveryMs(ticks, 9000, 5), 2000, 'window 9 s → 11 s: 10 pages/s');
  assert.equal(recoveryMs(ticks, 9000, 50), undefined, 'never back at 50 pages/s');
});

test('a crawl that ends during the fault has no recovery time', () => {
  assert.equal(recoveryMs(timeline([10, 20, 30, 30]), 5000, 1), undefined);
});

test('the figures table replaces only the text between its markers and shows missing figures as a dash', () => {
  const doc = `# Chaos\n\n${MARK_START}\nold table\n${MARK_END}\n\nafter\n`;
  const table = figuresTable([
    {
      scenario: 'mongo-down',
      result: 'pending',
      expectedItems: undefined,
      foundItems: undefined,
      lost: undefined,
      duplicated: undefined,
      duplicateFetches: undefined,
      recoveryS: undefined,
      extraWallS: undefined,
      note: 'needs MongoDB | in the lab',
    },
  ]);
  const out = replaceFigures(doc, table);
  assert.ok(out.startsWith(`# Chaos\n\n${MARK_START}\n| scenario |`));
  assert.ok(out.endsWith(`${MARK_END}\n\nafter\n`));
  assert.ok(!out.includes('old table'));
  assert.match(out, /\| mongo-down \| pending \| – \| – \|/);
  assert.match(out, /needs MongoDB \/ in the lab/, 'a | in a note cannot break the table');
  assert.equal(replaceFigures(out, table), out, 'rewriting the same figures changes nothing');
});

test('a doc without the markers is refused with the lines to put back', () => {
  assert.throws(
    () => replaceFigures('# Chaos\n', 'x'),
    (e: Error & { code?: string; hint?: string }) =>
      e.code === 'CRAWL_E_USAGE' && (e.hint ?? '').includes(MARK_START),
  );
});
