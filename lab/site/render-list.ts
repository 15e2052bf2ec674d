import type { SiteData } from './data.ts';
import { createdLabel, replyLabel } from './dates.ts';
import { dataField, escapeAttr, escapeText, scriptString } from './html.ts';

/**
 * List page `/f?kw=<bar>&ie=utf-8&pn=<offset>`, shaped like tieba.md section 3.
 * 2024: the list sits in an HTML comment inside code#pagelet_html_frs-list/...
 * (BigPipe); 2017: the list is inline and rows lack `thread_item_box`.
 * Pager hrefs are protocol-relative and name the Host the request came to.
 */

export function listHref(data: SiteData, host: string, page: number): string {
  const { bar, threadsPerPage } = data.options;
  return `//${host}/f?kw=${encodeURIComponent(bar)}&ie=utf-8&pn=${page * threadsPerPage}`;
}

function row(data: SiteData, i: number): string {
  const meta = data.metas[i]!;
  const { title, author } = data.head(i);
  const first = data.floor(i, 0);
  const last = meta.floorCount === 1 ? first : data.floor(i, meta.floorCount - 1);
  const replyNum = meta.floorCount - 1;
  const rowClass =
    data.options.markup === '2024' ? ' j_thread_list clearfix thread_item_box' : ' j_thread_list clearfix';
  const field = {
    id: meta.tid,
    author_name: author.userName,
    author_nickname: author.nickname,
    author_portrait: author.portrait,
    first_post_id: first.postId,
    reply_num: replyNum,
    is_good: meta.isGood ? 1 : null,
    is_top: meta.isTop ? 1 : null,
  };
  const abs = first.text.length > 40 ? `${first.text.slice(0, 40)}…` : first.text;
  const media =
    first.images > 0
      ? '<ul class="threadlist_media j_threadlist_media clearfix"><li><a class="thumbnail vpic_wrap"><img class="threadlist_pic j_m_pic" alt=""></a></li></ul>'
      : '';
  const home = (u: { portrait: string }) => `/home/main/?id=${u.portrait}&fr=frs`;
  const top = meta.isTop ? '<i class="icon-top" title="置顶"></i>' : '';
  const good = meta.isGood ? '<i class="icon-good" title="精品"></i>' : '';
  return `<li class="${rowClass}" ${dataField(field)} data-tid="${meta.tid}" data-thread-type="0">
<div class="t_con cleafix"><div class="col2_left j_threadlist_li_left"><span class="threadlist_rep_num center_text" title="回复">${replyNum}</span></div>
<div class="col2_right j_threadlist_li_right "><div class="threadlist_lz clearfix">
<div class="threadlist_title pull_left j_th_tit ">${top}${good}<a rel="noopener" href="/p/${meta.tid}" title="${escapeAttr(title)}" class="j_th_tit ">${escapeText(title)}</a></div>
<div class="threadlist_author pull_right"><span class="tb_icon_author " title="主题作者: ${escapeAttr(author.userName)}" ${dataField({ user_id: author.userId })}><i class="icon_author"></i><span class="frs-author-name-wrap"><a class="frs-author-name j_user_card " href="${home(author)}">${escapeText(author.userName)}</a></span></span>
<span class="pull-right is_show_create_time" title="创建时间">${createdLabel(meta.created, data.now)}</span></div></div>
<div class="threadlist_detail clearfix"><div class="threadlist_text pull_left"><div class="threadlist_abs threadlist_abs_onlyline ">${escapeText(abs)}</div>${media}</div>
<div class="threadlist_author pull_right"><span class="tb_icon_author_rely j_replyer " title="最后回复人: ${escapeAttr(last.author.userName)}"><i class="icon_replyer"></i><a class="frs-author-name j_user_card " href="${home(last.author)}">${escapeText(last.author.userName)}</a></span>
<span class="threadlist_reply_date pull_right j_reply_data" title="最后回复时间">${replyLabel(meta.lastReply, data.now)}</span></div></div></div></div>
</li>`;
}

function pager(data: SiteData, host: string, page: number): string {
  const last = data.options.listPages - 1;
  const a = (p: number, cls: string, label: string) =>
    `<a href="${listHref(data, host, p)}" class="${cls} pagination-item ">${label}</a>`;
  let out = '<div id="frs_list_pager" class="pagination-default clearfix">';
  if (page > 0) out += a(0, 'first', '首页') + a(Math.min(page, last + 1) - 1, 'pre', '&lt;上一页');
  const start = Math.max(0, Math.min(page - 5, last - 9));
  const end = Math.min(last, start + 9);
  for (let p = start; p <= end; p++) {
    out +=
      p === page
        ? `<span class="pagination-current pagination-item ">${p + 1}</span>`
        : a(p, '', String(p + 1));
  }
  if (page < last) out += a(page + 1, 'next', '下一页&gt;') + a(last, 'last', '尾页');
  return `${out}</div>`;
}

/** The list markup: rows, pager, footer. `page` is 0-based; past the end it has no rows (like Tieba). */
function threadList(data: SiteData, host: string, page: number, posts: number): string {
  const { threadsPerPage } = data.options;
  const rows: string[] = [];
  const from = page * threadsPerPage;
  for (let i = from; i < Math.min(from + threadsPerPage, data.threadCount); i++) rows.push(row(data, i));
  return `<ul id="thread_list" class="threadlist_bright j_threadlist_bright">
${rows.join('\n')}
</ul>
<div class="thread_list_bottom clearfix">${pager(data, host, page)}
<div class="th_footer_l">共有主题数<span class="red_text">${data.threadCount}</span>个，贴子数<span class="red_text">${posts}</span>篇 吧主数<span class="red_text">3</span></div></div>`;
}

export function renderList(data: SiteData, host: string, page: number): string {
  const { bar, fid, markup } = data.options;
  const list = threadList(data, host, page, data.floorTotal);
  const body =
    markup === '2024'
      ? `<div id="content_leftList" class="content_leftList clearfix"><div id="pagelet_frs-list/pagelet/thread_list" class="pagelet"></div></div>
<code class="pagelet_html" id="pagelet_html_frs-list/pagelet/thread_list" style="display:none;"><!--
${list}
--></code><script>Bigpipe.register("frs-list/pagelet/thread_list", {"id":"pagelet_frs-list/pagelet/thread_list","parent":"pagelet_frs-list/pagelet/content","scripts":[]}).on("load", function(){});</script>`
      : `<div id="content_leftList" class="content_leftList clearfix">
${list}
</div>`;
  return `<!DOCTYPE html><!--STATUS OK--><html><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width">
<title>${escapeText(bar)}吧-百度贴吧--${escapeText(bar)}吧，和志同道合的人一起聊聊</title>
<meta name="keywords" content="${escapeAttr(bar)},百度贴吧"><link rel="stylesheet" href="/static/frs.css"></head><body>
<script>var PageData = {}; PageData.forum = {'id': ${fid}, 'name': ${scriptString(bar)}, 'first_class': "娱乐", 'second_class': "闲聊"}; PageData.user = {'is_login': 0};</script>
<div id="head" class="search_bright clearfix"><div class="card_title"><a class="card_title_fname" title="" href="/f?kw=${encodeURIComponent(bar)}&ie=utf-8&pn=0">${escapeText(bar)}吧</a></div></div>
<div id="content_wrap">${body}</div>
</body></html>
`;
}

/** A wrong bar name: Tieba shows a page; we answer 404 with a short one. */
export function renderBarNotFound(kw: string): string {
  return `<!DOCTYPE html><html><head><meta charset="UTF-8"><title>百度贴吧</title></head><body><div class="page404">抱歉，“${escapeText(kw)}”吧不存在。</div></body></html>\n`;
}
