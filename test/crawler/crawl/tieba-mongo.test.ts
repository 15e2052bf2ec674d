import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSite } from '../../../lab/site/server.ts';
import type { ThreadDoc } from '../../../lab/site/truth.ts';
import { crawlCli, summaryOf, waitFor } from '../../helpers/crawl-cli.ts';
import { freshDatabase, mongoSkipReason, startMongo } from '../../helpers/mongo.ts';
import { startRedis } from '../../helpers/redis.ts';
import { actual, type Doc, expected } from '../../helpers/tieba-truth.ts';

/**
 * Issue 3's acceptance, with real processes: Redis, a MongoDB-protocol server,
 * the mini-Tieba site, `crawl seed tieba` and three `crawl run tieba` workers.
 */
const skip = await mongoSkipReason();

async function assertCollectionIsTruth(docs: Doc[], truth: ThreadDoc[]): Promise<void> {
  const byId = new Map(docs.map((d) => [String(d['_id']), d]));
  assert.equal(docs.length, truth.length, 'one document per thread, none twice');
  assert.deepEqual([...byId.keys()].sort(), truth.map((d) => String(d.tid)).sort(), 'every thread, once');
  for (const doc of truth) assert.deepEqual(actual(byId.get(String(doc.tid))!), expected(doc, false));
}

function workerArgs(
  id: string,
  redisUrl: string,
  mongoUrl: string,
  database: string,
  extra: string[] = [],
): string[] {
  return [
    'run',
    'tieba',
    '--redis',
    redisUrl,
    '--worker-id',
    id,
    '--json',
    '--set',
    'logLevel=warn',
    '--set',
    `mongoUri=${mongoUrl}`,
    '--set',
    `mongoDatabase=${database}`,
    ...extra,
  ];
}

test('crawl seed tieba + three workers over 100 list pages finish by themselves; MongoDB then holds exactly the ground truth', {
  skip,
  timeout: 600_000,
}, async (t) => {
  const mongo = await startMongo();
  const redis = await startRedis();
  const site = await startSite({ listPages: 100 });
  t.after(async () => {
    await site.close();
    await redis.stop();
    await mongo.stop();
  });
  const { database, client } = await freshDatabase(t, mongo);
  const seeded = await crawlCli(['seed', 'tieba', site.startUrl, '--redis', redis.url]).done;
  assert.equal(seeded.code, 0, seeded.stderr);
  const results = await Promise.all(
    ['w1', 'w2', 'w3'].map((id) => crawlCli(workerArgs(id, redis.url, mongo.url, database)).done),
  );
  for (const r of results) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(summaryOf(r).reason, 'finished');
  }
  const pages = Number(summaryOf(results[0]!).crawl['response_received_count']);
  assert.equal(
    pages,
    site.truth.pages.list + 2 * site.truth.threads.count,
    'every list page, thread page 1 and its sub-comments, once',
  );
  const docs = await client.db(database).collection('tieba').find({}).toArray();
  await assertCollectionIsTruth(docs as Doc[], site.truthDocuments());
  const indexes = await client.db(database).collection('tieba').indexes();
  assert.ok(
    indexes.some((i) => i.unique === true && i.key['_key'] === 1),
    'unique index on the item key',
  );
});

test('kill -9 of a worker mid-crawl: no thread lost, none duplicated, floors merged once', {
  skip,
  timeout: 300_000,
}, async (t) => {
  const mongo = await startMongo();
  const redis = await startRedis();
  const site = await startSite({ listPages: 6, latencyMs: 15 });
  t.after(async () => {
    await site.close();
    await redis.stop();
    await mongo.stop();
  });
  const { database, client } = await freshDatabase(t, mongo);
  const admin = redis.client();
  t.after(() => admin.disconnect());
  const seeded = await crawlCli(['seed', 'tieba', site.startUrl, '--redis', redis.url]).done;
  assert.equal(seeded.code, 0, seeded.stderr);
  const extra = ['--set', 'leaseTimeout=2'];
  const victim = crawlCli(workerArgs('victim', redis.url, mongo.url, database, extra));
  const others = ['w2', 'w3'].map((id) => crawlCli(workerArgs(id, redis.url, mongo.url, database, extra)));
  await waitFor(
    async () => Number(await admin.hget('tieba:stats', 'worker/victim/response_received_count')) > 20,
    60_000,
    'the victim to be mid-crawl',
  );
  victim.child.kill('SIGKILL');
  assert.equal((await victim.done).signal, 'SIGKILL');
  for (const r of await Promise.all(others.map((w) => w.done))) assert.equal(r.code, 0, r.stderr);
  const docs = await client.db(database).collection('tieba').find({}).toArray();
  await assertCollectionIsTruth(docs as Doc[], site.truthDocuments());
});
