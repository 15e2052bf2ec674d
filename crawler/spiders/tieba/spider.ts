import type { Response } from '../../http/response.ts';
import { defineSpider } from '../spider.ts';
import { parseListPage } from './parse-list.ts';
import { parseThreadPage } from './parse-thread.ts';

/** The article's default: the first 100 list pages (pn = 0, 50, ..., 4950) of the bar 聊天. */
export const DEFAULT_LIST_PAGES = 100;
const PN_STEP = 50;

function listLimit(response: Response): number {
  const v = response.meta['maxListPages'];
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : DEFAULT_LIST_PAGES;
}

/**
 * The article's Tieba crawl: list pages -> threads -> thread pages -> sub-comment JSON.
 * Works against the real site and the mini-Tieba site (any host: links are
 * followed only on the host the page came from). Start entries may carry
 * `{"meta": {"maxListPages": N}}` to crawl fewer or more list pages.
 */
export default defineSpider({
  name: 'tieba',
  startUrls: ['https://tieba.baidu.com/f?kw=%E8%81%8A%E5%A4%A9&ie=utf-8&pn=0'],
  customSettings: {},

  *parse(response: Response) {
    const page = parseListPage(response.document, response.text);
    const host = new URL(response.url).host;
    const maxListPages = listLimit(response);
    for (const row of page.rows) {
      const req = response.follow(row.href, {
        callback: 'parseThread',
        meta: {
          fid: page.fid,
          list: { ...row, pn: Number(new URL(response.url).searchParams.get('pn') ?? 0) },
        },
      });
      if (new URL(String(req.url)).host === host) yield req;
    }
    for (const href of page.pagerHrefs) {
      const req = response.follow(href, { meta: { maxListPages } });
      const url = new URL(String(req.url));
      const pn = Number(url.searchParams.get('pn') ?? 0);
      if (url.host === host && Number.isInteger(pn) && pn >= 0 && pn < maxListPages * PN_STEP) yield req;
    }
  },

  *parseThread(response: Response) {
    const url = new URL(response.url);
    const pn = Number(url.searchParams.get('pn') ?? 1) || 1;
    const tid = /\/p\/(\d+)/.exec(url.pathname)?.[1] ?? '';
    const thread = parseThreadPage(response.text, pn);
    const fid = thread.fid ?? (response.meta['fid'] as string | undefined) ?? '';
    yield {
      key: `${tid}#${pn}`,
      tid,
      page: pn,
      title: thread.title,
      totalPages: thread.totalPages,
      floors: thread.floors,
      list: response.meta['list'],
    };
    const comments = new URL('/p/totalComment', url);
    comments.search = new URLSearchParams({ tid, fid, pn: String(pn), see_lz: '0' }).toString();
    yield response.follow(comments.href, { callback: 'parseComments', cbKwargs: { tid, pn } });
    if (pn === 1) {
      for (let p = 2; p <= thread.totalPages; p++) {
        yield response.follow(`/p/${tid}?pn=${p}`, { callback: 'parseThread', meta: { fid } });
      }
    }
  },

  *parseComments(response: Response) {
    const { tid, pn } = response.cbKwargs as { tid: string; pn: number };
    const body = response.json<{ errno?: number; data?: { comment_list?: unknown; user_list?: unknown } }>();
    const list = body.data?.comment_list;
    // no sub-comments: Tieba sends an empty ARRAY here, not an object
    const byPost =
      list && !Array.isArray(list) && typeof list === 'object'
        ? (list as Record<string, { comment_info?: unknown[] }>)
        : {};
    const subComments = Object.entries(byPost).map(([postId, v]) => ({
      postId,
      comments: v.comment_info ?? [],
    }));
    yield { key: `${tid}#${pn}#comments`, tid, page: pn, subComments };
  },
});
