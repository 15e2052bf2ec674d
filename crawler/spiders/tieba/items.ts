import type { Item } from '../spider.ts';
import { fullTimeIso, listDateIso } from './dates.ts';
import type { SubComment, TiebaUser } from './parse-comments.ts';
import type { ListRow } from './parse-list.ts';
import type { Floor, ThreadPage } from './parse-thread.ts';

/**
 * Partial thread documents. Every item has `key` = thread id; the MongoDB sink
 * upserts by key with `$set` of the other fields, and a field name with dots
 * is a path inside the document. Each page sets only what it knows, down to
 * single fields (`floors.<pid>.content`, `floors.<pid>.subComments.<cid>`),
 * never a whole sub-object another page also fills: so the parts merge into
 * one document per thread in any order, and a re-crawl or a re-delivered
 * page overwrites the same fields instead of adding copies or erasing what
 * another page wrote.
 */

/** Drop undefined fields: a `$set` of undefined would store null over a known value. */
function defined(fields: Record<string, unknown>): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

export function user(u: TiebaUser): Record<string, string> {
  return u.id === undefined ? { name: u.name } : { id: u.id, name: u.name };
}

/** From a list row: the thread's own fields. `today` (YYYY-MM-DD, China time) enables lastReplyIso. */
export function listRowItem(row: ListRow, listPn: number, today?: string): Item {
  return defined({
    key: row.tid,
    tid: row.tid,
    title: row.title,
    author: user({ id: row.authorId, name: row.authorName }),
    replyNum: row.replyNum,
    created: row.created,
    lastReply: row.lastReply,
    lastReplyIso: listDateIso(row.lastReply, today),
    isTop: row.isTop,
    isGood: row.isGood,
    abstract: row.abstract,
    listPn,
  });
}

function floorFields(f: Floor, page: number): Record<string, unknown> {
  return {
    postId: f.postId,
    floor: f.floor,
    page,
    author: user({ id: f.authorId, name: f.authorName }),
    time: f.time,
    timeIso: fullTimeIso(f.time),
    ipLocation: f.ipLocation,
    content: f.content,
    images: f.images,
    commentNum: f.commentNum,
  };
}

/** From one thread page: title, page count, and each floor's fields. Floor 1 dates the thread exactly. */
export function threadPageItem(tid: string, fid: string | undefined, thread: ThreadPage): Item {
  const first = thread.floors.find((f) => f.floor === 1);
  const fields: Record<string, unknown> = {
    key: tid,
    tid,
    fid,
    title: thread.title || undefined,
    pages: thread.totalPages,
    createdIso: fullTimeIso(first?.time),
  };
  for (const f of thread.floors) {
    for (const [k, v] of Object.entries(floorFields(f, thread.page))) fields[`floors.${f.postId}.${k}`] = v;
  }
  return defined(fields);
}

/** From a totalComment JSON or a /p/comment page: one field per sub-comment. */
export function subCommentsItem(
  tid: string,
  byPost: ReadonlyArray<[string, SubComment[]]>,
): Item | undefined {
  const fields: Record<string, unknown> = { key: tid, tid };
  let n = 0;
  for (const [postId, comments] of byPost) {
    for (const c of comments) {
      fields[`floors.${postId}.subComments.${c.commentId}`] = defined({
        commentId: c.commentId,
        author: user(c.author),
        to: c.to && user(c.to),
        text: c.text,
        time: c.time,
      });
      n++;
    }
  }
  return n > 0 ? fields : undefined;
}
