import type { AnyNode, Document, Element } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { attrOf, selectAll, selectOne, textOf } from '../../http/select.ts';
import { jsonAttr } from './json-attr.ts';

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

/**
 * Today's list pages hide the thread list in an HTML comment inside a hidden
 * <code> element (BigPipe); parsers do not look inside comments, so the
 * comment's text is parsed again. Older pages have the list inline.
 */
export function threadListRoot(doc: Document): AnyNode {
  const code = selectOne(THREAD_LIST_CODE, doc);
  if (!code) return doc;
  const comment = code.children.find((n) => n.type === 'comment');
  return comment && 'data' in comment ? parseDocument(String(comment.data), { decodeEntities: true }) : code;
}

function row(el: Element): ListRow | undefined {
  const field = jsonAttr(attrOf(el, 'data-field'));
  const link = selectOne('a.j_th_tit', el);
  const href = attrOf(link, 'href');
  const tid = String(field['id'] ?? attrOf(el, 'data-tid') ?? /\/p\/(\d+)/.exec(href ?? '')?.[1] ?? '');
  if (!tid || !href) return undefined;
  const authorField = jsonAttr(attrOf(selectOne('span.tb_icon_author', el), 'data-field'));
  const replyNum =
    typeof field['reply_num'] === 'number'
      ? field['reply_num']
      : Number(textOf(selectOne('.threadlist_rep_num', el)));
  return {
    tid,
    title: (attrOf(link, 'title') ?? textOf(link)).trim(),
    href,
    authorName: textOf(selectOne('.frs-author-name', el)) || String(field['author_name'] ?? ''),
    authorId: authorField['user_id'] === undefined ? undefined : String(authorField['user_id']),
    replyNum: Number.isFinite(replyNum) ? replyNum : undefined,
    isTop: field['is_top'] === 1 || field['is_top'] === true,
    isGood: field['is_good'] === 1 || field['is_good'] === true,
    created: textOf(selectOne('.is_show_create_time', el)) || undefined,
    lastReply: textOf(selectOne('.threadlist_reply_date', el)) || undefined,
    abstract: textOf(selectOne('.threadlist_abs', el)),
  };
}

export function parseListPage(doc: Document, html: string): ListPage {
  const fid = /PageData\.forum\s*=\s*\{[^}]*?['"]?id['"]?\s*:\s*(\d+)/.exec(html)?.[1];
  const forum = /PageData\.forum\s*=\s*\{[^}]*?['"]?name['"]?\s*:\s*"([^"]*)"/.exec(html)?.[1];
  const list = threadListRoot(doc);
  const rows: ListRow[] = [];
  for (const el of selectAll('li.j_thread_list', list)) {
    const r = row(el);
    if (r) rows.push(r);
  }
  // the pager sits outside the thread list in today's markup, inside it in older pages
  const pagerHrefs = new Set<string>();
  for (const root of list === doc ? [doc] : [doc, list]) {
    for (const a of selectAll('#frs_list_pager a[href]', root)) pagerHrefs.add(attrOf(a, 'href')!);
  }
  return { fid, forum, rows, pagerHrefs: [...pagerHrefs] };
}
