import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { isCrawlError } from '../../../crawler/errors.ts';
import { createLogger, silentLogger } from '../../../crawler/log.ts';
import { mongoSink } from '../../../crawler/pipelines/mongo-sink.ts';
import type { ItemContext, PipelineStep } from '../../../crawler/pipelines/types.ts';
import { freshDatabase, sharedMongo, startProxy } from '../../helpers/mongo.ts';
import { freePort } from '../../helpers/redis.ts';

const mongo = await sharedMongo();
const { skip } = mongo;

/** A database of the test's own, reached through a proxy the test can cut (a real outage). */
async function behindProxy(t: TestContext) {
  const { database, client } = await freshDatabase(t, mongo.server);
  const proxy = await startProxy(mongo.server.url);
  t.after(() => proxy.close());
  return { database, client, proxy };
}

const ctx = (key: string): ItemContext => ({ spider: 's', key, url: 'http://127.0.0.1/', log: silentLogger });

/** Like the engine's ack batcher: flush again until it succeeds (bounded here). */
async function flushUntilStored(sink: PipelineStep): Promise<number> {
  for (let tries = 1; ; tries++) {
    try {
      await sink.flush?.();
      return tries;
    } catch (error) {
      if (tries >= 40) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger({ level: 'info', format: 'text', write: (l) => lines.push(l) }) };
}

test('items are held while MongoDB is unreachable and all stored when it answers again', {
  skip,
  timeout: 30_000,
}, async (t) => {
  const { database, client, proxy } = await behindProxy(t);
  const { lines, log } = capture();
  const sink = mongoSink({
    uri: proxy.url,
    database,
    collection: 'items',
    batchSize: 4,
    bufferMax: 1000,
    log,
    serverSelectionTimeoutMs: 300,
  });
  await sink.open?.();
  t.after(() => sink.close?.());
  for (let i = 0; i < 5; i++) await sink.processItem({ n: i }, ctx(`a${i}`));
  await sink.flush?.();
  await proxy.cut();
  for (let i = 0; i < 10; i++) await sink.processItem({ n: i }, ctx(`b${i}`));
  await assert.rejects(sink.flush?.() as Promise<void>, (e: unknown) => {
    assert.ok(isCrawlError(e));
    assert.equal(e.code, 'CRAWL_E_SINK');
    assert.match(e.message, /unreachable, holding 10 items, retrying/);
    return true;
  });
  assert.equal(sink.buffered, 10);
  assert.ok(
    lines.some((l) => l.includes('WARN') && l.includes('holding 10 items')),
    lines.join('\n'),
  );
  await proxy.restore();
  await flushUntilStored(sink);
  assert.equal(sink.buffered, 0);
  const coll = client.db(database).collection('items');
  assert.equal(await coll.countDocuments(), 15);
  assert.equal(await coll.countDocuments({ _key: /^b/ }), 10);
  assert.ok(lines.some((l) => l.includes('answers again')));
});

test('a full buffer makes processItem wait until MongoDB is back; nothing is dropped', {
  skip,
  timeout: 30_000,
}, async (t) => {
  const { database, client, proxy } = await behindProxy(t);
  const sink = mongoSink({
    uri: proxy.url,
    database,
    collection: 'items',
    batchSize: 100,
    bufferMax: 3,
    log: silentLogger,
    serverSelectionTimeoutMs: 200,
  });
  await sink.open?.();
  t.after(() => sink.close?.());
  await proxy.cut();
  await sink.processItem({ n: 1 }, ctx('k1'));
  await sink.processItem({ n: 2 }, ctx('k2'));
  let third = false;
  const pending = Promise.resolve(sink.processItem({ n: 3 }, ctx('k3'))).then(() => {
    third = true;
  });
  // the write is tried (and fails) at least once while the port is closed
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(third, false, 'processItem should wait while the buffer is full and MongoDB is away');
  assert.equal(sink.buffered, 3);
  await proxy.restore();
  await pending;
  assert.equal(sink.buffered, 0);
  assert.equal(await client.db(database).collection('items').countDocuments(), 3);
});

test('open() waits for a MongoDB that starts a little later', { skip, timeout: 30_000 }, async (t) => {
  const { database, client, proxy } = await behindProxy(t);
  await proxy.cut();
  const { lines, log } = capture();
  const sink = mongoSink({
    uri: proxy.url,
    database,
    collection: 'items',
    batchSize: 10,
    bufferMax: 10,
    log,
    serverSelectionTimeoutMs: 200,
    openWaitMs: 20_000,
  });
  const opening = sink.open?.();
  setTimeout(() => void proxy.restore(), 500);
  await opening;
  t.after(() => sink.close?.());
  assert.ok(
    lines.some((l) => l.includes('is not answering yet')),
    lines.join('\n'),
  );
  await sink.processItem({ ok: true }, ctx('late'));
  await sink.flush?.();
  assert.equal(await client.db(database).collection('items').countDocuments(), 1);
});

test('open() gives up with CRAWL_E_SINK and a hint when nothing answers within the wait', {
  timeout: 30_000,
}, async () => {
  const port = await freePort();
  const sink = mongoSink({
    uri: `mongodb://crawler:hunter2@127.0.0.1:${port}/?authSource=admin`,
    database: 'yuliao',
    collection: 'tieba',
    batchSize: 10,
    bufferMax: 10,
    log: silentLogger,
    serverSelectionTimeoutMs: 200,
    openWaitMs: 800,
  });
  await assert.rejects(sink.open?.() as Promise<void>, (e: unknown) => {
    assert.ok(isCrawlError(e));
    assert.equal(e.code, 'CRAWL_E_SINK');
    assert.match(
      e.message,
      new RegExp(
        `MongoDB at mongodb://crawler:\\*\\*\\*@127\\.0\\.0\\.1:${port}/.* did not answer for \\d+ s`,
      ),
    );
    assert.match(e.hint ?? '', /start MongoDB/);
    assert.doesNotMatch(`${e.message} ${e.hint}`, /hunter2/);
    return true;
  });
});
