import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSite } from '../../../lab/site/server.ts';
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

test('a page is the same on first render and when served from the cache', async (t) => {
  const site = await startSite(SMALL);
  t.after(() => site.close());
  const first = await snapshot(site);
  const again = await snapshot(site);
  assert.deepEqual(again, first);
});
