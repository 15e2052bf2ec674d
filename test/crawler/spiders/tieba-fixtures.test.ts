import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseDocument } from 'htmlparser2';
import { isRequestDraft, type RequestInit, toCrawlRequest } from '../../../crawler/http/request.ts';
import { Response } from '../../../crawler/http/response.ts';
import type { Item, Spider } from '../../../crawler/spiders/spider.ts';
import { fullTimeIso, listDateIso, unixIso } from '../../../crawler/spiders/tieba/dates.ts';
import { parseCommentPage, parseTotalComment } from '../../../crawler/spiders/tieba/parse-comments.ts';
import { parseListPage } from '../../../crawler/spiders/tieba/parse-list.ts';
import { parseThreadPage } from '../../../crawler/spiders/tieba/parse-thread.ts';
import tieba from '../../../crawler/spiders/tieba/spider.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/tieba/${name}`, import.meta.url), 'utf8');
const list = (name: string) => {
  const html = fixture(name);
  return parseListPage(parseDocument(html, { decodeEntities: true }), html);
};

/** Run one spider callback on a fixture body, as the engine would after a download. */
async function call(callback: string, url: string, body: string, init: Partial<RequestInit> = {}) {
  const req = toCrawlRequest({ url, ...init });
  const json = body.startsWith('{');
  const response = new Response(req, {
    url,
    status: 200,
    headers: { 'content-type': json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8' },
    body: Buffer.from(body),
    redirects: [],
    mediaType: json ? 'application/json' : 'text/html',
    latencyMs: 0,
  });
  const out = ((tieba as Spider)[callback] as (r: Response) => Iterable<unknown>).call(tieba, response);
  const items: Item[] = [];
  const requests: RequestInit[] = [];
  for (const o of out) (isRequestDraft(o) ? requests : items).push(o as never);
  return { items, requests };
}

test('a 2024 list page: rows inside the BigPipe comment, pinned and good flags, fid from PageData, protocol-relative pager', () => {
  const page = list('list-2024.html');
  assert.equal(page.fid, '12345');
  assert.deepEqual(
    page.rows.map((r) => [
      r.tid,
      r.title,
      r.authorId,
      r.authorName,
      r.replyNum,
      r.isTop,
      r.isGood,
      r.created,
      r.lastReply,
    ]),
    [
      ['9001', '【吧规】新人必看', '501', '置顶君', 12, true, false, '2019-03', '7-30'],
      ['9002', '今天吃什么', '502', '小明', 3, false, true, '13:05', '21:40'],
    ],
  );
  assert.equal(page.rows[0]!.abstract, '请先阅读 & 遵守吧规');
  assert.ok(page.pagerHrefs.includes('//tieba.baidu.com/f?kw=%E6%B5%8B%E8%AF%95&ie=utf-8&pn=50'));
});

test('a 2017 list page: inline list, row class without thread_item_box', () => {
  const page = list('list-2017.html');
  assert.equal(page.fid, '12345');
  assert.deepEqual(
    page.rows.map((r) => [r.tid, r.title, r.authorId, r.replyNum]),
    [['7001', '2017年的帖子', '701', 5]],
  );
});

test('a 2024 thread page: IP span first in the tail does not shift floor number or time; an image-only floor has content ""', () => {
  const page = parseThreadPage(fixture('thread-2024.html'), 1);
  assert.equal(page.title, '今天吃什么');
  assert.equal(page.totalPages, 2);
  assert.equal(page.fid, '12345');
  assert.deepEqual(page.floors, [
    {
      postId: '111',
      floor: 1,
      authorId: '502',
      authorName: '小明',
      time: '2024-08-05 16:56',
      ipLocation: '广东',
      content: '火锅还是烧烤 <选一个>',
      images: 0,
      commentNum: 2,
    },
    {
      postId: '112',
      floor: 2,
      authorId: '503',
      authorName: '图图',
      time: '2024-08-05 17:02',
      ipLocation: '北京',
      content: '',
      images: 2,
      commentNum: 0,
    },
  ]);
});

test('a 2017 thread page: no IP span, floor number and time read by their content', () => {
  const page = parseThreadPage(fixture('thread-2017.html'), 1);
  assert.deepEqual(
    page.floors.map((f) => [f.postId, f.floor, f.time, f.ipLocation, f.content]),
    [['801', 1, '2017-06-07 12:34', undefined, '那年夏天']],
  );
});

test('totalComment: a 回复 reply answers the named user (id from user_list), others the floor author; text has no tags and no "conent" typo', () => {
  const parsed = parseTotalComment(JSON.parse(fixture('total-comment.json')), {
    '111': { id: '502', name: '小明' },
  });
  assert.equal(parsed.errno, 0);
  assert.deepEqual(parsed.floors, [
    {
      postId: '111',
      commentNum: 12,
      comments: [
        {
          commentId: '5001',
          author: { id: '601', name: '路人甲' },
          to: { id: '502', name: '小明' },
          text: '火锅 & 啤酒',
          time: '2024-08-05T17:00:00+08:00',
        },
        {
          commentId: '5002',
          author: { id: '602', name: '小红' },
          to: { id: '601', name: '路人甲' },
          text: '同意',
          time: '2024-08-05T17:10:00+08:00',
        },
      ],
    },
  ]);
});

test('totalComment with "comment_list": [] (an array) reads as no sub-comments', () => {
  const parsed = parseTotalComment(JSON.parse(fixture('total-comment-empty.json')));
  assert.deepEqual(parsed.floors, []);
  assert.deepEqual(parsed.userIds, {});
});

test('a /p/comment page: li.lzl_single_post rows, reply targets, unpadded times', () => {
  const comments = parseCommentPage(
    fixture('comment-page-2.html'),
    { id: '502', name: '小明' },
    { 小红: '602' },
  );
  assert.deepEqual(comments, [
    {
      commentId: '5011',
      author: { id: '602', name: '小红' },
      to: { id: '502', name: '小明' },
      text: '第十一条',
      time: '2024-08-06T09:05:00+08:00',
    },
    {
      commentId: '5012',
      author: { id: undefined, name: '新人' },
      to: { id: '502', name: '小明' },
      text: '第十二条',
      time: '2024-08-06T22:11:00+08:00',
    },
  ]);
});

test('dates: full forms become ISO with +08:00; list short forms only with a known "today"', () => {
  assert.equal(fullTimeIso('2024-08-05 16:56'), '2024-08-05T16:56:00+08:00');
  assert.equal(fullTimeIso('2024-8-6 9:05'), '2024-08-06T09:05:00+08:00');
  assert.equal(fullTimeIso('昨天'), undefined);
  assert.equal(unixIso(1722848400), '2024-08-05T17:00:00+08:00');
  assert.equal(listDateIso('2019-03'), '2019-03');
  assert.equal(listDateIso('13:05'), undefined);
  assert.equal(listDateIso('13:05', '2024-08-05'), '2024-08-05T13:05:00+08:00');
  assert.equal(listDateIso('7-30', '2024-08-05'), '2024-07-30');
});

test('the list callback yields one keyed item per row and thread requests carrying fid and allPages; pager kept to maxListPages', async () => {
  const url = 'https://tieba.baidu.com/f?kw=%E6%B5%8B%E8%AF%95&ie=utf-8&pn=0';
  const { items, requests } = await call('parse', url, fixture('list-2024.html'), {
    meta: { maxListPages: 2, allPages: true },
  });
  assert.deepEqual(
    items.map((i) => [i['key'], i['tid'], i['listPn'], i['isTop']]),
    [
      ['9001', '9001', 0, true],
      ['9002', '9002', 0, false],
    ],
  );
  assert.deepEqual(items[1]!['author'], { id: '502', name: '小明' });
  const threads = requests.filter((r) => r.callback === 'parseThread');
  assert.deepEqual(
    threads.map((r) => [String(r.url), r.meta]),
    [
      ['https://tieba.baidu.com/p/9001', { maxListPages: 2, allPages: true, fid: '12345' }],
      ['https://tieba.baidu.com/p/9002', { maxListPages: 2, allPages: true, fid: '12345' }],
    ],
  );
  // pn=50 is page 2 of 2; 尾页 (pn=673050) is beyond maxListPages
  assert.deepEqual(
    [...new Set(requests.filter((r) => !r.callback).map((r) => String(r.url)))],
    ['https://tieba.baidu.com/f?kw=%E6%B5%8B%E8%AF%95&ie=utf-8&pn=50'],
  );
});

test('the thread callback yields floors as dotted fields of the thread document, the totalComment request with the page fid, and pages 2.. only with allPages', async () => {
  const url = 'https://tieba.baidu.com/p/9002';
  const first = await call('parseThread', url, fixture('thread-2024.html'), { meta: { fid: '999' } });
  const item = first.items[0]!;
  assert.equal(item['key'], '9002');
  assert.equal(item['createdIso'], '2024-08-05T16:56:00+08:00');
  assert.equal(item['floors.111.content'], '火锅还是烧烤 <选一个>');
  assert.equal(item['floors.112.content'], '');
  assert.equal(item['floors.112.images'], 2);
  assert.equal(item['floors.111.ipLocation'], '广东');
  assert.deepEqual(item['floors.112.author'], { id: '503', name: '图图' });
  const comments = first.requests.find((r) => r.callback === 'parseComments')!;
  const q = new URL(String(comments.url)).searchParams;
  assert.equal(q.get('fid'), '12345', "the floor's forum_id, not a hard-coded 9532");
  assert.equal(q.get('tid'), '9002');
  assert.equal(first.requests.filter((r) => r.callback === 'parseThread').length, 0);
  const all = await call('parseThread', url, fixture('thread-2024.html'), { meta: { allPages: true } });
  assert.deepEqual(
    all.requests.filter((r) => r.callback === 'parseThread').map((r) => String(r.url)),
    ['https://tieba.baidu.com/p/9002?pn=2'],
  );
});

test('the comments callback yields one field per sub-comment and asks for /p/comment pages 2.. of floors with more than 10', async () => {
  const url = 'https://tieba.baidu.com/p/totalComment?tid=9002&fid=12345&pn=1&see_lz=0';
  const cbKwargs = { tid: '9002', pn: 1, authors: { '111': { id: '502', name: '小明' } } };
  const { items, requests } = await call('parseComments', url, fixture('total-comment.json'), { cbKwargs });
  assert.deepEqual(Object.keys(items[0]!).sort(), [
    'floors.111.subComments.5001',
    'floors.111.subComments.5002',
    'key',
    'tid',
  ]);
  assert.deepEqual(
    requests.map((r) => String(r.url)),
    ['https://tieba.baidu.com/p/comment?tid=9002&pid=111&pn=2'],
  );
  const none = await call('parseComments', url, fixture('total-comment-empty.json'), { cbKwargs });
  assert.deepEqual(none, { items: [], requests: [] });
});

test('a bad option in the seed meta stops with a message naming it and the fix', async () => {
  await assert.rejects(
    call('parse', 'https://tieba.baidu.com/f?kw=x&pn=0', fixture('list-2017.html'), {
      meta: { allPages: 'yes' },
    }),
    /meta\.allPages must be true or false, got "yes"/,
  );
});
