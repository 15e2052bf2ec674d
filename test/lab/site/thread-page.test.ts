import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CheerioAPI, load } from 'cheerio';
import { startSite } from '../../../lab/site/server.ts';
import { get, jsonAttr } from './support.ts';

type Site = Awaited<ReturnType<typeof startSite>>;

function floors($: CheerioAPI) {
  return $('div#j_p_postlist.p_postlist > div[class="l_post l_post_bright j_l_post clearfix  "]');
}

/** The article's positional tail: span[3], span[4] under a path that differs for the first floor. */
function articleTail($: CheerioAPI, el: Parameters<CheerioAPI>[0], first: boolean): [string, string] {
  const base = first
    ? '> div:nth-of-type(2) > div:nth-of-type(4) > div:nth-of-type(1) > div'
    : '> div:nth-of-type(2) > div:nth-of-type(2) > div:nth-of-type(1) > div:nth-of-type(2)';
  const spans = $(el).find(base).children('span');
  return [spans.eq(2).text(), spans.eq(3).text()];
}

function longThread(site: Site) {
  const doc = site.truthDocuments().find((d) => d.pages === 3);
  assert.ok(doc, 'the default mix has 3-page threads');
  return doc;
}

test('a thread page lists its floors in post_no order with parseable data-field JSON', async (t) => {
  const site = await startSite({ listPages: 4 });
  t.after(() => site.close());
  const doc = longThread(site);
  let seen = 0;
  for (let pn = 1; pn <= 3; pn++) {
    const page = await get(site, pn === 1 ? `/p/${doc.tid}` : `/p/${doc.tid}?pn=${pn}`);
    assert.equal(page.status, 200);
    const $ = load(page.body);
    assert.equal($('title').text(), `${doc.title}【聊天吧】_百度贴吧`);
    assert.equal($('h3.core_title_txt').attr('title'), doc.title);
    assert.deepEqual(
      $('li.l_reply_num')
        .first()
        .find('span.red')
        .map((_, s) => $(s).text())
        .get(),
      [String(doc.replyNum), '3'],
    );
    assert.equal($('li.pb_list_pager').first().find('span.tP').text(), String(pn));
    assert.equal($('li.pb_list_pager').first().find('a').last().text(), pn < 3 ? '尾页' : '2');
    const expected = doc.floors.filter((f) => f.page === pn);
    assert.equal(pn < 3 ? expected.length : expected.length > 0, pn < 3 ? 30 : true);
    const list = floors($);
    assert.equal(list.length, expected.length);
    list.each((i, el) => {
      const f = expected[i]!;
      const field = jsonAttr($(el).attr('data-field')) as {
        author: Record<string, unknown>;
        content: Record<string, unknown>;
      };
      assert.equal(field.content['post_no'], seen + i + 1);
      assert.equal(field.content['post_id'], f.postId);
      assert.equal(field.content['forum_id'], 9532);
      assert.equal(field.content['comment_num'], f.subComments.length);
      assert.equal(field.author['user_name'], f.author.userName);
      assert.equal($(el).attr('data-pid'), String(f.postId));
      assert.equal($(el).find(`#post_content_${f.postId}`).text().trim(), f.text);
      assert.equal(jsonAttr($(el).find('li.d_name').attr('data-field'))['user_id'], f.author.userId);
      const lzl = jsonAttr($(el).find('div.j_lzl_container').attr('data-field'));
      assert.deepEqual(lzl, { pid: f.postId, floor_num: f.postNo, total_num: f.subComments.length });
    });
    seen += list.length;
  }
  assert.equal(seen, doc.floors.length);
  assert.equal((await get(site, `/p/${doc.tid}?pn=4`)).status, 404);
});

test('image-only floors carry an img.BDE_Image and no text at all', async (t) => {
  const site = await startSite({ listPages: 2 });
  t.after(() => site.close());
  const doc = site.truthDocuments().find((d) => d.floors.some((f) => f.text === '' && f.page === 1));
  assert.ok(doc, 'some thread has an image-only floor on its first page');
  const floor = doc.floors.find((f) => f.text === '' && f.page === 1)!;
  const $ = load((await get(site, `/p/${doc.tid}`)).body);
  const content = $(`#post_content_${floor.postId}`);
  assert.equal(content.find('img.BDE_Image').length, floor.images);
  assert.ok(floor.images >= 1);
  assert.equal(
    content
      .contents()
      .toArray()
      .filter((n) => n.type === 'text').length,
    0,
  );
});

test("2024 tails start with an IP span, so the article's span[3]/span[4] miss floor and time", async (t) => {
  const site = await startSite({ listPages: 2 });
  t.after(() => site.close());
  const doc = site.truthDocuments().find((d) => d.floors.length >= 3)!;
  const $ = load((await get(site, `/p/${doc.tid}`)).body);
  floors($).each((i, el) => {
    const f = doc.floors[i]!;
    assert.equal($(el).find('.post-tail-wrap > span').first().text(), `IP属地:${f.ip}`);
    const tails = $(el)
      .find('.post-tail-wrap span.tail-info')
      .map((_, s) => $(s).text())
      .get();
    assert.deepEqual(tails.slice(-2), [`${f.postNo}楼`, f.time]);
    assert.notDeepEqual(articleTail($, el, i === 0), [`${f.postNo}楼`, f.time]);
  });
});

test("2017 tails have no IP span and the article's positional XPaths read floor, time, author and text", async (t) => {
  const site = await startSite({ listPages: 2, markup: '2017' });
  t.after(() => site.close());
  const doc = site.truthDocuments().find((d) => d.floors.length >= 3)!;
  const $ = load((await get(site, `/p/${doc.tid}`)).body);
  assert.ok(!$.html().includes('IP属地'));
  floors($).each((i, el) => {
    const f = doc.floors[i]!;
    assert.deepEqual(articleTail($, el, i === 0), [`${f.postNo}楼`, f.time]);
    const nameLi = $(el).find('> div:nth-of-type(1) > ul > li:nth-of-type(3)');
    assert.equal(jsonAttr(nameLi.attr('data-field'))['user_id'], f.author.userId);
    assert.equal(nameLi.children('a').text(), f.author.userName);
    const content = $(el).find('> div:nth-of-type(2) > div:nth-of-type(1) > cc > div:nth-of-type(1)');
    assert.equal(content.text().trim(), f.text);
  });
});
