import { CrawlError } from '../../errors.ts';
import type { RequestDraft } from '../../http/request.ts';
import type { Response } from '../../http/response.ts';
import { defineSpider } from '../spider.ts';
import { listRowItem, subCommentsItem, threadPageItem } from './items.ts';
import { metaOf, optionsOf } from './options.ts';
import { type FloorAuthors, parseCommentPage, parseTotalComment, type TiebaUser } from './parse-comments.ts';
import { parseListPage } from './parse-list.ts';
import { parseThreadPage } from './parse-thread.ts';

export { DEFAULT_LIST_PAGES } from './options.ts';

/** Tieba's list offset step (50 rows a page); a site with another step shows it in its pager. */
const PN_STEP = 50;
/** totalComment carries the first 10 sub-comments of a floor; /p/comment pages 2.. the rest. */
const COMMENTS_PER_PAGE = 10;
// Deeper pages first, so a crawl finishes threads before it opens more list pages: the queue stays short.
const PRIORITY = { list: 0, thread: 1, comments: 2 } as const;

/** Keep a followed link only on the host the page came from (real site or mini site alike). */
function sameHost(req: RequestDraft, host: string): boolean {
  return new URL(String(req.url)).host === host;
}

/** The pager links neighbouring pages, so the smallest distance between offsets is the step. */
function pnStep(current: number, pagerPns: number[]): number {
  const gaps = pagerPns.map((pn) => Math.abs(pn - current)).filter((d) => Number.isInteger(d) && d > 0);
  return gaps.length > 0 ? Math.min(...gaps) : PN_STEP;
}

/**
 * The article's Tieba crawl, with its bugs fixed (docs/tieba.md): list pages
 * -> thread pages -> sub-comment JSON (-> /p/comment pages for floors with more
 * than 10). Items are partial thread documents keyed by thread id (items.ts).
 * Options come from the seed entry's meta (options.ts). Works against the real
 * site and the mini-Tieba site: links are followed only on the page's host.
 */
export default defineSpider({
  name: 'tieba',
  startUrls: ['https://tieba.baidu.com/f?kw=%E8%81%8A%E5%A4%A9&ie=utf-8&pn=0'],
  // Crawler defaults, so the lab crawls its mini site at full speed; docs/tieba.md has polite settings for the real one.
  customSettings: {},

  *parse(response: Response) {
    const opts = optionsOf(response.meta);
    const page = parseListPage(response.document, response.text);
    const url = new URL(response.url);
    const listPn = Number(url.searchParams.get('pn') ?? 0) || 0;
    for (const row of page.rows) {
      const req = response.follow(row.href, {
        callback: 'parseThread',
        priority: PRIORITY.thread,
        meta: { ...metaOf(opts), fid: page.fid },
      });
      if (!sameHost(req, url.host)) continue;
      yield listRowItem(row, listPn, opts.today);
      yield req;
    }
    const pager = page.pagerHrefs.map((href) => {
      const req = response.follow(href, { priority: PRIORITY.list, meta: metaOf(opts) });
      return { req, pn: Number(new URL(String(req.url)).searchParams.get('pn') ?? 0) };
    });
    const limit =
      opts.maxListPages *
      pnStep(
        listPn,
        pager.map((p) => p.pn),
      );
    for (const { req, pn } of pager) {
      if (sameHost(req, url.host) && Number.isInteger(pn) && pn >= 0 && pn < limit) yield req;
    }
  },

  *parseThread(response: Response) {
    const opts = optionsOf(response.meta);
    const url = new URL(response.url);
    const pn = Number(url.searchParams.get('pn') ?? 1) || 1;
    const tid = /\/p\/(\d+)/.exec(url.pathname)?.[1] ?? '';
    const thread = parseThreadPage(response.text, pn);
    // the floor's own forum_id first: a thread reached by a link from elsewhere has no list-page fid
    const fid = thread.fid ?? (response.meta['fid'] as string | undefined);
    yield threadPageItem(tid, fid, thread);
    if (fid) {
      const authors: Record<string, TiebaUser> = {};
      for (const f of thread.floors)
        if (f.commentNum !== 0) authors[f.postId] = { id: f.authorId, name: f.authorName };
      const comments = new URL('/p/totalComment', url);
      comments.search = new URLSearchParams({ tid, fid, pn: String(pn), see_lz: '0' }).toString();
      yield response.follow(comments.href, {
        callback: 'parseComments',
        priority: PRIORITY.comments,
        cbKwargs: { tid, pn, authors },
      });
    }
    if (opts.allPages && pn === 1) {
      for (let p = 2; p <= thread.totalPages; p++) {
        yield response.follow(`/p/${tid}?pn=${p}`, {
          callback: 'parseThread',
          priority: PRIORITY.thread,
          meta: { ...metaOf(opts), fid },
        });
      }
    }
  },

  *parseComments(response: Response) {
    const { tid, pn, authors } = response.cbKwargs as { tid: string; pn: number; authors: FloorAuthors };
    const parsed = parseTotalComment(response.json(), authors);
    if (parsed.errno !== 0) {
      throw new CrawlError(
        'CRAWL_E_CALLBACK',
        `totalComment of thread ${tid} page ${pn} answered errno ${parsed.errno} (${parsed.errmsg})`,
        {
          hint: "fid must be the forum id of the thread (PageData.forum.id or a floor's forum_id)",
          url: response.url,
        },
      );
    }
    const item = subCommentsItem(
      tid,
      parsed.floors.map((f) => [f.postId, f.comments]),
    );
    if (item) yield item;
    for (const f of parsed.floors) {
      const pages = Math.ceil(f.commentNum / COMMENTS_PER_PAGE);
      if (pages < 2) continue;
      // the names this floor's later pages may answer, so reply targets keep their ids
      const userIds: Record<string, string> = {};
      for (const c of f.comments) {
        if (c.author.id !== undefined) userIds[c.author.name] = c.author.id;
        if (c.to?.id !== undefined) userIds[c.to.name] = c.to.id;
      }
      for (let p = 2; p <= pages; p++) {
        const page = new URL('/p/comment', response.url);
        page.search = new URLSearchParams({ tid, pid: f.postId, pn: String(p) }).toString();
        yield response.follow(page.href, {
          callback: 'parseCommentPage',
          priority: PRIORITY.comments,
          cbKwargs: { tid, pid: f.postId, author: authors[f.postId], userIds },
        });
      }
    }
  },

  *parseCommentPage(response: Response) {
    const { tid, pid, author, userIds } = response.cbKwargs as {
      tid: string;
      pid: string;
      author: TiebaUser | undefined;
      userIds: Record<string, string>;
    };
    const item = subCommentsItem(tid, [[pid, parseCommentPage(response.text, author, userIds)]]);
    if (item) yield item;
  },
});
