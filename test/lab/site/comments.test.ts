import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from 'cheerio';
import { startSite } from '../../../lab/site/server.ts';
import { get } from './support.ts';

type Site = Awaited<ReturnType<typeof startSite>>;

interface TotalComment {
  errno: number;
  errmsg: string;
  data: {
    comment_list:
      | unknown[]
      | Record<string, { comment_num: number; comment_info: Record<string, unknown>[] }>;
    user_list: unknown[] | Record<string, Record<string, unknown>>;
  };
}

async function totalComment(
  site: Site,
  tid: number,
  pn: number,
  fid = site.options.fid,
): Promise<TotalComment> {
  const res = await get(site, `/p/totalComment?t=1719000000000&tid=${tid}&fid=${fid}&pn=${pn}&see_lz=0`);
  assert.equal(res.status, 200);
  assert.match(res.type, /^application\/json/);
  return JSON.parse(res.body) as TotalComment;
}

test("totalComment carries each floor's sub-comments keyed by post id, with their users", async (t) => {
  const site = await startSite({ listPages: 2 });
  t.after(() => site.close());
  const doc = site
    .truthDocuments()
    .find((d) => d.floors.some((f) => f.page === 1 && f.subComments.length > 1))!;
  const body = await totalComment(site, doc.tid, 1);
  assert.equal(body.errno, 0);
  assert.equal(body.errmsg, 'success');
  const list = body.data.comment_list as Record<
    string,
    { comment_num: number; comment_info: Record<string, unknown>[] }
  >;
  const users = body.data.user_list as Record<string, Record<string, unknown>>;
  const withSubs = doc.floors.filter((f) => f.page === 1 && f.subComments.length > 0);
  assert.deepEqual(Object.keys(list).sort(), withSubs.map((f) => String(f.postId)).sort());
  for (const f of withSubs) {
    const entry = list[String(f.postId)]!;
    assert.equal(entry.comment_num, f.subComments.length);
    assert.deepEqual(
      entry.comment_info.map((c) => [c['comment_id'], c['post_id'], c['user_id'], c['username']]),
      f.subComments.map((s) => [
        String(s.commentId),
        String(f.postId),
        String(s.author.userId),
        s.author.userName,
      ]),
    );
    for (const [k, c] of entry.comment_info.entries()) {
      const s = f.subComments[k]!;
      assert.equal(typeof c['now_time'], 'number');
      assert.equal(users[String(c['user_id'])]?.['user_name'], c['username']);
      const content = String(c['content']);
      if (s.to.userId !== f.author.userId || content.startsWith('回复')) {
        // a reply names its target before ':' and the target is in user_list
        assert.match(content, /^回复 <a [^>]*>[^<]+<\/a> :/);
        assert.equal(
          load(content)
            .text()
            .replace(/^回复 /, '')
            .split(' :')[0],
          s.to.userName,
        );
        assert.equal(users[String(s.to.userId)]?.['user_name'], s.to.userName);
      }
    }
  }
});

test('a thread page without sub-comments gets "comment_list": [] (an array, not an object)', async (t) => {
  const site = await startSite({ listPages: 2 });
  t.after(() => site.close());
  const doc = site.truthDocuments().find((d) => d.floors.every((f) => f.subComments.length === 0))!;
  assert.ok(doc, 'some thread has no sub-comments at all');
  const body = await totalComment(site, doc.tid, 1);
  assert.equal(body.errno, 0);
  assert.ok(Array.isArray(body.data.comment_list));
  assert.deepEqual(body.data.comment_list, []);
  assert.ok('user_list' in body.data);
});

test("totalComment with another forum's fid answers errno 2, the way a hard-coded fid fails", async (t) => {
  const site = await startSite({ listPages: 1, fid: 1234 });
  t.after(() => site.close());
  const body = await totalComment(site, site.truth.threads.tids[0]!, 1, 9532);
  assert.equal(body.errno, 2);
  assert.match(body.errmsg, /fid/);
});

test('floors with more than 10 sub-comments show 10 in the JSON and the rest on /p/comment pages', async (t) => {
  const site = await startSite({ listPages: 2, maxSubComments: 35 });
  t.after(() => site.close());
  const docs = site.truthDocuments();
  const doc = docs.find((d) => d.floors.some((f) => f.page === 1 && f.subComments.length > 20))!;
  const floor = doc.floors.find((f) => f.page === 1 && f.subComments.length > 20)!;
  const list = (await totalComment(site, doc.tid, 1)).data.comment_list as Record<
    string,
    { comment_num: number; comment_info: unknown[] }
  >;
  assert.equal(list[String(floor.postId)]!.comment_num, floor.subComments.length);
  assert.equal(list[String(floor.postId)]!.comment_info.length, 10);
  const pages = Math.ceil(floor.subComments.length / 10);
  const ids: number[] = [];
  for (let pn = 1; pn <= pages; pn++) {
    const res = await get(site, `/p/comment?tid=${doc.tid}&pid=${floor.postId}&pn=${pn}`);
    assert.equal(res.status, 200);
    const $ = load(res.body);
    $('li.lzl_single_post.j_lzl_s_p').each((_, li) => {
      const field = JSON.parse($(li).attr('data-field')!) as { spid: number; user_name: string };
      ids.push(field.spid);
      assert.match($(li).find('span.lzl_time').text(), /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d\d$/);
      assert.ok($(li).find('span.lzl_content_main').length === 1);
    });
  }
  assert.deepEqual(
    ids,
    floor.subComments.map((s) => s.commentId),
  );
  assert.equal(
    (await get(site, `/p/comment?tid=${doc.tid}&pid=${floor.postId}&pn=${pages + 1}`)).status,
    404,
  );
  let extra = 0;
  for (const d of docs)
    for (const f of d.floors)
      if (f.subComments.length > 10) extra += Math.ceil(f.subComments.length / 10) - 1;
  assert.equal(site.truth.pages.commentPages, extra);
  assert.ok(extra > 0);
});
