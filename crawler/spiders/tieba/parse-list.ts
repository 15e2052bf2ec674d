import { type CheerioAPI, load } from 'cheerio';

/** One row of a Tieba list page, read by meaning (classes, data-field JSON), not position. */
export interface ListRow {
  tid: string;
  title: string;
  href: string;
  authorName: string;
  authorId: string | undefined;
  replyNum: number | undefined;
  isTop: boolean;
  isGood: boolean;
  created: string | undefined;
  lastReply: string | undefined;
  abstract: string;
}

export interface ListPage {
  fid: string | undefined;
  forum: string | undefined;
  rows: ListRow[];
  pagerHrefs: string[];
}

const THREAD_LIST_CODE = 'code[id="pagelet_html_frs-list/pagelet/thread_list"]';

function jsonAttr(value: string | undefined): Record<string, unknown> {
  if (!value) return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Today's list pages hide the thread list in an HTML comment inside a hidden
 * <code> element (BigPipe); parsers do not look inside comments, so the
 * comment's text is parsed again. Older pages have the list inline.
 */
export function threadListRoot($: CheerioAPI): CheerioAPI {
  const code = $(THREAD_LIST_CODE);
  if (code.length === 0) return $;
  const comment = code
    .contents()
    .toArray()
    .find((n) => n.type === 'comment');
  const html = comment && 'data' in comment ? String(comment.data) : (code.html() ?? '');
  return load(html, { xml: { xmlMode: false, decodeEntities: true } });
}

export function parseListPage($: CheerioAPI, html: string): ListPage {
  const fid = /PageData\.forum\s*=\s*\{[^}]*?['"]?id['"]?\s*:\s*(\d+)/.exec(html)?.[1];
  const forum = /PageData\.forum\s*=\s*\{[^}]*?['"]?name['"]?\s*:\s*"([^"]*)"/.exec(html)?.[1];
  const list = threadListRoot($);
  const rows: ListRow[] = [];
  list('li.j_thread_list').each((_, el) => {
    const row = list(el);
    const field = jsonAttr(row.attr('data-field'));
    const link = row.find('a.j_th_tit').first();
    const href = link.attr('href');
    const tid = String(field['id'] ?? row.attr('data-tid') ?? /\/p\/(\d+)/.exec(href ?? '')?.[1] ?? '');
    if (!tid || !href) return;
    const authorField = jsonAttr(row.find('span.tb_icon_author').first().attr('data-field'));
    rows.push({
      tid,
      title: (link.attr('title') ?? link.text()).trim(),
      href,
      authorName: row.find('.frs-author-name').first().text().trim() || String(field['author_name'] ?? ''),
      authorId: authorField['user_id'] === undefined ? undefined : String(authorField['user_id']),
      replyNum:
        typeof field['reply_num'] === 'number'
          ? field['reply_num']
          : Number(row.find('.threadlist_rep_num').text()) || undefined,
      isTop: field['is_top'] === 1 || field['is_top'] === true,
      isGood: field['is_good'] === 1 || field['is_good'] === true,
      created: row.find('.is_show_create_time').first().text().trim() || undefined,
      lastReply: row.find('.threadlist_reply_date').first().text().trim() || undefined,
      abstract: row.find('.threadlist_abs').first().text().trim(),
    });
  });
  // the pager sits outside the thread list in today's markup, inside it in older pages
  const pagerHrefs = new Set<string>();
  for (const root of [$, list]) {
    root('#frs_list_pager a[href]').each((_, a) => {
      pagerHrefs.add(root(a).attr('href')!);
    });
  }
  return { fid, forum, rows, pagerHrefs: [...pagerHrefs] };
}
