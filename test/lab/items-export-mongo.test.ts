import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatItems, itemRecords } from '../../lab/items/export.ts';
import { mergeJsonLines, readMongoItems } from '../../lab/items/store.ts';
import { freshDatabase, mongoSkipReason, startMongo } from '../helpers/mongo.ts';
import { smallTruth } from './chaos/small-truth.ts';

/**
 * Issue 12: `npm run lab:items` gathers one crawl's items from every node's
 * JSON lines or from MongoDB. Whichever the lab used, the file is the same:
 * one record per thread, read by the item store's code (real FerretDB here).
 */
const skip = await mongoSkipReason();

test("lab:items writes the same records from MongoDB as from the nodes' JSON lines of the same crawl, in every format", {
  skip,
}, async (t) => {
  const { lines } = await smallTruth();
  // the nodes: the crawl's JSON lines split over two files, as two nodes write them
  const half = Math.ceil(lines.length / 2);
  const fromNodes = itemRecords(mergeJsonLines([lines.slice(0, half).join(''), lines.slice(half).join('')]));
  assert.ok(fromNodes.length > 0);

  // MongoDB: the same threads as the lab's sink upserts them (_id = _key = the thread's key)
  const mongo = await startMongo();
  t.after(() => mongo.stop());
  const { database, client } = await freshDatabase(t, mongo);
  const merged = mergeJsonLines([lines.join('')]);
  await client
    .db(database)
    .collection('tieba')
    .insertMany(
      [...merged.docs].map(([key, doc]) => ({ _id: key, _key: key, ...structuredClone(doc) })) as never[],
    );
  const sink = {
    kind: 'mongodb' as const,
    uri: mongo.url,
    hostUri: mongo.url,
    database,
    collection: 'tieba',
    where: 'test',
  };
  const fromMongo = itemRecords(await readMongoItems(sink));

  for (const format of ['jsonl', 'json', 'csv'] as const)
    assert.equal(formatItems(fromMongo, format), formatItems(fromNodes, format), format);
  const csv = formatItems(fromMongo, 'csv').split('\r\n');
  assert.match(csv[0]!, /^key,/);
  assert.equal(csv.filter(Boolean).length, fromNodes.length + 1, 'a header, then a row per thread');
});
