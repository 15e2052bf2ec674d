import type { SubCommentDoc, ThreadDoc, UserDoc } from './truth.ts';

/**
 * The site's ground truth against a stored thread document: the crawl tests,
 * lab:crawl and lab:chaos compare MongoDB (or merged JSON-lines) documents
 * with it. `expected` is the whole document a correct Tieba spider stores for
 * a thread, every field it yields; `actual` is a stored document as it is
 * (only the store's own `_id`/`_key` and the item key dropped), with floors
 * sorted by floor number and sub-comments by id. So a document compares equal
 * only when it holds every field, floor and sub-comment of the truth exactly
 * once and nothing else: a field the spider starts to yield, or stops
 * yielding, shows up here until the truth says it too.
 *
 * What a page cannot tell the spider is left out where it cannot know it:
 * sub-comments from /p/comment pages (past the first COMMENTS_PER_PAGE of a
 * floor, which the totalComment JSON carries) name their author and reply
 * target without ids, so an id is expected only where one of the floor's JSON
 * sub-comments or the floor's author gave it.
 */

/** A thread document as the Tieba spider's parts merge into it (MongoDB, or an in-memory merge). */
export type Doc = Record<string, unknown>;

/** totalComment carries the first 10 sub-comments of a floor; /p/comment pages 2.. the rest. */
const COMMENTS_IN_JSON = 10;

const user = (u: UserDoc) => ({ id: String(u.userId), name: u.userName });
const iso = (time: string) => `${time.replace(' ', 'T')}:00+08:00`;
const p2 = (n: number) => String(n).padStart(2, '0');

/** ms -> "2024-08-06T22:11:05+08:00" (China time), as totalComment's now_time reads. */
function isoSeconds(ms: number): string {
  const t = new Date(Math.floor(ms / 1000) * 1000 + 8 * 3600_000);
  return `${t.getUTCFullYear()}-${p2(t.getUTCMonth() + 1)}-${p2(t.getUTCDate())}T${p2(t.getUTCHours())}:${p2(t.getUTCMinutes())}:${p2(t.getUTCSeconds())}+08:00`;
}

/** ms -> the minute it shows on a /p/comment page, as ISO ("…T22:11:00+08:00"). */
const isoMinute = (ms: number) => `${isoSeconds(ms).slice(0, 16)}:00+08:00`;

function subComments(floor: ThreadDoc['floors'][number]) {
  const fromJson = floor.subComments.slice(0, COMMENTS_IN_JSON);
  // the names whose ids a /p/comment page's reader knows: the floor's JSON sub-comments, the floor's author
  const ids = new Map<string, string>();
  for (const c of fromJson) {
    ids.set(c.author.userName, String(c.author.userId));
    ids.set(c.to.userName, String(c.to.userId));
  }
  const known = (u: UserDoc) => {
    const id =
      ids.get(u.userName) ?? (u.userName === floor.author.userName ? String(floor.author.userId) : undefined);
    return id === undefined ? { name: u.userName } : { id, name: u.userName };
  };
  const onPage = (c: SubCommentDoc) => ({
    commentId: String(c.commentId),
    author: known(c.author),
    // no "回复 X :" prefix means the floor's author, whose id the thread page gave
    to: c.to.userId === floor.author.userId ? user(c.to) : known(c.to),
    text: c.text,
    time: isoMinute(c.time),
  });
  return floor.subComments.map((c, k) =>
    k < COMMENTS_IN_JSON
      ? {
          commentId: String(c.commentId),
          author: user(c.author),
          to: user(c.to),
          text: c.text,
          time: isoSeconds(c.time),
        }
      : onPage(c),
  );
}

/** The site's ground truth in the spider's document shape: every field of the list row, thread pages and sub-comments. */
export function expected(doc: ThreadDoc, allPages: boolean) {
  return {
    tid: String(doc.tid),
    title: doc.title,
    author: user(doc.author),
    replyNum: doc.replyNum,
    created: doc.created,
    lastReply: doc.lastReply,
    isTop: doc.isTop,
    isGood: doc.isGood,
    abstract: doc.abstract,
    listPn: doc.listPn,
    fid: String(doc.fid),
    pages: doc.pages,
    createdIso: iso(doc.floors[0]!.time),
    floors: doc.floors
      .filter((f) => allPages || f.page === 1)
      .map((f) => ({
        postId: String(f.postId),
        floor: f.postNo,
        page: f.page,
        author: user(f.author),
        time: f.time,
        timeIso: iso(f.time),
        ...(doc.markup === '2024' ? { ipLocation: f.ip } : {}),
        content: f.text,
        images: f.images,
        commentNum: f.subComments.length,
        ...(f.subComments.length > 0
          ? {
              subComments: subComments(f).sort((a, b) => Number(a.commentId) - Number(b.commentId)),
            }
          : {}),
      })),
  };
}

/** A stored document as it is, floors by floor number and sub-comments by id (store fields and the item key dropped). */
export function actual(doc: Doc) {
  const { _id, _key, key, floors, ...rest } = doc;
  const list = Object.values((floors ?? {}) as Record<string, Doc>).map((f) => {
    const { subComments, ...fields } = f;
    if (subComments === undefined) return fields;
    const subs = Object.values(subComments as Record<string, Doc>).sort(
      (a, b) => Number(a['commentId']) - Number(b['commentId']),
    );
    return { ...fields, subComments: subs };
  });
  list.sort((a, b) => Number(a['floor']) - Number(b['floor']));
  return { ...rest, floors: list };
}
