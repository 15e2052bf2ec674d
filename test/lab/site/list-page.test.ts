import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from 'cheerio';
import { startSite } from '../../../lab/site/server.ts';
import { get, jsonAttr, listPath, threadList } from './support.ts';

test('2024 list page hides the rows in an HTML comment inside the BigPipe code element', async (t) => {
  const site = await startSite({ listPages: 30 });
  t.after(() => site.close());
  const page = await get(site, listPath(site, 50), 'tieba.test:8080');
  assert.equal(page.status, 200);
  assert.match(page.body, /<title>聊天吧-百度贴吧--/);
  assert.match(page.body, /PageData\.forum = \{'id': 9532, 'name': "聊天"/);
  assert.equal(load(page.body)('li.j_thread_list').length, 0, 'no rows are visible outside the comment');
  assert.match(page.body, /--><\/code><script>Bigpipe\.register\("frs-list\/pagelet\/thread_list"/);
  const { $, wrapped } = threadList(page.body);
  assert.equal(wrapped, true);
  const rows = $('ul#thread_list > li');
  assert.equal(rows.length, 50);
  const expected = site.truth.threads.tids.slice(50, 100);
  rows.each((i, el) => {
    const row = $(el);
    assert.equal(row.attr('class'), ' j_thread_list clearfix thread_item_box');
    const field = jsonAttr(row.attr('data-field'));
    assert.equal(field['id'], expected[i]);
    assert.equal(String(field['id']), row.attr('data-tid'));
    assert.equal(row.find('a.j_th_tit').attr('href'), `/p/${expected[i]}`);
    assert.equal(typeof jsonAttr(row.find('span.tb_icon_author').attr('data-field'))['user_id'], 'number');
    assert.match(row.find('.is_show_create_time').text(), /^(\d\d:\d\d|\d{1,2}-\d{1,2}|\d{4}-\d\d)$/);
    assert.match(row.find('.threadlist_reply_date').text(), /^(\d\d:\d\d|\d{1,2}-\d{1,2})$/);
  });
  const hrefs = $('#frs_list_pager a')
    .map((_, a) => $(a).attr('href'))
    .get();
  assert.ok(hrefs.length >= 10);
  for (const href of hrefs)
    assert.match(href, /^\/\/tieba\.test:8080\/f\?kw=%E8%81%8A%E5%A4%A9&ie=utf-8&pn=\d+$/);
  assert.equal(
    $('#frs_list_pager a.last').attr('href'),
    '//tieba.test:8080/f?kw=%E8%81%8A%E5%A4%A9&ie=utf-8&pn=1450',
  );
  assert.equal(
    $('#frs_list_pager a.next').attr('href'),
    '//tieba.test:8080/f?kw=%E8%81%8A%E5%A4%A9&ie=utf-8&pn=100',
  );
  assert.equal($('#frs_list_pager .pagination-current').text(), '2');
  const counts = $('.th_footer_l .red_text')
    .map((_, s) => Number($(s).text()))
    .get();
  assert.deepEqual(counts.slice(0, 2), [site.truth.threads.count, site.truth.floors]);
});

test('pinned threads are the first rows of list page 1 and appear nowhere else', async (t) => {
  const site = await startSite({ listPages: 3, pinnedThreads: 2 });
  t.after(() => site.close());
  const { $ } = threadList((await get(site, listPath(site, 0))).body);
  const tops = $('li.j_thread_list')
    .toArray()
    .map((el) => jsonAttr($(el).attr('data-field'))['is_top']);
  assert.deepEqual(tops.slice(0, 3), [1, 1, null]);
  assert.deepEqual(site.truth.threads.pinned, site.truth.threads.tids.slice(0, 2));
  const second = threadList((await get(site, listPath(site, 50))).body).$;
  assert.equal(second('i.icon-top').length, 0);
});

test("2017 list page is inline and the article's positional selectors reach title, author and id", async (t) => {
  const site = await startSite({ listPages: 2, markup: '2017' });
  t.after(() => site.close());
  const html = (await get(site, listPath(site, 0))).body;
  assert.equal(threadList(html).wrapped, false);
  const $ = load(html);
  // //*[@id="thread_list"]/li[@class=" j_thread_list clearfix"]
  const rows = $('#thread_list > li[class=" j_thread_list clearfix"]');
  assert.equal(rows.length, 50);
  const docs = site.truthDocuments();
  rows.each((i, el) => {
    const lz = $(el).find('> div > div:nth-of-type(2) > div:nth-of-type(1)');
    const title = lz.find('> div:nth-of-type(1) > a').first();
    const authorSpan = lz.find('> div:nth-of-type(2) > span:nth-of-type(1)').first();
    assert.equal(title.text(), docs[i]!.title);
    assert.equal(title.attr('href'), `/p/${docs[i]!.tid}`);
    assert.equal(jsonAttr(authorSpan.attr('data-field'))['user_id'], docs[i]!.author.userId);
    assert.equal(authorSpan.find('> span:nth-of-type(1) > a').text(), docs[i]!.author.userName);
  });
});

test('a pn past the last list page renders an empty list, and the last page has no next link', async (t) => {
  const site = await startSite({ listPages: 3 });
  t.after(() => site.close());
  const last = threadList((await get(site, listPath(site, 100))).body).$;
  assert.equal(last('li.j_thread_list').length, 50);
  assert.equal(last('#frs_list_pager a.next').length, 0);
  const past = await get(site, listPath(site, 500));
  assert.equal(past.status, 200);
  assert.equal(threadList(past.body).$('li.j_thread_list').length, 0);
});
