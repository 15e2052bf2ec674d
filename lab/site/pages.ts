import type { SiteData } from './data.ts';
import { COMMENTS_PER_PAGE } from './render-comments.ts';

/**
 * One name per page of the site, whatever the URL that asked for it (extra
 * query parameters, their order, the `t` cache-buster, a `pn` inside a list
 * page's range): the site counts its hits under these names (/__truth/hits),
 * and the lab's truth check lists the pages a complete crawl fetches in them.
 */
export const pageName = {
  list: (pn: number) => `/f?pn=${pn}`,
  thread: (tid: number, pn: number) => `/p/${tid}?pn=${pn}`,
  totalComment: (tid: number, pn: number) => `/p/totalComment?tid=${tid}&pn=${pn}`,
  comment: (tid: number, pid: number, pn: number) => `/p/comment?tid=${tid}&pid=${pid}&pn=${pn}`,
};

/**
 * The pages a complete crawl of the site fetches, each once: every list page;
 * every thread page (only page 1 without `allPages`) with its totalComment
 * JSON; /p/comment pages 2.. of the floors on those pages with more than
 * COMMENTS_PER_PAGE sub-comments. robots.txt is not a page of the forum.
 */
export function crawlPages(data: SiteData, allPages: boolean): string[] {
  const o = data.options;
  const out: string[] = [];
  for (let p = 0; p < o.listPages; p++) out.push(pageName.list(p * o.threadsPerPage));
  for (const m of data.metas) {
    const pages = allPages ? m.pages : 1;
    for (let pn = 1; pn <= pages; pn++) {
      out.push(pageName.thread(m.tid, pn), pageName.totalComment(m.tid, pn));
    }
    const floors = Math.min(m.floorCount, pages * o.floorsPerPage);
    for (let j = 0; j < floors; j++) {
      const subs = data.subCounts[m.firstGlobal + j]!;
      const commentPages = Math.ceil(subs / COMMENTS_PER_PAGE);
      const pid = data.postIdOf(m.firstGlobal + j);
      for (let pn = 2; pn <= commentPages; pn++) out.push(pageName.comment(m.tid, pid, pn));
    }
  }
  return out;
}
