import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeJsonLines, readMongoItems } from '../../../lab/items/store.ts';
import { checkStore, storeIsExact } from '../../../lab/runner/truth-check.ts';
import { freshDatabase, mongoSkipReason, startMongo } from '../../helpers/mongo.ts';
import { smallTruth } from './small-truth.ts';

/**
 * The chaos check reading a real MongoDB-protocol server (FerretDB here): the
 * documents as the lab's sink upserts them (`_id` = `_key` = thread id). A
 * unique `_id` cannot hold a thread twice under one key, so the check also
 * looks for a thread under a second key and a floor stored twice.
 */
const skip = await mongoSkipReason();

async function storeOf(t: import('node:test').TestContext, docs: Record<string, unknown>[]) {
  const mongo = await startMongo();
  t.after(() => mongo.stop());
  const { database, client } = await freshDatabase(t, mongo);
  if (docs.length > 0)
    await client
      .db(database)
      .collection('tieba')
      .insertMany(docs as never[]);
  const sink = {
    kind: 'mongodb' as const,
    uri: mongo.url,
    hostUri: mongo.url,
    database,
    collection: 'tieba',
    where: 'test',
  };
  return readMongoItems(sink);
}

/** The ground truth's threads as the sink stores them. */
async function truthDocuments() {
  const { truth, lines } = await smallTruth();
  const merged = mergeJsonLines([lines.join('')]);
  const docs: Record<string, unknown>[] = [...merged.docs].map(([key, d]) => ({
    _id: key,
    _key: key,
    ...structuredClone(d),
  }));
  return { truth, docs };
}

test('a collection holding exactly the ground truth passes the check', { skip }, async (t) => {
  const { truth, docs } = await truthDocuments();
  const check = checkStore(await storeOf(t, docs), truth);
  assert.deepEqual([check.lost, check.duplicated, check.wrong, check.found], [0, 0, 0, 3]);
  assert.ok(storeIsExact(check));
});

test('a thread stored again under a second key counts as duplicated', { skip }, async (t) => {
  const { truth, docs } = await truthDocuments();
  const again = { ...structuredClone(docs[0]!), _id: 'copy', _key: 'copy' };
  const check = checkStore(await storeOf(t, [...docs, again]), truth);
  assert.ok(check.duplicated >= 1, JSON.stringify(check));
  assert.equal(storeIsExact(check), false);
});

test('a floor stored twice in one thread (under a second id) counts as duplicated', { skip }, async (t) => {
  const { truth, docs } = await truthDocuments();
  const doc = docs[1]! as { floors: Record<string, unknown> };
  const [firstId, first] = Object.entries(doc.floors)[0]!;
  doc.floors[`${firstId}9`] = structuredClone(first);
  const check = checkStore(await storeOf(t, docs), truth);
  assert.equal(check.duplicated, 1);
  assert.equal(check.wrong, 1, 'the thread no longer equals its truth');
});

test('a thread missing from the collection is lost', { skip }, async (t) => {
  const { truth, docs } = await truthDocuments();
  const check = checkStore(await storeOf(t, docs.slice(1)), truth);
  assert.deepEqual([check.lost, check.found], [1, 2]);
});
