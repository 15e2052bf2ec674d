import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../crawler/log.ts';
import { type MongoSink, mongoSink } from '../../../crawler/pipelines/mongo-sink.ts';
import type { ItemContext } from '../../../crawler/pipelines/types.ts';
import type { Item } from '../../../crawler/spiders/spider.ts';
import { freshDatabase, sharedMongo } from '../../helpers/mongo.ts';

const mongo = await sharedMongo();
const { skip } = mongo;

async function openSink(database: string, overrides: Partial<Parameters<typeof mongoSink>[0]> = {}) {
  const sink = mongoSink({
    uri: mongo.server.url,
    database,
    collection: 'tieba',
    batchSize: 3,
    bufferMax: 1000,
    log: silentLogger,
    ...overrides,
  });
  await sink.open?.();
  return sink;
}

const ctx = (key: string): ItemContext => ({
  spider: 'tieba',
  key,
  url: 'http://127.0.0.1/p',
  log: silentLogger,
});

async function feed(sink: MongoSink, items: Array<[string, Item]>): Promise<void> {
  for (const [key, item] of items) await sink.processItem(item, ctx(key));
}

const page = (n: number): Array<[string, Item]> =>
  Array.from({ length: n }, (_, i) => [
    `t${i}`,
    { title: `thread ${i}`, replies: i, 'floors.1': { text: `first ${i}` } },
  ]);

test('a page handled twice (re-delivery after a crash) leaves the same documents', { skip }, async (t) => {
  const { database, client } = await freshDatabase(t, mongo.server);
  const sink = await openSink(database);
  t.after(() => sink.close?.());
  await feed(sink, page(7));
  await sink.flush?.();
  const coll = client.db(database).collection('tieba');
  const first = await coll.find().sort({ _id: 1 }).toArray();
  assert.equal(first.length, 7);
  await feed(sink, page(7));
  await sink.flush?.();
  assert.deepEqual(await coll.find().sort({ _id: 1 }).toArray(), first);
  assert.deepEqual(first[3], {
    _id: 't3',
    _key: 't3',
    title: 'thread 3',
    replies: 3,
    floors: { 1: { text: 'first 3' } },
  });
});

test('partial items for one key merge into one document through dotted field names', { skip }, async (t) => {
  const { database, client } = await freshDatabase(t, mongo.server);
  const sink = await openSink(database);
  t.after(() => sink.close?.());
  await feed(sink, [['42', { title: 'hello', 'floors.100': { floor: 1, text: 'a' } }]]);
  await sink.flush?.();
  // page 2 of the thread, and a sub-comment page, in one later flush
  await feed(sink, [
    ['42', { 'floors.200': { floor: 2, text: 'b' }, lastPage: 2 }],
    ['42', { 'floors.100.subComments': ['re: a'] }],
  ]);
  await sink.flush?.();
  const docs = await client.db(database).collection('tieba').find().toArray();
  assert.deepEqual(docs, [
    {
      _id: '42',
      _key: '42',
      title: 'hello',
      floors: { 100: { floor: 1, text: 'a', subComments: ['re: a'] }, 200: { floor: 2, text: 'b' } },
      lastPage: 2,
    },
  ]);
});

test('items for one key in one flush are applied in the order they were yielded', { skip }, async (t) => {
  const { database, client } = await freshDatabase(t, mongo.server);
  const sink = await openSink(database, { batchSize: 2 });
  t.after(() => sink.close?.());
  await feed(sink, [
    ['a', { v: 1 }],
    ['b', { v: 1 }],
    ['a', { v: 2 }],
    ['c', { v: 1 }],
    ['a', { v: 3 }],
  ]);
  await sink.flush?.();
  const docs = await client.db(database).collection('tieba').find().sort({ _id: 1 }).toArray();
  assert.deepEqual(
    docs.map((d) => [d._id, d['v']]),
    [
      ['a', 3],
      ['b', 1],
      ['c', 1],
    ],
  );
});

test('two sinks upserting the same new keys at once still store one document per key', {
  skip,
}, async (t) => {
  const { database, client } = await freshDatabase(t, mongo.server);
  const one = await openSink(database, { batchSize: 50 });
  const two = await openSink(database, { batchSize: 50 });
  t.after(async () => {
    await one.close?.();
    await two.close?.();
  });
  for (let round = 0; round < 3; round++) {
    const items = page(40).map(([k, item]): [string, Item] => [`r${round}-${k}`, item]);
    await feed(one, items);
    await feed(two, [...items].reverse());
    await Promise.all([one.flush?.(), two.flush?.()]);
  }
  const coll = client.db(database).collection('tieba');
  assert.equal(await coll.countDocuments(), 120);
  const perKey = await coll
    .aggregate([{ $group: { _id: '$_key', n: { $sum: 1 } } }, { $match: { n: { $gt: 1 } } }])
    .toArray();
  assert.deepEqual(perKey, []);
});

test('the unique index on _key created at open rejects a second document with the same key', {
  skip,
}, async (t) => {
  const { database, client } = await freshDatabase(t, mongo.server);
  const sink = await openSink(database);
  t.after(() => sink.close?.());
  await feed(sink, [['k1', { a: 1 }]]);
  await sink.flush?.();
  const coll = client.db(database).collection('tieba');
  const indexes = await coll.indexes();
  assert.ok(indexes.some((i) => i.name === '_key_unique' && i.unique === true && i.key['_key'] === 1));
  await assert.rejects(
    coll.insertOne({ _id: 'other' as never, _key: 'k1' }),
    (e: Error & { code?: number }) => e.code === 11000,
  );
  assert.equal(await coll.countDocuments({ _key: 'k1' }), 1);
});

test('one bulk write updating more existing documents than FerretDB has SQLite connections (150) completes', {
  skip,
  timeout: 60_000,
}, async (t) => {
  // FerretDB v1 keeps the cursor of every updateOne of a command open until the command ends, one pooled
  // SQLite connection each (100): a bulk of 100+ updateOne on existing documents waited forever. The
  // sink writes updateMany on the unique _id instead, which reads each cursor to its end.
  const { database, client } = await freshDatabase(t, mongo.server);
  const sink = await openSink(database, { batchSize: 150, serverSelectionTimeoutMs: 2000 });
  t.after(() => sink.close?.());
  await feed(sink, page(150));
  await sink.flush?.();
  await feed(
    sink,
    page(150).map(([key, item]) => [key, { ...item, 'floors.2': { text: 'second' } }]),
  );
  await sink.flush?.();
  const coll = client.db(database).collection('tieba');
  assert.equal(await coll.countDocuments({ 'floors.2.text': 'second' }), 150);
});

test('three workers writing different floors of one thread at the same moment keep every floor', {
  skip,
  timeout: 60_000,
}, async (t) => {
  // MongoDB applies each update atomically. FerretDB v1 read, changed and wrote back a document
  // without a transaction, so concurrent updates of one thread lost floors; CI's FerretDB carries a
  // patch (.ci/ferretdb/crawl-lab.patch) and this test is what proves it is there.
  const { database, client } = await freshDatabase(t, mongo.server);
  const sinks = await Promise.all([0, 1, 2].map(() => openSink(database, { batchSize: 1 })));
  t.after(() => Promise.all(sinks.map((s) => s.close?.())));
  await Promise.all(
    sinks.map(async (sink, w) => {
      for (let i = 0; i < 60; i++) {
        await sink.processItem({ [`floors.w${w}f${i}`]: { text: `${w}/${i}` } }, ctx('t1'));
        await sink.flush?.();
      }
    }),
  );
  const doc = await client
    .db(database)
    .collection('tieba')
    .findOne({ _id: 't1' as never });
  assert.equal(Object.keys((doc?.['floors'] as object) ?? {}).length, 180, 'every floor of every worker');
});
