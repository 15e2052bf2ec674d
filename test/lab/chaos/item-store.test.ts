import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeJsonLines } from '../../../lab/items/store.ts';
import { checkStore, storeIsExact } from '../../../lab/runner/truth-check.ts';
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
  assert.deepEqual(
    check.differences.filter((d) => d.kind === 'duplicated'),
    [{ kind: 'duplicated', what: `thread ${truth.docs[0]!.tid}` }],
  );
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

test('a document the site does not have counts as extra and is named', async () => {
  const { truth, lines } = await smallTruth();
  const check = checkStore(mergeJsonLines([lines.join(''), line({ _key: '1', key: '1', tid: '1' })]), truth);
  assert.equal(check.extra, 1);
  assert.equal(check.duplicated, 0);
  assert.deepEqual(check.differences, [{ kind: 'extra', what: 'key 1' }]);
});

test('every field the spider yields is compared: a sub-comment without its author id, a list field changed, or a field the truth does not have makes the thread wrong', async () => {
  const { truth, lines } = await smallTruth();
  const tids = truth.docs.map((d) => String(d.tid));
  const withSub = truth.docs.find((d) => d.floors.some((f) => f.page === 1 && f.subComments.length > 0));
  assert.ok(withSub, 'the small site has a sub-comment on a first page');
  const floor = withSub.floors.find((f) => f.subComments.length > 0)!;
  const sub = floor.subComments[0]!;
  const noAuthorId = line({
    _key: String(withSub.tid),
    [`floors.${floor.postId}.subComments.${sub.commentId}.author`]: { name: sub.author.userName },
  });
  const other = tids.find((t) => t !== String(withSub.tid))!;
  const third = tids.find((t) => t !== String(withSub.tid) && t !== other)!;
  const noAbstract = line({ _key: other, abstract: '' });
  const unknownField = line({ _key: third, [`floors.${truth.docs[2]!.floors[0]!.postId}.mood`]: 'happy' });
  const check = checkStore(mergeJsonLines([lines.join('') + noAuthorId + noAbstract + unknownField]), truth);
  assert.equal(check.wrong, 3);
  assert.deepEqual(
    check.differences.map((d) => d.what).sort(),
    [String(withSub.tid), other, third].map((t) => `thread ${t}`).sort(),
  );
});
