import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DropItem } from '../../../crawler/errors.ts';
import { roundsOf, toPendingWrite } from '../../../crawler/pipelines/mongo-update.ts';

test('an item becomes a $set of its fields plus _key; dotted names stay paths', () => {
  const w = toPendingWrite('t1', { title: 'x', 'floors.8812': { floor: 2 }, gone: undefined });
  assert.deepEqual(w, { key: 't1', set: { _key: 't1', title: 'x', 'floors.8812': { floor: 2 } } });
});

test('an _id equal to the item key is accepted and left to the filter; any other _id drops the item', () => {
  assert.deepEqual(toPendingWrite('k', { _id: 'k', a: 1 }).set, { _key: 'k', a: 1 });
  assert.throws(
    () => toPendingWrite('k', { _id: 'other' }),
    (e: unknown) => {
      assert.ok(e instanceof DropItem);
      assert.match(e.message, /field "_id" is reserved/);
      return true;
    },
  );
});

test('fields MongoDB would reject on every retry drop the item with the field named', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ floors: {}, 'floors.1': {} }, /"floors\.1" conflicts with the field "floors"/],
    [{ 'a..b': 1 }, /"a\.\.b" has an empty part/],
    [{ 'a.$b': 1 }, /starts a part with \$/],
    [{ '_key.x': 1 }, /writes inside _id or _key/],
  ];
  for (const [item, message] of cases) {
    assert.throws(
      () => toPendingWrite('k', item),
      (e: unknown) => e instanceof DropItem && message.test(e.message),
    );
  }
});

test('writes for the same key go to successive rounds, in the order they were yielded', () => {
  const w = (key: string, n: number) => ({ key, set: { n } });
  const rounds = roundsOf([w('a', 1), w('b', 1), w('a', 2), w('a', 3), w('c', 1), w('b', 2)]);
  assert.deepEqual(
    rounds.map((r) => r.map((x) => `${x.key}${x.set['n']}`)),
    [['a1', 'b1', 'c1'], ['a2', 'b2'], ['a3']],
  );
});
