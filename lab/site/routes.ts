import type { SiteData } from './data.ts';
import { Lru } from './lru.ts';
import { pageName } from './pages.ts';
import {
  commentPagesOf,
  renderCommentError,
  renderCommentPage,
  renderTotalComment,
} from './render-comments.ts';
import { renderBarNotFound, renderList } from './render-list.ts';
import { renderThread, renderThreadNotFound } from './render-thread.ts';
import type { Truth } from './truth.ts';

/**
 * URL -> response. Every 200 page is rendered once and kept in a byte-bounded
 * LRU under a canonical key (the `t` cache-buster of totalComment and
 * parameter order do not matter), so a repeat costs a Map lookup.
 *
 * Documented choices: a wrong `kw` answers 404 with a small page (Tieba shows
 * a page with 200); `pn` past the last list page renders an empty list (as
 * Tieba does); a non-numeric `pn` counts as the first page; a thread `pn`
 * past its last page answers 404; totalComment with a `fid` that does not own
 * the thread answers 200 with `errno` 2 (Tieba's API style), and past the
 * thread's last page an empty `comment_list: []`.
 */
export interface Reply {
  status: number;
  type: string;
  body: Buffer;
  /** The page's name (pages.ts) when this is a page of the forum: the site's hit log counts it. */
  page?: string;
}

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT = 'text/plain; charset=utf-8';

export const ROBOTS_TXT = `User-agent: *
Disallow: /home/
Disallow: /__truth
Allow: /f
Allow: /p/
`;

const reply = (status: number, type: string, text: string): Reply => ({
  status,
  type,
  body: Buffer.from(text),
});
const NOT_FOUND = reply(
  404,
  HTML,
  '<!DOCTYPE html><html><head><title>404</title></head><body>404 Not Found</body></html>\n',
);
const THREAD_NOT_FOUND = reply(404, HTML, renderThreadNotFound());
const ROBOTS = reply(200, TEXT, ROBOTS_TXT);

/** Non-negative integer query value, or `fallback` (Tieba tolerates garbage here). */
function intParam(value: string | null, fallback: number): number {
  return value !== null && /^\d{1,15}$/.test(value) ? Number(value) : fallback;
}

export class Router {
  readonly #data: SiteData;
  readonly #cache: Lru<Reply>;
  readonly #truth: Reply;

  constructor(data: SiteData, truth: Truth) {
    this.#data = data;
    this.#cache = new Lru<Reply>(data.options.cacheMb * 1024 * 1024, (r) => r.body.length + 64);
    this.#truth = reply(200, JSON_TYPE, JSON.stringify(truth));
  }

  get cachedPages(): number {
    return this.#cache.size;
  }

  #cached(key: string, make: () => Reply): Reply {
    const hit = this.#cache.get(key);
    if (hit) return hit;
    const made = make();
    if (made.status === 200) this.#cache.set(key, made);
    return made;
  }

  /** `rawUrl` is the request target (path + query); `host` the sanitised Host header. */
  route(rawUrl: string, host: string): Reply {
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
    const data = this.#data;
    const o = data.options;
    switch (path) {
      case '/f': {
        const kw = params.get('kw') ?? '';
        if (kw !== o.bar) return reply(404, HTML, renderBarNotFound(kw));
        const page = Math.floor(intParam(params.get('pn'), 0) / o.threadsPerPage);
        return this.#cached(`f|${host}|${page}`, () => ({
          ...reply(200, HTML, renderList(data, host, page)),
          page: pageName.list(page * o.threadsPerPage),
        }));
      }
      case '/robots.txt':
        return ROBOTS;
      case '/__truth':
        return this.#truth;
      case '/p/totalComment':
        return this.#totalComment(params);
      case '/p/comment':
        return this.#comment(params);
    }
    const m = /^\/p\/(\d{1,15})$/.exec(path);
    if (!m) return NOT_FOUND;
    const index = data.indexOfTid(Number(m[1]));
    if (index === undefined) return THREAD_NOT_FOUND;
    const page = Math.max(1, intParam(params.get('pn'), 1));
    if (page > data.metas[index]!.pages) return THREAD_NOT_FOUND;
    return this.#cached(`p|${index}|${page}`, () => ({
      ...reply(200, HTML, renderThread(data, data.thread(index), page)),
      page: pageName.thread(data.metas[index]!.tid, page),
    }));
  }

  #totalComment(params: URLSearchParams): Reply {
    const data = this.#data;
    const index = data.indexOfTid(intParam(params.get('tid'), -1));
    if (index === undefined)
      return reply(404, JSON_TYPE, renderCommentError(4, 'thread not found: check the tid parameter'));
    if (intParam(params.get('fid'), -1) !== data.options.fid) {
      return reply(
        200,
        JSON_TYPE,
        renderCommentError(2, `fid does not match this thread: use the forum's id (PageData.forum.id)`),
      );
    }
    const page = Math.max(1, intParam(params.get('pn'), 1));
    return this.#cached(`tc|${index}|${page}`, () => ({
      ...reply(200, JSON_TYPE, renderTotalComment(data, data.thread(index), page)),
      page: pageName.totalComment(data.metas[index]!.tid, page),
    }));
  }

  #comment(params: URLSearchParams): Reply {
    const data = this.#data;
    const index = data.indexOfTid(intParam(params.get('tid'), -1));
    const at = data.locatePost(intParam(params.get('pid'), -1));
    if (index === undefined || at === undefined || at.thread !== index) return NOT_FOUND;
    const floor = data.thread(index).floors[at.floor]!;
    const page = Math.max(1, intParam(params.get('pn'), 1));
    if (page > commentPagesOf(floor)) return NOT_FOUND;
    return this.#cached(`c|${floor.postId}|${page}`, () => ({
      ...reply(200, HTML, renderCommentPage(data, floor, page)),
      page: pageName.comment(data.metas[index]!.tid, floor.postId, page),
    }));
  }
}
