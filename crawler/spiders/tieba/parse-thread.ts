import { Parser } from 'htmlparser2';
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
  /** Sub-comments of the floor (data-field content.comment_num); undefined when the page does not say. */
  commentNum: number | undefined;
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

function hasClass(attribs: Record<string, string>, name: string): boolean {
  const cls = attribs['class'];
  return cls !== undefined && ` ${cls.replace(/\s+/g, ' ')} `.includes(` ${name} `);
}

interface FloorDraft extends Floor {
  forumId: string | undefined;
  nameField: Record<string, unknown>;
  /** user_name from the floor's data-field: used when the name link has no text. */
  fieldName: string;
}

/**
 * Thread pages are most of a Tieba crawl, so this parser streams (SAX) instead
 * of building a DOM: about half the CPU. It still reads by meaning, like a
 * selector would: floors are `#j_p_postlist > div.j_l_post`, text is
 * `.d_post_content`, author `li.d_name`, and the tail spans are matched by
 * their content, because today an "IP属地" span comes first and positions moved.
 */
export function parseThreadPage(html: string, page: number): ThreadPage {
  const floors: Floor[] = [];
  const stack: string[] = [];
  let fid: string | undefined;
  let title = '';
  let titleDepth = -1;
  let postListDepth = -1;
  let floor: FloorDraft | undefined;
  let floorDepth = -1;
  let contentDepth = -1;
  let nameDepth = -1;
  let nameLinkDepth = -1;
  let nameLinkSeen = false;
  let tailDepth = -1;
  const tailSpans: { depth: number; text: string }[] = [];
  let replyNumDepth = -1;
  const replySpans: string[] = [];
  let replySpanDepth = -1;

  const finishFloor = () => {
    if (!floor) return;
    floor.authorId ??= idOf(floor.nameField['user_id']);
    floor.content = floor.content.trim();
    floor.authorName = floor.authorName.trim() || floor.fieldName;
    fid ??= floor.forumId;
    const { forumId: _f, nameField: _n, fieldName: _u, ...clean } = floor;
    floors.push(clean);
    floor = undefined;
  };

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const depth = stack.length;
        stack.push(name);
        if (attribs['id'] === 'j_p_postlist') postListDepth = depth;
        else if (name === 'div' && postListDepth === depth - 1 && hasClass(attribs, 'j_l_post')) {
          const field = jsonAttr(attribs['data-field']);
          const author = (field['author'] ?? {}) as Record<string, unknown>;
          const content = (field['content'] ?? {}) as Record<string, unknown>;
          const postId = idOf(content['post_id']) ?? attribs['data-pid'];
          if (postId) {
            floorDepth = depth;
            floor = {
              postId,
              floor: typeof content['post_no'] === 'number' ? content['post_no'] : undefined,
              authorId: idOf(author['user_id']),
              authorName: '',
              time: undefined,
              ipLocation: undefined,
              content: '',
              images: 0,
              commentNum: typeof content['comment_num'] === 'number' ? content['comment_num'] : undefined,
              forumId: idOf(content['forum_id']),
              nameField: {},
              fieldName: typeof author['user_name'] === 'string' ? author['user_name'] : '',
            };
            nameLinkSeen = false;
          }
        } else if (floor) {
          if (contentDepth < 0 && hasClass(attribs, 'd_post_content')) contentDepth = depth;
          else if (contentDepth >= 0 && name === 'img' && hasClass(attribs, 'BDE_Image')) floor.images++;
          if (name === 'li' && hasClass(attribs, 'd_name')) {
            nameDepth = depth;
            floor.nameField = jsonAttr(attribs['data-field']);
          } else if (nameDepth >= 0 && name === 'a' && !nameLinkSeen) {
            nameLinkDepth = depth;
            nameLinkSeen = true;
          }
          if (tailDepth < 0 && (hasClass(attribs, 'post-tail-wrap') || hasClass(attribs, 'core_reply_tail')))
            tailDepth = depth;
          else if (tailDepth >= 0 && name === 'span') tailSpans.push({ depth, text: '' });
        } else if (name === 'h3' && hasClass(attribs, 'core_title_txt')) {
          titleDepth = depth;
          title = attribs['title'] ?? '';
        } else if (name === 'li' && hasClass(attribs, 'l_reply_num')) replyNumDepth = depth;
        else if (replyNumDepth >= 0 && name === 'span' && hasClass(attribs, 'red')) {
          replySpanDepth = depth;
          replySpans.push('');
        }
      },
      ontext(text) {
        if (floor) {
          if (contentDepth >= 0) floor.content += text;
          if (nameLinkDepth >= 0) floor.authorName += text;
          for (const span of tailSpans) span.text += text;
        } else if (titleDepth >= 0 && !title) title = text;
        if (replySpanDepth >= 0) replySpans[replySpans.length - 1] += text;
      },
      onclosetag() {
        const depth = stack.length - 1;
        stack.pop();
        const span = tailSpans.at(-1);
        if (floor && span && span.depth === depth) {
          tailSpans.pop();
          const text = span.text.trim();
          const m = FLOOR_NO.exec(text);
          if (m) floor.floor ??= Number(m[1]);
          else if (DATE.test(text)) floor.time = text;
          else if (text.startsWith('IP属地:')) floor.ipLocation = text.slice('IP属地:'.length);
        }
        if (depth === contentDepth) contentDepth = -1;
        if (depth === nameLinkDepth) nameLinkDepth = -1;
        if (depth === nameDepth) nameDepth = -1;
        if (depth === tailDepth) tailDepth = -1;
        if (depth === floorDepth) {
          finishFloor();
          floorDepth = -1;
        }
        if (depth === postListDepth) postListDepth = -1;
        if (depth === titleDepth) titleDepth = -1;
        if (depth === replySpanDepth) replySpanDepth = -1;
        if (depth === replyNumDepth) replyNumDepth = -1;
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  finishFloor();
  return { title: title.trim(), page, totalPages: Number(replySpans[1]?.trim()) || 1, fid, floors };
}
