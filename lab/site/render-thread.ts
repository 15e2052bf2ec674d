import type { Floor, SiteData, Thread } from './data.ts';
import { fullTime } from './dates.ts';
import { dataField, escapeAttr, escapeText, scriptString } from './html.ts';

/**
 * Thread page `/p/<tid>?pn=<1-based page>` (tieba.md section 4). The nesting
 * keeps the article's positional XPaths valid: content at
 * ./div[2]/div[1]/cc/div[1], author at ./div[1]/ul/li[3], tail spans 3 and 4
 * under ./div[2]/div[4]/div[1]/div (first floor) or ./div[2]/div[2]/div[1]/div[2].
 * In 2024 markup an "IP属地" span comes first in the tail, which shifts those
 * positions: the article's time/floor selectors then read the wrong spans.
 */

function tail(data: SiteData, floor: Floor): string {
  const ip = data.options.markup === '2024' ? `<span>IP属地:${floor.ip}</span>` : '';
  return `<div class="post-tail-wrap">${ip}<span class="j_jb_ele"><a href="#" class="tail-info">举报</a> |</span><span class="tail-info">来自${floor.client}</span><span class="tail-info">${floor.postNo}楼</span><span class="tail-info">${fullTime(floor.time)}</span></div>`;
}

function floorHtml(data: SiteData, thread: Thread, floor: Floor): string {
  const { author } = floor;
  const field = {
    author: {
      user_id: author.userId,
      user_name: author.userName,
      portrait: author.portrait,
      user_nickname: author.nickname,
    },
    content: {
      post_id: floor.postId,
      forum_id: data.options.fid,
      thread_id: thread.tid,
      content: floor.html.trimStart(),
      post_no: floor.postNo,
      comment_num: floor.subCount,
    },
  };
  const first = floor.postNo === 1;
  const home = `/home/main?id=${author.portrait}&fr=pb`;
  const extras = first
    ? '<div class="user-hide-post-down" style="display: none;"></div><div class="share_btn_wrapper" style="display:none"></div>'
    : '';
  const lzl = { pid: floor.postId, floor_num: floor.postNo, total_num: floor.subCount };
  return `<div class="l_post l_post_bright j_l_post clearfix  " ${dataField(field)} data-pid="${floor.postId}">
<div class="d_author"><ul class="p_author"><li class="icon"><a class="p_author_face " href="${home}"><img username="${escapeAttr(author.userName)}" src="/sys/portrait/item/${author.portrait}"></a></li><li class="d_nameplate"></li><li class="d_name" ${dataField({ user_id: author.userId })}><a class="p_author_name j_user_card" href="${home}">${escapeText(author.userName)}</a></li><li class="l_badge"><div class="d_badge_title ">${floor.badge}</div><div class="d_badge_lv">${floor.level}</div></li></ul></div>
<div class="d_post_content_main${first ? ' d_post_content_firstfloor' : ''}"><div class="p_content  "><cc><div id="post_content_${floor.postId}" class="d_post_content j_d_post_content " style="display:;">${floor.html}</div><br></cc></div>${extras}
<div class="core_reply j_lzl_wrapper"><div class="core_reply_tail clearfix"><div class="j_lzl_r p_reply" ${dataField({ total_num: floor.subCount })}><a href="#" class="lzl_link_unfold">回复${floor.subCount > 0 ? `(${floor.subCount})` : ''}</a></div>${tail(data, floor)}</div>
<div class="j_lzl_container core_reply_wrapper" ${dataField(lzl)}></div></div></div>
</div>`;
}

function pager(tid: number, page: number, pages: number): string {
  if (pages <= 1) return '<li class="l_pager pager_theme_4 pb_list_pager"></li>';
  // page 1 is linked as /p/<tid> (no pn), the URL list rows use, so a crawl sees one URL per page
  const href = (p: number) => (p === 1 ? `/p/${tid}` : `/p/${tid}?pn=${p}`);
  let out = '<li class="l_pager pager_theme_4 pb_list_pager">';
  if (page > 1) out += `<a href="${href(1)}">首页</a><a href="${href(page - 1)}">上一页</a>`;
  for (let p = 1; p <= pages; p++)
    out += p === page ? `<span class="tP">${p}</span>` : `<a href="${href(p)}">${p}</a>`;
  if (page < pages) out += `<a href="${href(page + 1)}">下一页</a><a href="${href(pages)}">尾页</a>`;
  return `${out}</li>`;
}

/** One page of a thread; `page` must be within 1..thread.pages. */
export function renderThread(data: SiteData, thread: Thread, page: number): string {
  const { bar, fid, floorsPerPage } = data.options;
  const floors = thread.floors.slice((page - 1) * floorsPerPage, page * floorsPerPage);
  const replies = thread.floorCount - 1;
  const stats = `<li class="l_reply_num" style="margin-left:8px"><span class="red" style="margin-right:3px">${replies}</span>回复贴，共<span class="red">${thread.pages}</span>页</li>`;
  const bottom = `<div class="p_thread thread_theme_5"><div class="l_thread_info"><ul class="l_posts_num">${pager(thread.tid, page, thread.pages)}${stats}</ul></div></div>`;
  return `<!DOCTYPE html><!--STATUS OK--><html><head><meta charset="UTF-8">
<title>${escapeText(thread.title)}【${escapeText(bar)}吧】_百度贴吧</title><link rel="stylesheet" href="/static/pb.css"></head><body>
<script>var PageData = {}; PageData.forum = {'forum_id': ${fid}, 'forum_name': ${scriptString(bar)}}; PageData.thread = {'thread_id': ${thread.tid}, 'title': ${scriptString(thread.title)}, 'reply_num': ${replies}};</script>
<div class="card_title"><a class="card_title_fname" href="/f?kw=${encodeURIComponent(bar)}&ie=utf-8&pn=0">${escapeText(bar)}吧</a></div>
<div class="core_title_wrap_bright clearfix"><div class="core_title core_title_theme_bright"><h3 class="core_title_txt pull-left text-overflow  " title="${escapeAttr(thread.title)}" style="width: 416px">${escapeText(thread.title)}</h3></div></div>
${bottom}
<div class="left_section"><div id="j_p_postlist" class="p_postlist">
${floors.map((f) => floorHtml(data, thread, f)).join('\n')}
</div></div>
${bottom}
</body></html>
`;
}

export function renderThreadNotFound(): string {
  return '<!DOCTYPE html><html><head><meta charset="UTF-8"><title>贴吧404</title></head><body><div class="page404">很抱歉，该贴已被删除。</div></body></html>\n';
}
