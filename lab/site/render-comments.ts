import type { Floor, SiteData, SubComment, Thread, User } from './data.ts';
import { lzlTime } from './dates.ts';
import { dataField, escapeAttr, escapeText } from './html.ts';

/**
 * Sub-comments (楼中楼), tieba.md section 5. The JSON carries at most
 * COMMENTS_PER_PAGE per floor, like Tieba; the rest are on /p/comment pages.
 */
export const COMMENTS_PER_PAGE = 10;

function userEntry(u: User): Record<string, unknown> {
  return {
    user_id: u.userId,
    user_name: u.userName,
    nickname: u.nickname,
    portrait: u.portrait,
    display_name: u.nickname,
  };
}

function info(thread: Thread, floor: Floor, c: SubComment): Record<string, unknown> {
  return {
    thread_id: String(thread.tid),
    post_id: String(floor.postId),
    comment_id: String(c.commentId),
    username: c.author.userName,
    user_id: String(c.author.userId),
    now_time: Math.floor(c.time / 1000),
    content: c.content,
    ptype: '0',
    during_time: '0',
    is_anonym: false,
  };
}

/**
 * `/p/totalComment?tid=&fid=&pn=`: sub-comments of the floors on thread page `page`.
 * No sub-comments on that page: `"comment_list": []`, an ARRAY (as Tieba sends).
 */
export function renderTotalComment(data: SiteData, thread: Thread, page: number): string {
  const per = data.options.floorsPerPage;
  const commentList: Record<string, unknown> = {};
  const users: Record<string, unknown> = {};
  for (const floor of thread.floors.slice((page - 1) * per, page * per)) {
    if (floor.subCount === 0) continue;
    const subs = data.subComments(floor).slice(0, COMMENTS_PER_PAGE);
    commentList[String(floor.postId)] = {
      comment_num: floor.subCount,
      comment_list_num: subs.length,
      comment_info: subs.map((c) => info(thread, floor, c)),
    };
    for (const c of subs) {
      users[String(c.author.userId)] = userEntry(c.author);
      users[String(c.to.userId)] = userEntry(c.to);
    }
  }
  const empty = Object.keys(commentList).length === 0;
  return JSON.stringify({
    errno: 0,
    errmsg: 'success',
    data: { comment_list: empty ? [] : commentList, user_list: empty ? [] : users },
  });
}

/** The JSON answer for a bad tid/fid/pn: Tieba answers such API calls with an errno, not an HTTP error. */
export function renderCommentError(errno: number, errmsg: string): string {
  return JSON.stringify({ errno, errmsg, data: [] });
}

/** Pages of `/p/comment` for one floor (at least 1, even with no sub-comments). */
export function commentPagesOf(floor: Floor): number {
  return Math.max(1, Math.ceil(floor.subCount / COMMENTS_PER_PAGE));
}

/** `/p/comment?tid=&pid=&pn=`: one HTML fragment page of a floor's sub-comments, 10 per page. */
export function renderCommentPage(data: SiteData, floor: Floor, page: number): string {
  const subs = data.subComments(floor).slice((page - 1) * COMMENTS_PER_PAGE, page * COMMENTS_PER_PAGE);
  const items = subs.map((c, k) => {
    const field = {
      spid: c.commentId,
      showname: c.author.userName,
      user_name: c.author.userName,
      portrait: c.author.portrait,
    };
    const home = `/home/main?id=${c.author.portrait}&fr=pb`;
    return `<li class="lzl_single_post j_lzl_s_p${k === 0 ? ' first_no_border' : ''}" ${dataField(field)}><a rel="noopener" data-field='{"un":"${escapeAttr(c.author.userName)}"}' target="_blank" class="j_user_card lzl_p_p" href="${home}" username="${escapeAttr(c.author.userName)}"><img src="/sys/portrait/item/${c.author.portrait}"></a><div class="lzl_cnt"><a rel="noopener" class="at j_user_card " href="${home}" username="${escapeAttr(c.author.userName)}">${escapeText(c.author.userName)}</a>:&nbsp;<span class="lzl_content_main">${c.content}</span><div class="lzl_content_reply"><span class="lzl_op_list j_lzl_o_l"></span><span class="lzl_time">${lzlTime(c.time)}</span><a href="#" class="lzl_s_r">回复</a></div></div></li>`;
  });
  const pages = commentPagesOf(floor);
  const pager = `<li class="lzl_li_pager j_lzl_l_p lzl_li_pager_s" ${dataField({ total_num: floor.subCount, total_page: pages })}><p class="j_pager l_pager pager_theme_2">${page < pages ? `<a href="#${page + 1}">下一页</a>` : ''}</p></li>`;
  return `${items.join('')}${pager}\n`;
}
