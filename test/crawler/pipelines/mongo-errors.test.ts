import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MongoClient } from 'mongodb';
import { ConfigError, isCrawlError } from '../../../crawler/errors.ts';
import { silentLogger } from '../../../crawler/log.ts';
import { mongoSink } from '../../../crawler/pipelines/mongo-sink.ts';
import { mongoSkipReason, startMongo, type TestMongo } from '../../helpers/mongo.ts';

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

// The credential tests run on whatever server the other MongoDB tests use (helpers/mongo-server.ts):
// FerretDB or mongod started here with authentication on and a user made, or MONGO_URL with its own
// credentials (or a user created on it).
const skip = await mongoSkipReason();
let server: TestMongo;
before(async () => {
  if (!skip) server = await startMongo({ auth: { user: 'crawler', password: 's3cret-pw' } });
});
after(async () => {
  await server?.stop();
});

/** The server's url with another password, or with no credentials at all. */
function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}
function anonymous(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.searchParams.delete('authSource');
  return u.toString();
}

/** Whether the server refuses a client without credentials (a MONGO_URL server may not). */
async function refusesAnonymous(url: string): Promise<boolean> {
  const client = new MongoClient(anonymous(url), { serverSelectionTimeoutMS: 5000 });
  try {
    await client.db('admin').command({ listDatabases: 1, nameOnly: true });
    return false;
  } catch {
    return true;
  } finally {
    await client.close();
  }
}

test('wrong credentials fail open() with CRAWL_E_SINK and an authSource hint, password hidden', {
  skip,
}, async () => {
  const wrong = withPassword(server.url, 'not-it-42');
  await assert.rejects(sinkAt(wrong).open?.() as Promise<void>, (e: unknown) => {
    assert.ok(isCrawlError(e));
    assert.equal(e.code, 'CRAWL_E_SINK');
    assert.match(e.message, /refused the user and password in mongoUri/);
    assert.match(e.hint ?? '', /authSource/);
    assert.doesNotMatch(e.explain(), /not-it-42/);
    return true;
  });
});

test('no credentials on a server that requires them fail open() with CRAWL_E_SINK', { skip }, async (t) => {
  if (!(await refusesAnonymous(server.url))) {
    // only a MONGO_URL server can let clients in without credentials; CI must give one that does not
    if (process.env['CI'] === 'true')
      assert.fail(`the server at MONGO_URL lets clients in without credentials: ${server.kind}`);
    t.skip('the server at MONGO_URL lets clients in without credentials (start it with authentication on)');
    return;
  }
  await assert.rejects(sinkAt(anonymous(server.url)).open?.() as Promise<void>, (e: unknown) => {
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
