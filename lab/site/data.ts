import { siteNow } from './dates.ts';
import { escapeAttr, escapeText } from './html.ts';
import { Lru } from './lru.ts';
import type { SiteOptions } from './options.ts';
import { hashInts, streamOf } from './random.ts';
import * as words from './text.ts';

/**
 * The forum's data, generated from the seed. Counts (floors per thread,
 * sub-comments per floor, times) are computed eagerly because the ground truth
 * needs them; texts are generated lazily per thread, each from its own random
 * stream, so any page can be built alone and always comes out the same.
 */

export interface User {
  userId: number;
  userName: string;
  nickname: string;
  portrait: string;
}

export interface Floor {
  postId: number;
  postNo: number;
  /** Thread page (1-based) the floor is on. */
  page: number;
  author: User;
  time: number;
  ip: string;
  client: string;
  badge: string;
  level: number;
  /** Content as HTML (text, smileys, images). */
  html: string;
  /** The text a parser reads from the content (`.text().trim()`); '' for image-only floors. */
  text: string;
  images: number;
  subCount: number;
  /** Index among all floors of the site: keys sub-comment streams and ids. */
  global: number;
}

export interface SubComment {
  commentId: number;
  author: User;
  /** Who it answers: a "回复 X :" target, else the floor's author. */
  to: User;
  /** As sent in JSON: "回复 <a …>X</a> :text" for replies to another sub-comment. */
  content: string;
  text: string;
  time: number;
}

export interface ThreadMeta {
  index: number;
  tid: number;
  floorCount: number;
  pages: number;
  isTop: boolean;
  isGood: boolean;
  created: number;
  lastReply: number;
  firstGlobal: number;
}

export interface Thread extends ThreadMeta {
  title: string;
  author: User;
  floors: Floor[];
}

const TID_BASE = 8_000_000_000;
const PID_BASE = 140_000_000_000;
const SPID_BASE = 150_000_000_000;
const USERS = 800;
const MINUTE = 60_000;
const DAY = 86_400_000;

export class SiteData {
  readonly options: SiteOptions;
  readonly now: number;
  readonly threadCount: number;
  readonly metas: ThreadMeta[] = [];
  readonly users: User[] = [];
  /** Sub-comment count of every floor, by global floor index. */
  readonly subCounts: Uint8Array;
  readonly floorTotal: number;
  readonly #byTid = new Map<number, number>();
  readonly #threads = new Lru<Thread>(512);

  constructor(options: SiteOptions) {
    this.options = options;
    this.now = siteNow(options.seed);
    this.threadCount = options.listPages * options.threadsPerPage;
    this.#makeUsers();
    let global = 0;
    let lastReply = this.now - streamOf(options.seed, 'clock').int(0, 5) * MINUTE;
    for (let i = 0; i < this.threadCount; i++) {
      const rng = streamOf(options.seed, 'thread', i);
      const r = rng.next();
      const max = options.maxThreadPages;
      const pages = r < 0.75 || max === 1 ? 1 : r < 0.93 || max === 2 ? 2 : rng.int(3, max);
      const fpp = options.floorsPerPage;
      const floorCount = (pages - 1) * fpp + rng.int(1, fpp);
      const tid = TID_BASE + (this.threadCount - i) * 1000 + rng.int(0, 999);
      if (i > 0) lastReply -= rng.int(1, 20) * MINUTE;
      const s = rng.next();
      const span =
        s < 0.5 ? rng.int(10, 1440) * MINUTE : s < 0.85 ? rng.int(1, 60) * DAY : rng.int(60, 1100) * DAY;
      const created = floorCount === 1 ? lastReply : lastReply - span;
      const isGood = rng.chance(0.03);
      this.metas.push({
        index: i,
        tid,
        floorCount,
        pages,
        isTop: i < options.pinnedThreads,
        isGood,
        created,
        lastReply,
        firstGlobal: global,
      });
      this.#byTid.set(tid, i);
      global += floorCount;
    }
    this.floorTotal = global;
    this.subCounts = new Uint8Array(global);
    for (const meta of this.metas) {
      const rng = streamOf(options.seed, 'subs', meta.index);
      for (let j = 0; j < meta.floorCount; j++) {
        const n = rng.chance(0.22) ? 1 + Math.floor(rng.next() ** 2 * options.maxSubComments) : 0;
        this.subCounts[meta.firstGlobal + j] = Math.min(n, options.maxSubComments);
      }
    }
  }

  #makeUsers(): void {
    const names = new Set<string>();
    const ids = new Set<number>();
    for (let k = 0; k < USERS; k++) {
      const rng = streamOf(this.options.seed, 'user', k);
      let userName = words.userName(rng);
      if (names.has(userName)) userName = `${userName}_${k}`;
      let userId = 100_000_000 + (hashInts(this.options.seed, k) % 3_000_000_000);
      while (ids.has(userId)) userId++;
      names.add(userName);
      ids.add(userId);
      this.users.push({ userId, userName, nickname: words.nickname(rng), portrait: words.portrait(rng) });
    }
  }

  indexOfTid(tid: number): number | undefined {
    return this.#byTid.get(tid);
  }

  postIdOf(global: number): number {
    return PID_BASE + global * 8;
  }

  /** Thread index and floor index of a post id, or undefined. */
  locatePost(pid: number): { thread: number; floor: number } | undefined {
    const rel = pid - PID_BASE;
    if (!Number.isSafeInteger(rel) || rel < 0 || rel % 8 !== 0 || rel / 8 >= this.floorTotal)
      return undefined;
    const global = rel / 8;
    let lo = 0;
    let hi = this.metas.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.metas[mid]!.firstGlobal <= global) lo = mid;
      else hi = mid - 1;
    }
    return { thread: lo, floor: global - this.metas[lo]!.firstGlobal };
  }

  /** Author and title only: what a list row needs without building every floor. */
  head(i: number): { title: string; author: User } {
    const rng = streamOf(this.options.seed, 'title', i);
    return { title: words.title(rng), author: this.users[rng.int(0, USERS - 1)]! };
  }

  floor(i: number, j: number): Floor {
    const meta = this.metas[i]!;
    const rng = streamOf(this.options.seed, 'post', i, j);
    const author = j === 0 || rng.chance(0.15) ? this.head(i).author : this.users[rng.int(0, USERS - 1)]!;
    const n = meta.floorCount;
    const step = n === 1 ? 0 : Math.round(((meta.lastReply - meta.created) * j) / (n - 1) / MINUTE) * MINUTE;
    const global = meta.firstGlobal + j;
    const imageTag = () =>
      `<img class="BDE_Image" src="/forum/pic/item/${words.hexId(rng, 24)}.jpg" size="${rng.int(20_000, 400_000)}" width="560" height="${rng.int(300, 800)}">`;
    let html: string;
    let text: string;
    let images = 0;
    if (j > 0 && rng.chance(0.06)) {
      images = rng.int(1, 2);
      html = '';
      for (let k = 0; k < images; k++) html += imageTag();
      text = '';
    } else {
      text = j === 0 ? words.sentence(rng) + words.sentence(rng) : words.replyText(rng);
      html = `            ${escapeText(text)}`;
      if (rng.chance(0.08)) {
        const more = words.replyText(rng);
        html += `<img class="BDE_Smiley" width="30" height="30" changedsize="false" src="/static/emoticons/face_${String(rng.int(1, 70)).padStart(2, '0')}.png">${escapeText(more)}`;
        text += more;
      }
      if (rng.chance(0.1)) {
        images = 1;
        html += `<br>${imageTag()}`;
      }
    }
    return {
      postId: this.postIdOf(global),
      postNo: j + 1,
      page: Math.floor(j / this.options.floorsPerPage) + 1,
      author,
      time: meta.created + step,
      ip: rng.pick(words.PROVINCES),
      client: rng.pick(words.CLIENTS),
      badge: rng.pick(words.BADGES),
      level: rng.int(1, 18),
      html,
      text,
      images,
      subCount: this.subCounts[global]!,
      global,
    };
  }

  thread(i: number): Thread {
    const key = String(i);
    const hit = this.#threads.get(key);
    if (hit) return hit;
    const floors: Floor[] = [];
    for (let j = 0; j < this.metas[i]!.floorCount; j++) floors.push(this.floor(i, j));
    const thread = { ...this.metas[i]!, ...this.head(i), floors };
    this.#threads.set(key, thread);
    return thread;
  }

  subComments(floor: Floor): SubComment[] {
    const rng = streamOf(this.options.seed, 'sub', floor.global);
    const out: SubComment[] = [];
    let time = floor.time;
    for (let k = 0; k < floor.subCount; k++) {
      const author = rng.chance(0.25) ? floor.author : this.users[rng.int(0, USERS - 1)]!;
      const text = words.replyText(rng);
      time = Math.min(this.now, time + rng.int(1, 90) * MINUTE);
      const target = k > 0 && rng.chance(0.4) ? out[rng.int(0, k - 1)]!.author : undefined;
      const isReply = target !== undefined && target.userId !== author.userId;
      const content = isReply
        ? `回复 <a href="" onclick="Stats.sendRequest('fr=tb0_forum&st_mod=pb&st_value=atlink');" username="${escapeAttr(target.userName)}" portrait="${target.portrait}" target="_blank" class="at">${escapeText(target.userName)}</a> :${escapeText(text)}`
        : escapeText(text);
      out.push({
        commentId: SPID_BASE + floor.global * 128 + k,
        author,
        to: isReply ? target : floor.author,
        content,
        text,
        time,
      });
    }
    return out;
  }
}
