import type { SiteData } from './data.ts';
import { createdLabel, fullTime, replyLabel } from './dates.ts';
import type { Markup } from './options.ts';
import { COMMENTS_PER_PAGE } from './render-comments.ts';

/**
 * Ground truth: what a complete, correct crawl of the site must find. Served
 * at /__truth and returned by startSite() so a crawl can be checked exactly.
 */
export interface Truth {
  forum: { name: string; fid: number };
  seed: number;
  markup: Markup;
  listPages: number;
  threadsPerPage: number;
  floorsPerPage: number;
  threads: { count: number; tids: number[]; pinned: number[] };
  /** Thread pages over all threads (a thread of 31..60 floors has 2, ...). */
  threadPages: number;
  floors: number;
  subComments: number;
  /**
   * URLs a complete crawl fetches: every list page, every thread page, one
   * totalComment JSON per thread page, and /p/comment pages 2.. of floors with
   * more than 10 sub-comments (page 1 repeats what the JSON already carries).
   * robots.txt is not counted.
   */
  pages: { list: number; thread: number; totalComment: number; commentPages: number; total: number };
}

export interface UserDoc {
  userId: number;
  userName: string;
}

export interface SubCommentDoc {
  commentId: number;
  author: UserDoc;
  /** Who it answers ("回复 X :" target, else the floor's author). */
  to: UserDoc;
  /** Plain text, without the "回复 X :" prefix. */
  text: string;
  /** When it was written, ms since the epoch. */
  time: number;
}

export interface FloorDoc {
  postId: number;
  postNo: number;
  page: number;
  author: UserDoc;
  /** What `.text().trim()` of the content gives; '' for image-only floors. */
  text: string;
  images: number;
  /** "YYYY-MM-DD HH:MM" (China time), as in the floor's tail. */
  time: string;
  ip: string;
  subComments: SubCommentDoc[];
}

export interface ThreadDoc {
  tid: number;
  /** The forum's id (PageData.forum.id, each floor's forum_id). */
  fid: number;
  markup: Markup;
  title: string;
  author: UserDoc;
  /** The list row's labels as shown: created "HH:MM" / "M-D" / "YYYY-MM", last reply "HH:MM" / "M-D". */
  created: string;
  lastReply: string;
  /** The list row's abstract: the first floor's text, cut at 40 characters with "…". */
  abstract: string;
  /** Floors minus the first: the list row's reply_num and the thread page's 回复贴. */
  replyNum: number;
  pages: number;
  isTop: boolean;
  isGood: boolean;
  /** `pn` offset of the list page the thread is listed on (exactly one). */
  listPn: number;
  floors: FloorDoc[];
}

export function computeTruth(data: SiteData): Truth {
  const o = data.options;
  let threadPages = 0;
  let subComments = 0;
  let commentPages = 0;
  for (const m of data.metas) threadPages += m.pages;
  for (const n of data.subCounts) {
    subComments += n;
    if (n > COMMENTS_PER_PAGE) commentPages += Math.ceil(n / COMMENTS_PER_PAGE) - 1;
  }
  const pages = { list: o.listPages, thread: threadPages, totalComment: threadPages, commentPages, total: 0 };
  pages.total = pages.list + pages.thread + pages.totalComment + pages.commentPages;
  return {
    forum: { name: o.bar, fid: o.fid },
    seed: o.seed,
    markup: o.markup,
    listPages: o.listPages,
    threadsPerPage: o.threadsPerPage,
    floorsPerPage: o.floorsPerPage,
    threads: {
      count: data.threadCount,
      tids: data.metas.map((m) => m.tid),
      pinned: data.metas.filter((m) => m.isTop).map((m) => m.tid),
    },
    threadPages,
    floors: data.floorTotal,
    subComments,
    pages,
  };
}

const user = (u: { userId: number; userName: string }): UserDoc => ({
  userId: u.userId,
  userName: u.userName,
});

/** Expected data of one thread (by list index). */
export function threadDocument(data: SiteData, index: number): ThreadDoc {
  const t = data.thread(index);
  const first = t.floors[0]!.text;
  return {
    tid: t.tid,
    fid: data.options.fid,
    markup: data.options.markup,
    title: t.title,
    author: user(t.author),
    created: createdLabel(t.created, data.now),
    lastReply: replyLabel(t.lastReply, data.now),
    abstract: first.length > 40 ? `${first.slice(0, 40)}…` : first,
    replyNum: t.floorCount - 1,
    pages: t.pages,
    isTop: t.isTop,
    isGood: t.isGood,
    listPn: Math.floor(index / data.options.threadsPerPage) * data.options.threadsPerPage,
    floors: t.floors.map((f) => ({
      postId: f.postId,
      postNo: f.postNo,
      page: f.page,
      author: user(f.author),
      text: f.text,
      images: f.images,
      time: fullTime(f.time),
      ip: f.ip,
      subComments: data.subComments(f).map((c) => ({
        commentId: c.commentId,
        author: user(c.author),
        to: user(c.to),
        text: c.text,
        time: c.time,
      })),
    })),
  };
}

/** Expected data of every thread, in list order. Builds every floor: meant for checks, not for serving. */
export function truthDocuments(data: SiteData): ThreadDoc[] {
  return data.metas.map((m) => threadDocument(data, m.index));
}
