import type { ThreadDoc } from './truth.ts';

/**
 * The site's ground truth against a stored thread document, on the same
 * projection: the crawl tests and lab:chaos compare MongoDB (or merged JSON-lines)
 * documents with it. Floors are sorted by floor number and sub-comments by id,
 * so a document compares equal only when it holds every floor and sub-comment
 * of the truth exactly once and nothing else.
 */

/** A thread document as the Tieba spider's parts merge into it (MongoDB, or an in-memory merge). */
export type Doc = Record<string, unknown>;

const user = (u: { userId: number; userName: string }) => ({ id: String(u.userId), name: u.userName });
const iso = (time: string) => `${time.replace(' ', 'T')}:00+08:00`;

/** The site's ground truth in the spider's document shape. */
export function expected(doc: ThreadDoc, allPages: boolean) {
  return {
    tid: String(doc.tid),
    title: doc.title,
    author: user(doc.author),
    replyNum: doc.replyNum,
    isTop: doc.isTop,
    isGood: doc.isGood,
    listPn: doc.listPn,
    createdIso: iso(doc.floors[0]!.time),
    floors: doc.floors
      .filter((f) => allPages || f.page === 1)
      .map((f) => ({
        postId: String(f.postId),
        floor: f.postNo,
        author: user(f.author),
        content: f.text,
        images: f.images,
        time: f.time,
        timeIso: iso(f.time),
        subComments: f.subComments.map((c) => ({
          commentId: String(c.commentId),
          author: c.author.userName,
          to: c.to.userName,
          text: c.text,
        })),
      })),
  };
}

/** A merged document projected on the same fields (floors by floor number, sub-comments by id). */
export function actual(doc: Doc) {
  const floors = Object.values((doc['floors'] ?? {}) as Record<string, Doc>);
  floors.sort((a, b) => Number(a['floor']) - Number(b['floor']));
  return {
    tid: doc['tid'],
    title: doc['title'],
    author: doc['author'],
    replyNum: doc['replyNum'],
    isTop: doc['isTop'],
    isGood: doc['isGood'],
    listPn: doc['listPn'],
    createdIso: doc['createdIso'],
    floors: floors.map((f) => ({
      postId: f['postId'],
      floor: f['floor'],
      author: f['author'],
      content: f['content'],
      images: f['images'],
      time: f['time'],
      timeIso: f['timeIso'],
      subComments: Object.values((f['subComments'] ?? {}) as Record<string, Doc>)
        .sort((a, b) => Number(a['commentId']) - Number(b['commentId']))
        .map((c) => ({
          commentId: c['commentId'],
          author: (c['author'] as Doc)['name'],
          to: (c['to'] as Doc)['name'],
          text: c['text'],
        })),
    })),
  };
}
