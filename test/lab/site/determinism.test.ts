import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SiteData } from '../../../lab/site/data.ts';
import { resolveSiteOptions } from '../../../lab/site/options.ts';
import { Router } from '../../../lab/site/routes.ts';
import { startSite } from '../../../lab/site/server.ts';
import { computeTruth } from '../../../lab/site/truth.ts';
import { get, listPath } from './support.ts';

const SMALL = { listPages: 4, seed: 7 };

async function snapshot(site: Awaited<ReturnType<typeof startSite>>): Promise<string[]> {
  const tid = site.truth.threads.tids[3]!;
  const paths = [
    listPath(site, 0),
    listPath(site, 150),
    `/p/${tid}`,
    `/p/totalComment?t=1&tid=${tid}&fid=${site.options.fid}&pn=1&see_lz=0`,
    '/__truth',
  ];
  const out: string[] = [];
  for (const p of paths) out.push((await get(site, p, 'tieba.test')).body);
  return out;
}

test('two sites with the same options serve byte-identical pages and truth', async (t) => {
  const a = await startSite(SMALL);
  t.after(() => a.close());
  const b = await startSite(SMALL);
  t.after(() => b.close());
  assert.deepEqual(await snapshot(a), await snapshot(b));
  assert.deepEqual(a.truthDocuments(), b.truthDocuments());
});

test('a different seed gives different threads and pages', async (t) => {
  const a = await startSite(SMALL);
  t.after(() => a.close());
  const b = await startSite({ ...SMALL, seed: 8 });
  t.after(() => b.close());
  const [listA] = await snapshot(a);
  const [listB] = await snapshot(b);
  assert.notEqual(listA, listB);
  assert.notDeepEqual(a.truth.threads.tids, b.truth.threads.tids);
});

test('a page served from the cache is the one first rendered, byte for byte the same as a render without cache', () => {
  const paths = (data: SiteData) => {
    const tid = data.metas[3]!.tid;
    return [
      `/f?kw=${encodeURIComponent(data.options.bar)}&ie=utf-8&pn=0`,
      `/p/${tid}`,
      `/p/totalComment?t=1&tid=${tid}&fid=${data.options.fid}&pn=1&see_lz=0`,
    ];
  };
  const data = new SiteData(resolveSiteOptions(SMALL));
  const cached = new Router(data, computeTruth(data));
  const first = paths(data).map((p) => cached.route(p, 'tieba.test'));
  assert.equal(cached.cachedPages, first.length, 'each page rendered once went into the cache');
  const again = paths(data).map((p) => cached.route(p, 'tieba.test'));
  for (const [i, reply] of again.entries())
    assert.equal(reply, first[i], `${paths(data)[i]}: the cached reply itself is served (a cache hit)`);
  assert.equal(cached.cachedPages, first.length, 'no page rendered again');
  const noCacheData = new SiteData(resolveSiteOptions({ ...SMALL, cacheMb: 0 }));
  const uncached = new Router(noCacheData, computeTruth(noCacheData));
  const fresh = paths(noCacheData).map((p) => uncached.route(p, 'tieba.test'));
  assert.equal(uncached.cachedPages, 0);
  for (const [i, reply] of again.entries()) {
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, fresh[i]!.body, `${paths(data)[i]}: the same bytes as a fresh render`);
  }
});
