import type { Document, Element } from 'domhandler';
import { attrOf, selectAll, selectOne, textOf } from '../../http/select.ts';
import { idOf, jsonAttr } from './json-attr.ts';

export interface Floor {
  postId: string;
  floor: number | undefined;
  authorId: string | undefined;
  authorName: string;
  time: string | undefined;
  ipLocation: string | undefined;
  content: string;
  images: number;
}

export interface ThreadPage {
  title: string;
  page: number;
  totalPages: number;
  fid: string | undefined;
  floors: Floor[];
}

const FLOOR_NO = /^(\d+)楼$/;
const DATE = /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}$/;

function floorOf(post: Element): (Floor & { forumId?: string }) | undefined {
  const field = jsonAttr(attrOf(post, 'data-field'));
  const author = (field['author'] ?? {}) as Record<string, unknown>;
  const content = (field['content'] ?? {}) as Record<string, unknown>;
  const postId = idOf(content['post_id']) ?? attrOf(post, 'data-pid') ?? '';
  if (!postId) return undefined;
  let floorNo = typeof content['post_no'] === 'number' ? content['post_no'] : undefined;
  let time: string | undefined;
  let ipLocation: string | undefined;
  // tail spans matched by their content: today an "IP属地" span comes first, so positions moved
  for (const span of selectAll('.post-tail-wrap span, .core_reply_tail span', post)) {
    const text = textOf(span);
    const m = FLOOR_NO.exec(text);
    if (m) floorNo ??= Number(m[1]);
    else if (DATE.test(text)) time = text;
    else if (text.startsWith('IP属地:')) ipLocation = text.slice('IP属地:'.length);
  }
  const body = selectOne('.d_post_content', post);
  const nameLi = selectOne('li.d_name', post);
  const floor: Floor & { forumId?: string } = {
    postId,
    floor: floorNo,
    authorId: idOf(author['user_id']) ?? idOf(jsonAttr(attrOf(nameLi, 'data-field'))['user_id']),
    authorName: textOf(nameLi ? selectOne('a', nameLi) : null) || String(author['user_name'] ?? ''),
    time,
    ipLocation,
    content: textOf(body),
    images: body ? selectAll('img.BDE_Image', body).length : 0,
  };
  const forumId = idOf(content['forum_id']);
  if (forumId) floor.forumId = forumId;
  return floor;
}

/** Floors by class and data-field, never by position. */
export function parseThreadPage(doc: Document, page: number): ThreadPage {
  const floors: Floor[] = [];
  let fid: string | undefined;
  for (const post of selectAll('#j_p_postlist > div.j_l_post', doc)) {
    const f = floorOf(post);
    if (!f) continue;
    fid ??= f.forumId;
    delete f.forumId;
    floors.push(f);
  }
  const title = selectOne('h3.core_title_txt', doc);
  const pagesText = textOf(selectAll('li.l_reply_num span.red', doc)[1]);
  return {
    title: (attrOf(title, 'title') ?? textOf(title)).trim(),
    page,
    totalPages: Number(pagesText) || 1,
    fid,
    floors,
  };
}
