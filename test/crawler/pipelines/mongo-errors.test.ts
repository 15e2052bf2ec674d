import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConfigError, isCrawlError } from '../../../crawler/errors.ts';
import { silentLogger } from '../../../crawler/log.ts';
import { mongoSink } from '../../../crawler/pipelines/mongo-sink.ts';
import { mongoSkipReason, startMongo, type TestMongo } from '../../helpers/mongo.ts';
import { whichMongo } from '../../helpers/mongo-server.ts';

const sinkAt = (uri: string) =>
  mongoSink({
    uri,
    database: 'yuliao',
    collection: 'tieba',
    batchSize: 10,
    bufferMax: 10,
    log: silentLogger,
    openWaitMs: 2000,
  });

test('an unparseable mongoUri fails open() with a ConfigError naming mongoUri, password hidden', async () => {
  for (const uri of [
    'mongodb://',
    'mongodb://crawler:hunter2@127.0.0.1:99999/',
    'mongodb://crawler:hunter2@h/?nosuchoption=1',
  ]) {
    await assert.rejects(sinkAt(uri).open?.() as Promise<void>, (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.code, 'CRAWL_E_SETTING_INVALID');
      assert.equal(e.details['setting'], 'mongoUri');
      assert.match(e.message, /^mongoUri "/);
      assert.match(e.hint ?? '', /mongodb:\/\/user:password@host:27017\/\?authSource=admin/);
      assert.doesNotMatch(e.explain(), /hunter2/);
      return true;
    });
  }
});

// Authentication is set up on a FerretDB started here (its SCRAM users); MONGO_URL and mongod are used as they are.
const skip =
  (await mongoSkipReason()) || (whichMongo() !== 'ferretdb' && 'auth tests need the FerretDB test server');
let server: TestMongo;
before(async () => {
  if (!skip) server = await startMongo({ auth: { user: 'crawler', password: 's3cret-pw' } });
});
after(async () => {
  await server?.stop();
});

test('wrong credentials fail open() with CRAWL_E_SINK and an authSource hint, password hidden', {
  skip,
}, async () => {
  const wrong = server.url.replace('s3cret-pw', 'not-it-42');
  await assert.rejects(sinkAt(wrong).open?.() as Promise<void>, (e: unknown) => {
    assert.ok(isCrawlError(e));
    assert.equal(e.code, 'CRAWL_E_SINK');
    assert.match(e.message, /refused the user and password in mongoUri/);
    assert.match(e.hint ?? '', /authSource/);
    assert.doesNotMatch(e.explain(), /not-it-42/);
    return true;
  });
});

test('no credentials on a server that requires them fail open() with CRAWL_E_SINK', { skip }, async () => {
  const anonymous = server.url.replace('crawler:s3cret-pw@', '').replace('&authSource=admin', '');
  await assert.rejects(sinkAt(anonymous).open?.() as Promise<void>, (e: unknown) => {
    assert.ok(isCrawlError(e));
    assert.equal(e.code, 'CRAWL_E_SINK');
    assert.match(e.message, /requires a user and password/);
    return true;
  });
});

test('the right credentials open the sink and store items', { skip }, async () => {
  const sink = sinkAt(server.url);
  await sink.open?.();
  await sink.processItem({ a: 1 }, { spider: 's', key: 'k', url: 'http://127.0.0.1/', log: silentLogger });
  await sink.close?.();
  assert.equal(sink.buffered, 0);
});
