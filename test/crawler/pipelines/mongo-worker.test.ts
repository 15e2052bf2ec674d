import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import type { Response } from '../../../crawler/http/response.ts';
import { silentLogger } from '../../../crawler/log.ts';
import { resolveSettings } from '../../../crawler/settings/load.ts';
import { defineSpider } from '../../../crawler/spiders/spider.ts';
import { createWorker } from '../../../crawler/worker.ts';
import { startHttp } from '../../helpers/http.ts';
import { freshDatabase, sharedMongo } from '../../helpers/mongo.ts';

const mongo = await sharedMongo();
const { skip } = mongo;

test('a worker with mongoUri set stores each thread once, merging floors from its pages, also on a re-crawl', {
  skip,
  timeout: 60_000,
}, async (t) => {
  const { database, client } = await freshDatabase(t, mongo.server);
  // three threads, each with two pages of floors
  const site = await startHttp((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.writeHead(200, { 'content-type': 'text/html' });
    if (url.pathname === '/') {
      res.end('<a href="/t/1">1</a><a href="/t/2">2</a><a href="/t/3">3</a>');
      return;
    }
    const page = Number(url.searchParams.get('pn') ?? '1');
    const next = page === 1 ? `<a class="next" href="${url.pathname}?pn=2">next</a>` : '';
    res.end(`<h1>thread ${url.pathname.slice(3)}</h1><p class="floor">floor ${page}</p>${next}`);
  });
  t.after(() => site.close());
  const spider = defineSpider({
    name: 'minitieba',
    startUrls: [site.url],
    *parse(response: Response) {
      yield* response.followAll('a', { callback: 'parseThread' });
    },
    *parseThread(response: Response) {
      const id = new URL(response.url).pathname.slice(3);
      const page = new URL(response.url).searchParams.get('pn') ?? '1';
      yield {
        key: id,
        title: response.css('h1').text(),
        [`floors.${page}`]: { text: response.css('.floor').text() },
      };
      yield* response.followAll('a.next', { callback: 'parseThread' });
    },
    itemKey: (item) => String(item['key']),
  });
  const settings = resolveSettings({
    env: {},
    cwd: tmpdir(),
    overrides: [
      'redisUrl=memory',
      'robotstxtObey=false',
      `mongoUri=${mongo.server.url}`,
      `mongoDatabase=${database}`,
      'mongoBatchSize=2',
    ],
  }).settings;
  for (let run = 0; run < 2; run++) {
    const summary = await createWorker({ spider, settings, log: silentLogger }).run();
    assert.equal(summary.reason, 'finished');
    assert.equal(summary.local['item_scraped_count'], 6);
  }
  const docs = await client.db(database).collection('minitieba').find().sort({ _id: 1 }).toArray();
  assert.deepEqual(
    docs.map((d) => [d._id, d['title'], d['floors']]),
    ['1', '2', '3'].map((id) => [id, `thread ${id}`, { 1: { text: 'floor 1' }, 2: { text: 'floor 2' } }]),
  );
});
