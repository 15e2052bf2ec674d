import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkStore, storeIsExact } from '../../../lab/chaos/outcome.ts';
import { mergeJsonLines } from '../../../lab/items/store.ts';
import { line, smallTruth } from './small-truth.ts';

/** The chaos check on a small real site's items, merged from JSON lines spread over nodes. */

test('parts of one thread stored on different nodes merge into exactly the ground truth', async () => {
  const { truth, lines } = await smallTruth();
  const even = lines.filter((_, i) => i % 2 === 0).join('');
  const odd = lines.filter((_, i) => i % 2 === 1).join('');
  const check = checkStore(mergeJsonLines([odd, even]), truth);
  assert.deepEqual(
    { lost: check.lost, duplicated: check.duplicated, wrong: check.wrong, found: check.found },
    { lost: 0, duplicated: 0, wrong: 0, found: 3 },
  );
  assert.ok(storeIsExact(check));
});

test('an item stored twice (a re-delivered page on an append-only file) counts as duplicated', async () => {
  const { truth, lines } = await smallTruth();
  const check = checkStore(mergeJsonLines([lines.join(''), lines[1]!]), truth);
  assert.equal(check.duplicated, 1);
  assert.equal(storeIsExact(check), false);
});

test('a missing thread is lost, a thread missing its floors is wrong, a torn line is unreadable', async () => {
  const { truth, lines } = await smallTruth();
  const [, , row2, , row3, page3] = lines;
  const check = checkStore(mergeJsonLines([`${row2}${row3}${page3}{"_key":"12`]), truth);
  assert.equal(check.lost, 1, 'the first thread has no item at all');
  assert.equal(check.wrong, 1, 'the second has its list row but no thread page');
  assert.equal(check.unreadable, 1);
  assert.equal(storeIsExact(check), false);
});

test('a document the site does not have counts as duplicated', async () => {
  const { truth, lines } = await smallTruth();
  const check = checkStore(mergeJsonLines([lines.join(''), line({ _key: '1', key: '1', tid: '1' })]), truth);
  assert.equal(check.duplicated, 1);
});
