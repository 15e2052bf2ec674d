import type { CheerioAPI } from 'cheerio';

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

function jsonAttr(value: string | undefined): Record<string, unknown> {
  if (!value) return {};
  try {
    const v = JSON.parse(value) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function idOf(v: unknown): string | undefined {
  return typeof v === 'number' || (typeof v === 'string' && v !== '') ? String(v) : undefined;
}

const FLOOR_NO = /^(\d+)楼$/;
const DATE = /^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}$/;

/** Floors by class and data-field; tail spans matched by their content, since an IP span now comes first. */
export function parseThreadPage($: CheerioAPI, page: number): ThreadPage {
  const floors: Floor[] = [];
  let fid: string | undefined;
  $('#j_p_postlist > div.j_l_post').each((_, el) => {
    const post = $(el);
    const field = jsonAttr(post.attr('data-field'));
    const author = (field['author'] ?? {}) as Record<string, unknown>;
    const content = (field['content'] ?? {}) as Record<string, unknown>;
    const postId = String(content['post_id'] ?? post.attr('data-pid') ?? '');
    if (!postId) return;
    if (content['forum_id'] !== undefined) fid ??= String(content['forum_id']);
    let floorNo = typeof content['post_no'] === 'number' ? content['post_no'] : undefined;
    let time: string | undefined;
    let ipLocation: string | undefined;
    post.find('.post-tail-wrap span, .core_reply_tail span').each((_, s) => {
      const text = $(s).text().trim();
      const m = FLOOR_NO.exec(text);
      if (m) floorNo ??= Number(m[1]);
      else if (DATE.test(text)) time = text;
      else if (text.startsWith('IP属地:')) ipLocation = text.slice('IP属地:'.length);
    });
    const body = post.find('.d_post_content').first();
    const nameLi = post.find('li.d_name').first();
    floors.push({
      postId,
      floor: floorNo,
      authorId: idOf(author['user_id']) ?? idOf(jsonAttr(nameLi.attr('data-field'))['user_id']),
      authorName: nameLi.find('a').first().text().trim() || String(author['user_name'] ?? ''),
      time,
      ipLocation,
      content: body.text().trim(),
      images: body.find('img.BDE_Image').length,
    });
  });
  const pagesText = $('li.l_reply_num span.red').eq(1).text();
  return {
    title: ($('h3.core_title_txt').attr('title') ?? $('h3.core_title_txt').text()).trim(),
    page,
    totalPages: Number(pagesText) || 1,
    fid,
    floors,
  };
}
