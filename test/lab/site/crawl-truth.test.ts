import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from 'cheerio';
import type { SiteOptions } from '../../../lab/site/options.ts';
import { startSite } from '../../../lab/site/server.ts';
import type { ThreadDoc } from '../../../lab/site/truth.ts';
import { threadList } from './support.ts';

/**
 * A deliberately simple exhaustive crawler: follow every pager and thread
 * link, fetch totalComment for every thread page and /p/comment pages for
 * floors the JSON does not fully carry. What it finds must equal the truth.
 */
async function crawl(startUrl: string, fid: number) {
  const seen = new Set<string>();
  const queue: string[] = [startUrl];
  const fetched = { list: 0, thread: 0, totalComment: 0, commentPages: 0 };
  const threads = new Map<number, { title: string; floors: Map<number, ThreadDoc['floors'][number]> }>();
  const push = (href: string, base: string) => {
    const url = new URL(href, base).href;
    if (!seen.has(url)) {
      seen.add(url);
      queue.push(url);
    }
  };
  seen.add(startUrl);
  for (let steps = 0; queue.length > 0 && steps < 20_000; steps++) {
    const url = queue.shift()!;
    const res = await fetch(url);
    assert.equal(res.status, 200, url);
    const body = await res.text();
    const u = new URL(url);
    if (u.pathname === '/f') {
      fetched.list++;
      const { $ } = threadList(body);
      $('a.j_th_tit').each((_, a) => push($(a).attr('href')!, url));
      $('#frs_list_pager a').each((_, a) => push($(a).attr('href')!, url));
    } else if (u.pathname === '/p/totalComment') {
      fetched.totalComment++;
      const json = JSON.parse(body) as { data: { comment_list: unknown } };
      const list = json.data.comment_list;
      if (Array.isArray(list)) continue;
      const tid = Number(u.searchParams.get('tid'));
      for (const [pid, entry] of Object.entries(
        list as Record<string, { comment_num: number; comment_info: Record<string, string>[] }>,
      )) {
        const floor = threads.get(tid)!.floors.get(Number(pid))!;
        for (const c of entry.comment_info)
          floor.subComments.push({ commentId: Number(c['comment_id']) } as never);
        for (let pn = 2; pn <= Math.ceil(entry.comment_num / 10); pn++)
          push(`/p/comment?tid=${tid}&pid=${pid}&pn=${pn}`, url);
      }
    } else if (u.pathname === '/p/comment') {
      fetched.commentPages++;
      const $ = load(body);
      const floor = threads
        .get(Number(u.searchParams.get('tid')))!
        .floors.get(Number(u.searchParams.get('pid')))!;
      $('li.j_lzl_s_p').each((_, li) => {
        floor.subComments.push({
          commentId: (JSON.parse($(li).attr('data-field')!) as { spid: number }).spid,
        } as never);
      });
    } else {
      fetched.thread++;
      const $ = load(body);
      const tid = Number(/^\/p\/(\d+)$/.exec(u.pathname)![1]);
      const thread = threads.get(tid) ?? { title: $('h3.core_title_txt').attr('title')!, floors: new Map() };
      threads.set(tid, thread);
      $('#j_p_postlist > div.j_l_post').each((_, el) => {
        const field = JSON.parse($(el).attr('data-field')!) as {
          author: { user_id: number; user_name: string };
          content: { post_id: number; post_no: number };
        };
        const content = $(el).find('.d_post_content');
        thread.floors.set(field.content.post_id, {
          postId: field.content.post_id,
          postNo: field.content.post_no,
          author: { userId: field.author.user_id, userName: field.author.user_name },
          text: content.text().trim(),
          images: content.find('img.BDE_Image').length,
          subComments: [],
        } as never);
      });
      $('li.pb_list_pager')
        .first()
        .find('a')
        .each((_, a) => push($(a).attr('href')!, url));
      const pn = u.searchParams.get('pn') ?? '1';
      push(`/p/totalComment?t=0&tid=${tid}&fid=${fid}&pn=${pn}&see_lz=0`, url);
    }
  }
  return { fetched, threads };
}

async function checkCrawl(options: Partial<SiteOptions>) {
  const site = await startSite(options);
  try {
    const { fetched, threads } = await crawl(site.startUrl, site.truth.forum.fid);
    const { truth } = site;
    assert.deepEqual(fetched, {
      list: truth.pages.list,
      thread: truth.pages.thread,
      totalComment: truth.pages.totalComment,
      commentPages: truth.pages.commentPages,
    });
    assert.equal(
      fetched.list + fetched.thread + fetched.totalComment + fetched.commentPages,
      truth.pages.total,
    );
    assert.deepEqual([...threads.keys()].sort(), [...truth.threads.tids].sort());
    let floors = 0;
    let subs = 0;
    for (const doc of site.truthDocuments()) {
      const got = threads.get(doc.tid)!;
      assert.equal(got.title, doc.title);
      const gotFloors = [...got.floors.values()].sort((a, b) => a.postNo - b.postNo);
      assert.deepEqual(
        gotFloors.map((f) => [
          f.postId,
          f.postNo,
          f.author.userId,
          f.author.userName,
          f.text,
          f.images,
          f.subComments.map((s) => s.commentId),
        ]),
        doc.floors.map((f) => [
          f.postId,
          f.postNo,
          f.author.userId,
          f.author.userName,
          f.text,
          f.images,
          f.subComments.map((s) => s.commentId),
        ]),
      );
      floors += gotFloors.length;
      for (const f of gotFloors) subs += f.subComments.length;
    }
    assert.equal(floors, truth.floors);
    assert.equal(subs, truth.subComments);
    const served = (await (await fetch(`${site.url}/__truth`)).json()) as unknown;
    assert.deepEqual(served, truth);
    return truth;
  } finally {
    await site.close();
  }
}

test('an exhaustive crawl of a 3-page 2024 site finds exactly the ground truth', async () => {
  const truth = await checkCrawl({ listPages: 3 });
  assert.ok(truth.threadPages > truth.threads.count, 'some threads have several pages');
});

test('an exhaustive crawl of a 2017 site with long sub-comment lists finds exactly the ground truth', async () => {
  const truth = await checkCrawl({ listPages: 2, markup: '2017', maxSubComments: 25, seed: 3 });
  assert.ok(truth.pages.commentPages > 0, 'some floor needs /p/comment pages');
});
