import type { AnyNode, Element } from 'domhandler';
import { textContent } from 'domutils';
import { parseDocument } from 'htmlparser2';
import { attrOf, selectAll, selectOne, textOf } from '../../http/select.ts';
import { fullTimeIso, unixIso } from './dates.ts';
import { idOf, jsonAttr } from './json-attr.ts';

export interface TiebaUser {
  /** Absent where the page does not say (sub-comment pages carry names only). */
  id: string | undefined;
  name: string;
}

/** One sub-comment (楼中楼). */
export interface SubComment {
  commentId: string;
  author: TiebaUser;
  /** Whom it answers: the "回复 NAME :" target, else the floor's author. */
  to: TiebaUser | undefined;
  /** Plain text: tags stripped, entities decoded, without the "回复 NAME :" prefix. */
  text: string;
  /** ISO 8601, China time. */
  time: string | undefined;
}

export interface FloorComments {
  postId: string;
  /** All sub-comments of the floor; the JSON carries only the first 10. */
  commentNum: number;
  comments: SubComment[];
}

export interface TotalComment {
  errno: number;
  errmsg: string;
  floors: FloorComments[];
  /** user_name -> user_id from user_list, to resolve reply targets on later pages. */
  userIds: Record<string, string>;
}

/** Who a floor belongs to: the default reply target of its sub-comments. */
export type FloorAuthors = Readonly<Record<string, TiebaUser>>;

const REPLY = /^回复\s*(.+?)\s*[:：]\s*/;

/**
 * Text and reply target of a sub-comment's content nodes. Replies read
 * `回复 <a username="NAME">NAME</a> :text`; the link's username attribute names
 * the target even when the name itself contains a colon.
 */
function readReply(nodes: AnyNode[]): { text: string; target: string | undefined } {
  const whole = textContent(nodes).trim();
  if (!whole.startsWith('回复')) return { text: whole, target: undefined };
  const link = nodes.find((n): n is Element => n.type === 'tag' && n.name === 'a');
  if (link) {
    const after = textContent(nodes.slice(nodes.indexOf(link) + 1));
    const target = (attrOf(link, 'username') ?? textContent(link)).trim();
    return { text: after.replace(/^\s*[:：]/, '').trim(), target };
  }
  const m = REPLY.exec(whole);
  return m ? { text: whole.slice(m[0].length).trim(), target: m[1] } : { text: whole, target: undefined };
}

function contentNodes(html: string): AnyNode[] {
  return parseDocument(html, { decodeEntities: true }).children;
}

function targetOf(
  name: string | undefined,
  floorAuthor: TiebaUser | undefined,
  userIds: Record<string, string>,
): TiebaUser | undefined {
  if (name === undefined) return floorAuthor;
  return { id: userIds[name] ?? (floorAuthor?.name === name ? floorAuthor.id : undefined), name };
}

/**
 * `/p/totalComment` JSON. With no sub-comments Tieba sends `"comment_list": []`
 * (an array) and `"user_list": []`; both read as empty.
 */
export function parseTotalComment(body: unknown, floorAuthors: FloorAuthors = {}): TotalComment {
  const root = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const data = (root['data'] ?? {}) as Record<string, unknown>;
  const asObject = (v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Record<string, unknown>>) : {};
  const userIds: Record<string, string> = {};
  for (const [id, u] of Object.entries(asObject(data['user_list']))) {
    if (typeof u['user_name'] === 'string') userIds[u['user_name']] = idOf(u['user_id']) ?? id;
  }
  const floors: FloorComments[] = [];
  for (const [postId, entry] of Object.entries(asObject(data['comment_list']))) {
    const infos = Array.isArray(entry['comment_info'])
      ? (entry['comment_info'] as Record<string, unknown>[])
      : [];
    const comments: SubComment[] = [];
    for (const c of infos) {
      const commentId = idOf(c['comment_id']);
      if (!commentId) continue;
      const raw = typeof c['content'] === 'string' ? c['content'] : '';
      const { text, target } = readReply(contentNodes(raw));
      comments.push({
        commentId,
        author: { id: idOf(c['user_id']), name: String(c['username'] ?? '') },
        to: targetOf(target, floorAuthors[postId], userIds),
        text,
        time: unixIso(c['now_time']),
      });
    }
    const num = Number(entry['comment_num']);
    floors.push({ postId, commentNum: Number.isFinite(num) ? num : comments.length, comments });
  }
  return { errno: Number(root['errno'] ?? 0), errmsg: String(root['errmsg'] ?? ''), floors, userIds };
}

/** `/p/comment?tid=&pid=&pn=` (HTML fragment, 10 per page): `li.lzl_single_post` rows. */
export function parseCommentPage(
  html: string,
  floorAuthor: TiebaUser | undefined,
  userIds: Record<string, string> = {},
): SubComment[] {
  const doc = parseDocument(html, { decodeEntities: true });
  const out: SubComment[] = [];
  for (const li of selectAll('li.lzl_single_post', doc)) {
    const field = jsonAttr(attrOf(li, 'data-field'));
    const commentId = idOf(field['spid']);
    if (!commentId) continue;
    const name = String(field['user_name'] ?? field['showname'] ?? '');
    const content = selectOne('span.lzl_content_main', li);
    const { text, target } = readReply(content ? content.children : []);
    out.push({
      commentId,
      author: { id: userIds[name] ?? (floorAuthor?.name === name ? floorAuthor.id : undefined), name },
      to: targetOf(target, floorAuthor, userIds),
      text,
      time: fullTimeIso(textOf(selectOne('span.lzl_time', li))),
    });
  }
  return out;
}
