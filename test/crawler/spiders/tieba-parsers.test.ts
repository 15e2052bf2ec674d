import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocument } from 'htmlparser2';
import { parseListPage } from '../../../crawler/spiders/tieba/parse-list.ts';
import { parseThreadPage } from '../../../crawler/spiders/tieba/parse-thread.ts';
import { startSite } from '../../../lab/site/server.ts';

for (const markup of ['2024', '2017'] as const) {
  test(`thread pages (${markup} markup) parse to exactly the site's floors: ids, numbers, authors, text, images, time, IP`, async (t) => {
    const site = await startSite({ listPages: 1, threadsPerPage: 12, markup, seed: 7 });
    t.after(() => site.close());
    let checked = 0;
    for (const doc of site.truthDocuments()) {
      for (let pn = 1; pn <= doc.pages; pn++) {
        const html = await (await fetch(`${site.url}/p/${doc.tid}?pn=${pn}`)).text();
        const page = parseThreadPage(html, pn);
        assert.equal(page.title, doc.title);
        assert.equal(page.totalPages, doc.pages);
        assert.equal(page.fid, String(site.truth.forum.fid));
        const expected = doc.floors.filter((f) => f.page === pn);
        assert.deepEqual(
          page.floors.map((f) => [
            f.postId,
            f.floor,
            f.authorId,
            f.authorName,
            f.content,
            f.images,
            f.time,
            f.ipLocation,
          ]),
          expected.map((f) => [
            String(f.postId),
            f.postNo,
            String(f.author.userId),
            f.author.userName,
            f.text,
            f.images,
            f.time,
            markup === '2024' ? f.ip : undefined,
          ]),
        );
        checked += expected.length;
      }
    }
    assert.ok(checked > 50, `${checked} floors compared`);
    assert.ok(
      site.truthDocuments().some((d) => d.floors.some((f) => f.images > 0 && f.text === '')),
      'image-only floors are covered',
    );
  });

  test(`list pages (${markup} markup) give every thread of the page with its title, author and reply count`, async (t) => {
    const site = await startSite({ listPages: 2, markup, seed: 3 });
    t.after(() => site.close());
    const html = await (await fetch(site.startUrl)).text();
    const page = parseListPage(parseDocument(html), html);
    const docs = site.truthDocuments().filter((d) => d.listPn === 0);
    assert.equal(page.fid, String(site.truth.forum.fid));
    assert.deepEqual(
      page.rows.map((r) => [r.tid, r.title, r.authorName, r.replyNum, r.isTop]),
      docs.map((d) => [String(d.tid), d.title, d.author.userName, d.replyNum, d.isTop]),
    );
    assert.ok(
      page.pagerHrefs.some((h) => h.startsWith('//') && h.includes('pn=50')),
      'protocol-relative pager link to page 2',
    );
  });
}
